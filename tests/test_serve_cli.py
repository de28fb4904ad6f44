"""``tensorgrad serve`` on the command line: help, the URL it prints, and a one-line
error with exit status 1 for a missing checkpoint, a port in use and a runs folder with no runs."""

import os
import signal
import socket
import subprocess
import sys

import pytest
from serve_helpers import request, runs_folder

from tensorgrad.models.cli import build_parser, main


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    return runs_folder(tmp_path_factory)


def one_line_error(capsys, status, expected_status, *fragments):
    err = capsys.readouterr().err.strip()
    assert status == expected_status, err
    assert err.startswith("error: ") and "\n" not in err and "Traceback" not in err, err
    for fragment in fragments:
        assert fragment in err, (fragment, err)


def test_help_explains_every_option(capsys):
    with pytest.raises(SystemExit) as info:
        main(["serve", "--help"])
    assert info.value.code == 0
    text = capsys.readouterr().out
    sub = build_parser()._subparsers._group_actions[0].choices["serve"]
    for action in sub._actions:
        for flag in action.option_strings:
            assert flag in text
        assert action.help, f"serve {action.dest} has no help"
    assert "127.0.0.1" in text


def test_a_missing_checkpoint(tmp_path, capsys):
    status = main(["serve", "--checkpoint", str(tmp_path / "nothing"), "--port", "0"])
    one_line_error(capsys, status, 1, "nothing: no such file")


def test_a_folder_without_weights(tmp_path, capsys):
    status = main(["serve", "--checkpoint", str(tmp_path), "--port", "0"])
    one_line_error(capsys, status, 1, "holds no checkpoint.safetensors or model.safetensors")


def test_a_damaged_checkpoint(tmp_path, capsys):
    (tmp_path / "model.safetensors").write_bytes(b"not safetensors")
    status = main(["serve", "--checkpoint", str(tmp_path), "--port", "0"])
    one_line_error(capsys, status, 1, "not a readable safetensors file")


def test_a_runs_folder_with_no_runs(tmp_path, capsys):
    (tmp_path / "empty-run").mkdir()
    (tmp_path / "empty-run" / "notes.txt").write_text("no weights here")
    status = main(["serve", "--runs", str(tmp_path), "--port", "0"])
    one_line_error(capsys, status, 1, "no runs found", "tensorgrad train")


def test_a_runs_folder_that_does_not_exist(tmp_path, capsys):
    status = main(["serve", "--runs", str(tmp_path / "runs"), "--port", "0"])
    one_line_error(capsys, status, 1, "runs: no such folder")


def test_a_port_in_use(runs, capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        status = main(["serve", "--checkpoint", str(runs / "synthetic-run"), "--port", str(port)])
    one_line_error(capsys, status, 1, f"127.0.0.1:{port} is in use", "--port 0")


@pytest.mark.parametrize(
    "argv, fragment",
    [
        ([], "one of the arguments --checkpoint --runs is required"),
        (["--checkpoint", "a", "--runs", "b"], "not allowed with argument"),
        (["--runs", "runs", "--port", "70000"], "expected a port number in 0..65535"),
        (["--runs", "runs", "--port", "http"], "expected a port number"),
    ],
)
def test_bad_arguments(argv, fragment, capsys):
    one_line_error(capsys, main(["serve", *argv]), 2, fragment)


def test_serves_on_127_0_0_1_and_prints_the_url(runs):
    """The real command in a subprocess: the URL it prints answers the page and the API, and
    Ctrl-C (SIGINT) stops it with status 0."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "models", "serve", "--runs", str(runs), "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        line = process.stdout.readline()
        assert line.startswith("serving 2 runs from ") and " at http://127.0.0.1:" in line, (
            line + process.stderr.read()
        )
        url = line.split(" at ")[1].split()[0]
        status, page = request(url)
        assert status == 200 and b'id="pad"' in page
        status, answer = request(url + "api/runs")
        assert status == 200 and len(answer["runs"]) == 2
    finally:
        process.send_signal(signal.SIGINT)
        try:
            code = process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    assert code == 0, process.stderr.read()


def test_another_host_is_served_only_when_asked_for(runs, capsys, monkeypatch):
    """The default is 127.0.0.1; --host 0.0.0.0 binds all addresses and says so."""
    from tensorgrad.models.serve import server

    bound = []

    def run(self, sockets):
        bound.extend(sock.getsockname()[0] for sock in sockets)

    monkeypatch.setattr(server.uvicorn.Server, "run", run)
    argv = ["serve", "--checkpoint", str(runs / "synthetic-run"), "--port", "0"]
    assert main(argv) == 0
    assert main([*argv, "--host", "0.0.0.0"]) == 0
    out = capsys.readouterr().out
    assert bound == ["127.0.0.1", "0.0.0.0"]
    assert "http://127.0.0.1:" in out and "lets other machines reach this server" in out
