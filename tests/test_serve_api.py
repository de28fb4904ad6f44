"""The JSON API of ``tensorgrad serve``, against the running server (a background thread
on 127.0.0.1): answers equal ``predict``'s, every bad input gets a clear 4xx, and 200 concurrent
requests are all answered correctly."""

import base64
import http.client
import io
import json
import os
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from urllib.parse import urlsplit

import numpy as np
import pytest
from PIL import Image
from serve_helpers import request, runs_folder

import tensorgrad as tg
from tensorgrad.models.cli import main
from tensorgrad.models.commands import load_model
from tensorgrad.models.predict import probabilities
from tensorgrad.models.preprocess import read_digit
from tensorgrad.models.serve.catalog import Catalog
from tensorgrad.models.serve.inference import Inference
from tensorgrad.models.serve.inputs import MAX_BODY_BYTES
from tensorgrad.models.serve.server import BackgroundServer
from tensorgrad.models.synthetic import draw_digit

RUN = "synthetic-run"


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    return runs_folder(tmp_path_factory)


@pytest.fixture(scope="module")
def url(runs):
    with BackgroundServer(Inference(Catalog.scan(runs))) as url:
        yield url


@pytest.fixture(scope="module")
def model(runs):
    args = SimpleNamespace(checkpoint=str(runs / RUN), model=None, classic=None, device="cpu")
    return load_model(args)[0]


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def post_png(url, data: bytes, run=RUN, query=""):
    return request(f"{url}api/predict?run={run}{query}", data, "image/png")


def check_matches_predict(url, runs, model, paths, capsys):
    """The server's answer for each image file equals ``predict``'s (its top class as printed,
    and the probabilities of the same preparation and forward pass)."""
    assert main(["predict", *map(str, paths), "--checkpoint", str(runs / RUN), "--top", "1"]) == 0
    printed = capsys.readouterr().out.splitlines()
    for path, line in zip(paths, printed, strict=True):
        status, answer = post_png(url, path.read_bytes(), query="&features=0")
        assert status == 200, answer
        expected = probabilities(model, read_digit(path)[None])[0]
        np.testing.assert_allclose(answer["probabilities"], expected, atol=1e-6)
        assert answer["prediction"] == int(re.match(rf"{re.escape(str(path))}: (\d)", line)[1])
        np.testing.assert_allclose(answer["input"], read_digit(path), atol=1e-4)
        assert "feature_maps" not in answer


# -- answers ------------------------------------------------------------------------------------
def test_runs_lists_both_runs_with_their_accuracy(url, runs):
    status, answer = request(url + "api/runs")
    assert status == 200
    metrics = json.loads((runs / RUN / "metrics.json").read_text())
    listed = {run["id"]: run for run in answer["runs"]}
    assert set(listed) == {RUN, "copy"} and answer["default"] in listed
    assert listed[RUN]["test_accuracy"] == metrics["test_accuracy"]
    assert listed[RUN]["model"] == "lenet5" and listed[RUN]["dataset"] == "synthetic"


def test_drawn_digits_as_png_match_predict(url, runs, model, tmp_path, capsys):
    paths = []
    for digit in range(10):  # dark on light, 112x112: predict's preparation has work to do
        paths.append(tmp_path / f"digit{digit}.png")
        draw_digit(digit, dark_on_light=True).save(paths[-1])
    check_matches_predict(url, runs, model, paths, capsys)


@pytest.mark.network
def test_real_mnist_test_digits_as_png_match_predict(url, runs, model, tmp_path, capsys):
    test_set = tg.data.MNIST(train=False)
    paths = []
    for index in range(0, 10000, 500):  # 20 digits from across the test set
        paths.append(tmp_path / f"mnist{index}.png")
        Image.fromarray(test_set.data[index].numpy()).save(paths[-1])
    check_matches_predict(url, runs, model, paths, capsys)


def test_pixels_are_used_as_given(url, model):
    status, image = request(f"{url}api/test/7?run={RUN}")
    assert status == 200
    pixels = np.array(image["pixels"], dtype=np.float32)
    body = json.dumps({"pixels": pixels.tolist()}).encode()
    status, answer = request(f"{url}api/predict?run={RUN}", body, "application/json")
    assert status == 200, answer
    np.testing.assert_allclose(answer["probabilities"], probabilities(model, pixels[None])[0],
                               atol=1e-6)  # fmt: skip
    np.testing.assert_allclose(answer["probabilities"], image["probabilities"], atol=1e-5)
    assert answer["prediction"] == image["prediction"]
    assert np.array_equal(np.array(answer["input"]), np.round(pixels, 4))


def test_test_image_png_holds_the_same_pixels(url):
    _, image = request(f"{url}api/test/3?run={RUN}")
    status, png = request(f"{url}api/test/3.png?run={RUN}")
    assert status == 200 and png.startswith(b"\x89PNG")
    decoded = np.asarray(Image.open(io.BytesIO(png)), dtype=np.float64) / 255
    np.testing.assert_allclose(decoded, image["pixels"], atol=1e-4)


def test_feature_maps_are_the_conv_outputs(url, model):
    digit = read_digit_from(draw_digit(4))
    status, answer = post_png(url, png_bytes(draw_digit(4)))
    assert status == 200
    maps = answer["feature_maps"]
    assert [(m["layer"], m["shape"]) for m in maps] == [
        ("features.0", [6, 28, 28]),
        ("features.3", [16, 10, 10]),
    ]
    x = tg.from_numpy(((digit - 0.1307) / 0.3081)[None, None].astype(np.float32))
    with tg.no_grad():
        conv1 = model.features[0](x).numpy()[0]
    levels = np.frombuffer(base64.b64decode(maps[0]["data"]), np.uint8).reshape(6, 28, 28)
    scale = np.array(maps[0]["scale"])[:, None, None]
    decoded = (levels - 127.5) / 127.5 * scale
    assert (np.abs(decoded - conv1) <= scale / 255 * 1.001 + 1e-6).all()  # half a step
    assert np.allclose(scale[:, 0, 0], np.abs(conv1).reshape(6, -1).max(axis=1), rtol=1e-5)


def read_digit_from(image: Image.Image) -> np.ndarray:
    from models.preprocess import to_mnist

    return to_mnist(np.asarray(image, dtype=np.float32) / 255)


def test_confusion_matches_the_runs_metrics(url, runs):
    status, answer = request(f"{url}api/confusion?run={RUN}")
    assert status == 200
    metrics = json.loads((runs / RUN / "metrics.json").read_text())
    assert answer["confusion"] == metrics["confusion_matrix"]
    assert answer["images"] == 200 and answer["accuracy"] == pytest.approx(metrics["test_accuracy"])


def test_a_cell_lists_its_test_images_most_confident_first(url):
    _, confusion = request(f"{url}api/confusion?run={RUN}")
    cm = np.array(confusion["confusion"])
    off = cm - np.diag(np.diag(cm))
    true, predicted = np.unravel_index(np.argmax(off), off.shape)
    assert off[true, predicted] > 0, "the fixture run should make a mistake"
    for t, p in [(true, predicted), (true, true)]:
        status, cell = request(f"{url}api/cell?run={RUN}&true={t}&predicted={p}&limit=3")
        assert status == 200 and cell["count"] == cm[t, p]
        assert len(cell["images"]) == min(3, cm[t, p])
        confidences = [image["probabilities"][p] for image in cell["images"]]
        assert confidences == sorted(confidences, reverse=True)
        for image in cell["images"]:
            assert image["label"] == t and image["prediction"] == p
            _, single = request(f"{url}api/test/{image['index']}?run={RUN}")
            pixels = np.frombuffer(base64.b64decode(image["pixels"]), np.uint8).reshape(28, 28)
            np.testing.assert_allclose(pixels / 255, single["pixels"], atol=1e-4)


def test_run_may_be_left_out(url):
    _, runs = request(url + "api/runs")
    status, answer = post_png(url, png_bytes(draw_digit(2)), run="")
    assert status == 200 and answer["run"] == runs["default"]


def test_new_runs_appear_and_rewritten_weights_are_reloaded(runs, tmp_path):
    root = tmp_path / "runs"
    shutil.copytree(runs / RUN, root / "first")
    catalog = Catalog.scan(root)
    inference = Inference(catalog)
    with BackgroundServer(inference) as url:
        shutil.copytree(runs / RUN, root / "later" / "second")  # trained while serving
        _, listed = request(url + "api/runs")
        assert [run["id"] for run in listed["runs"]] == ["first", "later/second"]
        first = catalog.get("first")
        model = inference.model(first)[0]
        assert inference.model(first)[0] is model
        weights = first.weights.stat()
        os.utime(first.weights, ns=(weights.st_atime_ns, weights.st_mtime_ns + 10**9))
        assert inference.model(first)[0] is not model
        assert len(inference._models) == 1  # the old version is gone


# -- bad input ----------------------------------------------------------------------------------
def huge_png() -> bytes:
    return png_bytes(Image.new("L", (5000, 5000), 255))  # 25 M pixels, a few kilobytes


BAD_POSTS = {
    "not an image": (b"hello, server", "image/png", 415, "not an image"),
    "a truncated PNG": (png_bytes(draw_digit(1))[:200], "image/png", 415, "not a readable image"),
    "an empty body": (b"", "image/png", 400, "empty body"),
    "a huge image": (huge_png(), "image/png", 413, "5000x5000 pixels is too large"),
    "a blank image": (png_bytes(Image.new("L", (50, 50), 255)), "image/png", 422, "blank"),
    "invalid JSON": (b"{pixels: 1", "application/json", 400, "not valid JSON"),
    "JSON without pixels": (b'{"image": []}', "application/json", 400, '{"pixels"'),
    "a wrong array shape": (json.dumps({"pixels": np.zeros((28, 27)).tolist()}).encode(),
                            "application/json", 400, "expected shape (28, 28), got (28, 27)"),
    "a ragged array": (b'{"pixels": [[0, 1], [0]]}', "application/json", 400, "ragged"),
    "values outside 0..1": (json.dumps({"pixels": np.full((28, 28), 255).tolist()}).encode(),
                            "application/json", 400, "in [0, 1]"),
}  # fmt: skip


@pytest.mark.parametrize("case", BAD_POSTS)
def test_bad_body_gets_a_clear_4xx(url, case):
    body, content_type, expected_status, fragment = BAD_POSTS[case]
    status, answer = request(f"{url}api/predict?run={RUN}", body, content_type)
    assert status == expected_status and fragment in answer["error"], answer


BAD_GETS = {
    "an index out of range": ("api/test/200?run=synthetic-run", 404, "0..199"),
    "a negative index": ("api/test/-1?run=synthetic-run", 404, "out of range"),
    "an index that is no number": ("api/test/seven?run=synthetic-run", 400, "integer index"),
    "a path outside the runs folder": ("api/confusion?run=../../etc", 400, "outside the runs"),
    "an absolute path": ("api/confusion?run=/etc", 400, "outside the runs folder"),
    "a run that does not exist": ("api/confusion?run=nope", 404, "no such run"),
    "a run name with a NUL byte": ("api/confusion?run=a%00b", 400, "not a folder name"),
    "a run outside, by a longer way": ("api/confusion?run=copy/../../x", 400, "outside the"),
    "a cell out of range": ("api/cell?run=synthetic-run&true=10&predicted=1", 400, "0..9"),
    "a cell without predicted": ("api/cell?run=synthetic-run&true=1", 400, "'predicted'"),
    "an unknown route": ("api/nothing", 404, "Not Found"),
}  # fmt: skip


@pytest.mark.parametrize("case", BAD_GETS)
def test_bad_request_gets_a_clear_4xx(url, case):
    path, expected_status, fragment = BAD_GETS[case]
    status, answer = request(url + path)
    assert status == expected_status and fragment in answer["error"], answer


def test_a_body_over_the_limit_is_refused_before_it_is_read(url):
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    connection.putrequest("POST", f"/api/predict?run={RUN}")
    connection.putheader("Content-Type", "image/png")
    connection.putheader("Content-Length", str(MAX_BODY_BYTES + 1))
    connection.endheaders()
    connection.send(b"\x89PNG" + bytes(1000))  # the rest never comes
    response = connection.getresponse()
    assert response.status == 413 and "over the limit" in json.loads(response.read())["error"]
    connection.close()


def test_a_foreign_host_name_is_refused(url):
    status, answer = request(url + "api/runs", headers={"Host": "attacker.example"})
    assert status == 400


def test_the_server_survives_every_bad_request(url):
    for body, content_type, *_ in BAD_POSTS.values():
        request(f"{url}api/predict?run={RUN}", body, content_type)
    status, answer = post_png(url, png_bytes(draw_digit(3)))
    assert status == 200 and len(answer["probabilities"]) == 10


# -- concurrency --------------------------------------------------------------------------------
def test_200_concurrent_requests_are_all_answered_correctly(url, model):
    """32 client threads, 200 requests (PNG and JSON, two runs); each answer is the one the
    same request gets alone."""
    bodies = [(png_bytes(draw_digit(d, size=56 + 8 * d)), "image/png") for d in range(10)]
    bodies += [(json.dumps({"pixels": read_digit_from(draw_digit(d)).tolist()}).encode(),
                "application/json") for d in range(10)]  # fmt: skip
    jobs = [(i % len(bodies), (RUN, "copy")[i % 2]) for i in range(200)]

    def send(job):
        (body, kind), run = bodies[job[0]], job[1]
        return request(f"{url}api/predict?run={run}&features=0", body, kind)

    alone = {job: send(job)[1]["probabilities"] for job in set(jobs)}
    with ThreadPoolExecutor(max_workers=32) as pool:
        answers = list(pool.map(send, jobs, timeout=120))
    for job, (status, answer) in zip(jobs, answers):
        assert status == 200, answer
        assert answer["run"] == job[1]
        np.testing.assert_allclose(answer["probabilities"], alone[job], atol=1e-6)
