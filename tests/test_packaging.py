"""What ``pip install`` gives: ``python -m build`` makes a wheel with the packages and their data
files (nothing else) and an sdist that also holds the tests; ``pip install .`` into a fresh
virtual environment gives a ``tensorgrad`` command that trains from an unrelated folder, one that
has its own ``models.py``, and claims no top-level import name but ``tensorgrad``.

Both builds run on a copy of the checkout as a fresh clone has it, so that they neither write
into the checkout nor pick up its build leftovers. Marked ``install`` (``pytest -m "not
install"`` leaves them out): they build twice and install the dependencies into a new venv.
"""

import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

import tensorgrad as tg

pytestmark = pytest.mark.install

ROOT = Path(__file__).resolve().parents[1]
NOT_IN_A_CLONE = (".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".hypothesis",
                  ".pytest_cache", "runs", "*.nbi", "*.nbc")  # fmt: skip
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"PIP_NO_INPUT": "1"}


def _run(command: list, cwd: Path, timeout: int = 600) -> str:
    done = subprocess.run(command, cwd=cwd, env=ENV, capture_output=True, text=True,
                          timeout=timeout)  # fmt: skip
    assert done.returncode == 0, f"{command}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    copy = tmp_path_factory.mktemp("clone") / "tensorgrad"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(*NOT_IN_A_CLONE))
    return copy


def _files(folder: Path, prefix: str) -> set[str]:
    return {f"{prefix}{p.relative_to(folder).as_posix()}" for p in folder.rglob("*") if p.is_file()}


def test_wheel_holds_the_packages_and_their_data_and_the_sdist_the_tests(source, tmp_path):
    _run([sys.executable, "-m", "build", "--outdir", str(tmp_path), "."], cwd=source)
    (wheel,) = tmp_path.glob("*.whl")
    (sdist,) = tmp_path.glob("*.tar.gz")
    names = set(zipfile.ZipFile(wheel).namelist())
    info = f"tensorgrad-{tg.__version__}.dist-info"
    assert {name.split("/")[0] for name in names} == {"tensorgrad", info}
    packaged = {name for name in names if not name.startswith(info)}
    expected = _files(source / "tensorgrad", "tensorgrad/")
    expected |= _files(source / "models", "tensorgrad/models/")  # .py and data files alike
    assert packaged == expected  # so no tests, docs or images, and no caches
    entry_points = zipfile.ZipFile(wheel).read(f"{info}/entry_points.txt").decode()
    assert "tensorgrad = tensorgrad.models.cli:main" in entry_points

    top = f"tensorgrad-{tg.__version__}/"
    with tarfile.open(sdist) as archive:
        held = {name.removeprefix(top) for name in archive.getnames()}
    for folder in ("tests", "benchmarks", "models", "tensorgrad"):
        assert _files(source / folder, f"{folder}/") <= held, folder
    assert "docs" not in {name.split("/")[0] for name in held}


USER_MODELS = "NAME = 'my project models'\n"
CHECK_NAMES = """
import importlib.metadata, json, models, tensorgrad.models
files = importlib.metadata.files("tensorgrad")
print(json.dumps({"user_models": models.NAME, "installed": tensorgrad.models.__file__,
                  "top": sorted({f.parts[0] for f in files if f.parts[0] != ".."})}))
"""


def test_pip_install_gives_a_command_that_trains_from_any_folder(source, tmp_path):
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], cwd=tmp_path)
    python, command = venv / "bin" / "python", str(venv / "bin" / "tensorgrad")
    _run([str(python), "-m", "pip", "install", "--disable-pip-version-check", "."], cwd=source)

    project = tmp_path / "my-project"  # like most ML projects, it has a models.py
    project.mkdir()
    (project / "models.py").write_text(USER_MODELS)
    assert _run([command, "--version"], cwd=project).strip() == f"tensorgrad {tg.__version__}"
    out = _run([command, "train", "--dataset", "synthetic", "--limit", "512", "--test-limit",
                "256", "--batch-size", "64", "--epochs", "1", "--no-progress", "--out", "run"],
               cwd=project)  # fmt: skip
    assert "test loss" in out and "most confused" in out
    metrics = json.loads((project / "run" / "metrics.json").read_text())
    assert metrics["epochs_completed"] == 1 and 0 <= metrics["test_accuracy"] <= 1

    names = json.loads(_run([str(python), "-c", CHECK_NAMES], cwd=project))
    assert names["user_models"] == "my project models"
    site = Path(names["installed"]).parents[2]
    assert site.name == "site-packages" and venv in site.parents  # not the checkout
    assert names["top"] == ["tensorgrad", f"tensorgrad-{tg.__version__}.dist-info"]
    facts = json.loads(_run([command, "info", "--json"], cwd=project))
    assert facts["tensorgrad"] == f"{tg.__version__} ({site / 'tensorgrad'})"
