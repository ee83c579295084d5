"""Serve a WSGI app on a loopback port in a daemon thread (for e2e tests and benchmarks)."""

from __future__ import annotations

import threading
from types import TracebackType
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from .app import create_platform_app
from .state import DevPlatform


#: How often the serving loop checks for ``stop()``; short so test teardown is quick.
POLL_INTERVAL = 0.02


class _QuietHandler(WSGIRequestHandler):
    """Request handler that does not log every request line."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Skip the per-request access log."""


class Running:
    """A server running in a background thread."""

    def __init__(self, server: BaseWSGIServer, thread: threading.Thread) -> None:
        """Keep the server and its thread."""
        self.server = server
        self.thread = thread
        self.host: str = server.host
        self.port: int = server.port
        self.url: str = f"http://{self.host}:{self.port}"

    def stop(self) -> None:
        """Stop serving, close the socket and wait for the thread."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def __enter__(self) -> Running:
        """Return self for ``with serve(app) as running:``."""
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Stop the server."""
        self.stop()


def serve(app: Any, host: str = "127.0.0.1", port: int = 0, *, quiet: bool = True) -> Running:
    """Serve ``app`` threaded on ``host:port`` (0 picks a free port) and return at once."""
    server = make_server(host, port, app, threaded=True, request_handler=_QuietHandler if quiet else None)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": POLL_INTERVAL}, name=f"serve-{server.port}", daemon=True
    )
    thread.start()
    return Running(server, thread)


def start_platform(*, host: str = "127.0.0.1", port: int = 0, **kwargs: Any) -> tuple[DevPlatform, Running]:
    """Create a :class:`DevPlatform` with ``kwargs``, serve it, and set its base URL to the bound address."""
    platform = DevPlatform(**kwargs)
    running = serve(create_platform_app(platform), host, port)
    platform.base_url = running.url
    return platform, running
