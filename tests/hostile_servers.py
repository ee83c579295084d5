"""Small misbehaving HTTP servers on loopback for the outbound-client tests: redirects, huge and slow answers.

Every server binds a 127.x.y.z address of this machine; 127.0.0.2 plays "an internal address" the tool
must never reach (it is loopback, so nothing leaves the machine even if a check failed).
"""

from __future__ import annotations

import gzip
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

Route = Callable[[BaseHTTPRequestHandler], None]

#: What the "internal" server (the ``internal`` fixture) answers on /secret: nothing the tool shows may hold it.
INTERNAL_SECRET = "INTERNAL-ONLY"


class HostileServer:
    """A threaded HTTP server whose answers are plain functions of the request handler."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: list[tuple[str, str]] = []
        self._stop = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _dispatch(self) -> None:
                path = self.path.split("?", 1)[0]
                server.hits.append((self.command, path))
                length = int(self.headers.get("Content-Length") or 0)
                self.body = self.rfile.read(length) if length else b""
                route = server.routes.get(path)
                if route is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                try:
                    route(self)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST = _dispatch

        self.httpd = ThreadingHTTPServer((host, port), Handler)
        self.httpd.daemon_threads = True
        self.httpd.handle_error = lambda request, client_address: None  # clients hanging up is the point
        self.host = host
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str = "/") -> str:
        return f"http://{self.host}:{self.port}{path}"

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def close(self) -> None:
        self._stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    # -- answers ---------------------------------------------------------------------------------
    def json(self, path: str, data: Any, status: int = 200) -> None:
        body = json.dumps(data).encode()

        def route(h: BaseHTTPRequestHandler) -> None:
            h.send_response(status)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            h.wfile.write(body)
        self.routes[path] = route

    def redirect(self, path: str, location: str, status: int = 302) -> None:
        def route(h: BaseHTTPRequestHandler) -> None:
            h.send_response(status)
            h.send_header("Location", location)
            h.send_header("Content-Length", "0")
            h.end_headers()
        self.routes[path] = route

    def huge(self, path: str, megabytes: int = 50, *, declare_length: bool = False, gzipped: bool = False) -> None:
        """A body of ``megabytes`` MB (of JSON-ish text), streamed; optionally as a gzip bomb."""
        chunk = b"[" + b"1," * 32767 + b"1]"[:1]
        total = megabytes * 1024 * 1024

        def route(h: BaseHTTPRequestHandler) -> None:
            h.send_response(200)
            h.send_header("Content-Type", "application/json")
            if gzipped:
                body = gzip.compress(b"0" * total, compresslevel=9)
                h.send_header("Content-Encoding", "gzip")
                h.send_header("Content-Length", str(len(body)))
                h.end_headers()
                h.wfile.write(body)
                return
            if declare_length:
                h.send_header("Content-Length", str(total))
            else:
                h.send_header("Connection", "close")
            h.end_headers()
            sent = 0
            while sent < total and not self.stopping:
                h.wfile.write(chunk)
                sent += len(chunk)
            h.close_connection = True
        self.routes[path] = route

    def drip(self, path: str, *, every: float = 0.25, in_headers: bool = False) -> None:
        """Answer one byte at a time, forever (until the client goes away or the server stops)."""
        def route(h: BaseHTTPRequestHandler) -> None:
            h.wfile.write(b"HTTP/1.1 200 OK\r\n")
            h.wfile.write(b"X-Slow: " if in_headers else
                          b"Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
            h.wfile.flush()
            while not self.stopping:
                h.wfile.write(b"a" if in_headers else b" ")
                h.wfile.flush()
                time.sleep(every)
        self.routes[path] = route
