"""Shared by the serve tests: one small trained run (synthetic digits, a few seconds) in a runs
folder, and the app served from a background thread on a free port of 127.0.0.1."""

import json
import shutil
import urllib.error
import urllib.request
from pathlib import Path

from tensorgrad.models.cli import main

QUICK = ["--dataset", "synthetic", "--limit", "960", "--test-limit", "200", "--batch-size", "64",
         "--epochs", "3", "--no-progress"]  # fmt: skip
_RUNS: dict[str, Path] = {}


def runs_folder(tmp_path_factory) -> Path:
    """``runs/`` holding ``synthetic-run`` (trained once per test session) and ``copy`` of it."""
    if "root" not in _RUNS:
        root = tmp_path_factory.mktemp("serve") / "runs"
        assert main(["train", *QUICK, "--out", str(root / "synthetic-run")]) == 0
        shutil.copytree(root / "synthetic-run", root / "copy")
        _RUNS["root"] = root
    return _RUNS["root"]


def request(url: str, body: bytes | None = None, content_type: str | None = None, headers=None):
    """(status, parsed JSON or raw bytes) of a GET, or of a POST when ``body`` is given."""
    headers = dict(headers or {})
    if content_type is not None:
        headers["Content-Type"] = content_type
    req = urllib.request.Request(url, data=body, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=60) as response:
            status, data, kind = response.status, response.read(), response.headers["content-type"]
    except urllib.error.HTTPError as error:
        status, data, kind = error.code, error.read(), error.headers["content-type"]
    return status, json.loads(data) if kind and "json" in kind else data
