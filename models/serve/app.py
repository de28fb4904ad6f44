"""The web app: the page, its static files and the JSON API (Starlette, an ASGI app).

    GET  /                          the page
    GET  /api/runs                  the runs offered, and the default one
    POST /api/predict?run=ID        PNG/JPEG bytes, or JSON {"pixels": 28x28 in [0, 1]} ->
                                    {"prediction", "probabilities", "input", "feature_maps"}
                                    (?features=0 leaves the feature maps out)
    GET  /api/confusion?run=ID      the confusion matrix of the run on its test set
    GET  /api/cell?run=ID&true=T&predicted=P&limit=N   those test images, most confident first
    GET  /api/test/INDEX?run=ID     one test image (label, pixels, probabilities); INDEX.png: PNG

``run`` may be left out: the default run (the newest) answers. Every error is a JSON
``{"error": message}`` with a 4xx status for a bad request, 5xx for a run that cannot be used.
"""

import base64
import io
from pathlib import Path

import numpy as np
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from .inference import Inference
from .inputs import MAX_BODY_BYTES, ApiError, digit_from_body

STATIC = Path(__file__).with_name("static")
LOOPBACK_NAMES = ["127.0.0.1", "localhost"]
MAX_CELL_IMAGES = 1000


def create_app(inference: Inference, trusted_hosts: list[str] | None = None) -> Starlette:
    """The app over ``inference``'s runs. ``trusted_hosts``: the Host headers answered (the
    loopback names when serving on 127.0.0.1, so that a web page elsewhere that rebinds its
    DNS name to 127.0.0.1 cannot read the API); None answers any."""
    catalog = inference.catalog

    async def runs(request: Request) -> JSONResponse:
        await run_in_threadpool(catalog.refresh)
        listed = [run.to_json() for run in catalog.runs.values()]
        return JSONResponse({"root": str(catalog.root), "default": catalog.default().id,
                             "runs": listed})  # fmt: skip

    async def predict(request: Request) -> JSONResponse:
        run = catalog.get(request.query_params.get("run"))
        features = request.query_params.get("features", "1").lower() not in ("0", "false", "no")
        body = await _read_body(request)
        content_type = request.headers.get("content-type", "")

        def answer() -> dict:
            return inference.predict(run, digit_from_body(body, content_type), features)

        return JSONResponse(await run_in_threadpool(answer))

    async def confusion(request: Request) -> JSONResponse:
        run = catalog.get(request.query_params.get("run"))
        tests = await run_in_threadpool(inference.test_set, run)
        cm = tests.confusion()
        return JSONResponse({"run": run.id, "dataset": run.dataset, "images": len(tests.labels),
                             "accuracy": float(np.trace(cm)) / max(len(tests.labels), 1),
                             "confusion": cm.tolist()})  # fmt: skip

    async def cell(request: Request) -> JSONResponse:
        run = catalog.get(request.query_params.get("run"))
        tests = await run_in_threadpool(inference.test_set, run)
        classes = tests.probabilities.shape[1]
        true = _int_param(request, "true", 0, classes - 1)
        predicted = _int_param(request, "predicted", 0, classes - 1)
        limit = _int_param(request, "limit", 1, MAX_CELL_IMAGES, default=100)
        index = np.flatnonzero((tests.labels == true) & (tests.predictions == predicted))
        index = index[np.argsort(-tests.probabilities[index, predicted], kind="stable")]
        images = [_test_image(tests, int(i), pixels="base64") for i in index[:limit]]
        return JSONResponse({"run": run.id, "true": true, "predicted": predicted,
                             "count": len(index), "images": images})  # fmt: skip

    async def test_image(request: Request) -> Response:
        run = catalog.get(request.query_params.get("run"))
        name = request.path_params["index"]
        png = name.endswith(".png")
        tests = await run_in_threadpool(inference.test_set, run)
        index = _index(name.removesuffix(".png"), len(tests.labels), run.id)
        if png:
            return Response(_png(tests.images[index]), media_type="image/png")
        return JSONResponse({"run": run.id, **_test_image(tests, index, pixels="list")})

    async def page(request: Request) -> FileResponse:
        return FileResponse(STATIC / "index.html")

    routes = [
        Route("/", page),
        Route("/api/runs", runs),
        Route("/api/predict", predict, methods=["POST"]),
        Route("/api/confusion", confusion),
        Route("/api/cell", cell),
        Route("/api/test/{index}", test_image),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    middleware = []
    if trusted_hosts is not None:
        middleware.append(Middleware(TrustedHostMiddleware, allowed_hosts=trusted_hosts))
    handlers = {ApiError: _api_error, HTTPException: _http_error, Exception: _server_error}
    return Starlette(routes=routes, middleware=middleware, exception_handlers=handlers)


async def _read_body(request: Request) -> bytes:
    """The body, refused (413) as soon as it is known to exceed MAX_BODY_BYTES."""
    declared = request.headers.get("content-length", "")
    too_big = f"body over the limit of {MAX_BODY_BYTES:,} bytes"
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise ApiError(f"{too_big} ({int(declared):,} bytes declared)", 413)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise ApiError(too_big, 413)
        chunks.append(chunk)
    return b"".join(chunks)


def _int_param(request: Request, name: str, low: int, high: int, default=None) -> int:
    text = request.query_params.get(name)
    if text is None and default is not None:
        return default
    if text is None:
        raise ApiError(f"missing query parameter {name!r} (an integer in {low}..{high})")
    try:
        value = int(text)
    except ValueError:
        raise ApiError(f"{name}={text!r}: expected an integer in {low}..{high}") from None
    if not low <= value <= high:
        raise ApiError(f"{name}={value}: out of range {low}..{high}")
    return value


def _index(text: str, count: int, run_id: str) -> int:
    try:
        index = int(text)
    except ValueError:
        raise ApiError(f"test image {text!r}: expected an integer index") from None
    if not 0 <= index < count:
        raise ApiError(
            f"test image {index}: out of range (run {run_id!r} has {count:,} test images, "
            f"0..{count - 1})", 404,
        )  # fmt: skip
    return index


def _test_image(tests, index: int, pixels: str) -> dict:
    image = tests.images[index]
    return {
        "index": index,
        "label": int(tests.labels[index]),
        "prediction": int(tests.predictions[index]),
        "probabilities": [round(float(p), 5) for p in tests.probabilities[index]],
        "pixels": base64.b64encode(image.tobytes()).decode("ascii")
        if pixels == "base64"
        else np.round(image / 255.0, 4).tolist(),
    }


def _png(image: np.ndarray) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    return buffer.getvalue()


async def _api_error(request: Request, error: ApiError) -> JSONResponse:
    return JSONResponse({"error": str(error)}, status_code=error.status)


async def _http_error(request: Request, error: HTTPException) -> JSONResponse:
    message = f"{request.method} {request.url.path}: {error.detail}"
    return JSONResponse({"error": message}, status_code=error.status_code)


async def _server_error(request: Request, error: Exception) -> JSONResponse:
    message = f"internal error in {request.url.path}: {type(error).__name__}: {error}"
    return JSONResponse({"error": message}, status_code=500)
