"""The package list, which pyproject.toml (everything else) cannot express: the repository's
``models/`` folder (and any package in it) is installed as ``tensorgrad.models``, so the
distribution claims no top-level import name but its own."""

from setuptools import find_packages, setup

MODELS = "tensorgrad.models"

setup(
    packages=[
        *find_packages(include=["tensorgrad", "tensorgrad.*"]),
        MODELS,
        *(f"{MODELS}.{name}" for name in find_packages("models")),
    ],
    package_dir={MODELS: "models"},
)
