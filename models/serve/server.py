"""Serving the app with uvicorn on a socket bound here, so that a port in use or a bad address is
a one-line error before anything starts, and port 0 (any free port) prints the port it got."""

import errno
import ipaddress
import socket
import threading

import uvicorn

from .app import LOOPBACK_NAMES, create_app
from .inference import Inference


class BindError(OSError):
    """The address cannot be served on; the message names it and says why."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host``:``port`` (0: a free port)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as error:
        raise BindError(f"--host {host}: not an address of this machine ({error})") from None
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # not a port in use
        sock.bind(address)
        sock.listen(128)
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            raise BindError(
                f"--port {port}: {host}:{port} is in use (another server?); choose another "
                "--port, or --port 0 for any free one"
            ) from None
        raise BindError(f"cannot listen on {host}:{port} ({error.strerror})") from None
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def make_server(inference: Inference, sock: socket.socket) -> uvicorn.Server:
    """A uvicorn server of the app, answering loopback Host names only when bound to loopback."""
    host = sock.getsockname()[0]
    trusted = LOOPBACK_NAMES if is_loopback(host) else None
    config = uvicorn.Config(
        create_app(inference, trusted_hosts=trusted), log_level="warning", access_log=False,
        lifespan="off", timeout_graceful_shutdown=2,
    )  # fmt: skip
    return uvicorn.Server(config)


class BackgroundServer:
    """The app served from a thread, for tests and notebooks::

    with BackgroundServer(inference) as url:   # http://127.0.0.1:<free port>/
        ...
    """

    def __init__(self, inference: Inference, host: str = "127.0.0.1", port: int = 0) -> None:
        self.sock = bind(host, port)
        self.url = url_of(self.sock)
        self.server = make_server(inference, self.sock)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def __enter__(self) -> str:
        self.thread.start()
        return self.url

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()
