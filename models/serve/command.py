"""``tensorgrad serve``: its options and what it does."""

import argparse
from pathlib import Path

from ..argtypes import positive_int


def port_number(text: str) -> int:
    value = int(text) if text.isdigit() else -1
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port number in 0..65535, got {text!r}")
    return value


def add_parser(commands) -> None:
    p = commands.add_parser(
        "serve", help="a local web app: draw a digit, see what the network sees, explore its "
        "test-set mistakes",
        description="Serve a web page on this machine (127.0.0.1 unless --host says otherwise) "
        "where you draw a digit and watch the model's probabilities, its prepared 28x28 input "
        "and the feature maps of every convolution, and browse the test images behind each "
        "cell of the run's confusion matrix. The page and its JSON API are served locally; "
        "nothing is fetched from elsewhere.",
    )  # fmt: skip
    weights = p.add_mutually_exclusive_group(required=True)
    weights.add_argument(
        "--checkpoint",
        metavar="PATH",
        help="serve one run: its folder, or its checkpoint.safetensors or model.safetensors",
    )
    weights.add_argument(
        "--runs",
        metavar="DIR",
        help="serve every run under DIR (e.g. runs/); the page lists them with model, variant "
        "and test accuracy",
    )
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: 127.0.0.1, this machine only; another address, "
        "e.g. 0.0.0.0, lets other machines reach the server)",
    )
    p.add_argument(
        "--port", type=port_number, default=8000, help="TCP port (default: 8000; 0: any free one)"
    )
    p.add_argument(
        "--data-dir",
        metavar="DIR",
        default=None,
        help="where MNIST is cached, for the test-set explorer (default: tensorgrad.data's)",
    )
    p.add_argument(
        "--threads",
        type=positive_int,
        default=None,
        help="threads for the Numba kernels (default: all cores; BLAS keeps 1 thread)",
    )


def serve(args: argparse.Namespace, echo=print) -> int:
    from ..commands import _checkpoint_path
    from ..errors import PROG, CommandError
    from ..runs import CHECKPOINT
    from .catalog import Catalog
    from .inference import Inference
    from .inputs import ApiError
    from .server import BindError, bind, is_loopback, make_server, url_of

    if args.checkpoint is not None:
        catalog = Catalog.single(_checkpoint_path(args.checkpoint, CHECKPOINT))
    else:
        root = Path(args.runs)
        if not root.is_dir():
            raise CommandError(f"--runs {root}: no such folder")
        catalog = Catalog.scan(root)
        if not catalog.runs:
            raise CommandError(
                f"--runs {root}: no runs found (no folder under it holds a model.safetensors "
                f"or checkpoint.safetensors); train one with '{PROG} train'"
            )
    inference = Inference(catalog, data_dir=args.data_dir)
    default = catalog.default()
    try:
        inference.model(default)  # a broken checkpoint fails here, not on the first request
    except ApiError as error:
        raise CommandError(str(error)) from None
    try:
        sock = bind(args.host, args.port)
    except BindError as error:
        raise CommandError(str(error)) from None
    url = url_of(sock)
    runs = f"{len(catalog.runs)} runs from {catalog.root}" if len(catalog.runs) > 1 else default.id
    echo(f"serving {runs} at {url}  (Ctrl-C stops)", flush=True)
    if not is_loopback(args.host):
        echo(f"note: --host {args.host} lets other machines reach this server", flush=True)
    try:
        make_server(inference, sock).run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn re-raises the Ctrl-C it shut down on: the normal stop
        pass
    finally:
        sock.close()
    echo("server stopped", flush=True)
    return 0
