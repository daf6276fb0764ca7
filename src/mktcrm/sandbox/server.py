"""Serve sandboxes over real HTTP on loopback, bridging to the same ``handler`` the tests mount in-process.

Routing is by the first path segment: ``http://127.0.0.1:<port>/<name>/api/orders`` goes to the sandbox
called ``<name>``, so that URL prefix is what an account uses as its base URL. Only loopback addresses
are accepted: the sandbox has no real security and must never listen on a network interface.
"""

from __future__ import annotations

import ipaddress
import socket
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    from .base import SandboxBase


class SandboxServer(ThreadingHTTPServer):
    """ThreadingHTTPServer that knows its sandboxes by name."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], sandboxes: dict[str, SandboxBase]) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.sandboxes = sandboxes
        super().__init__(address, _Bridge)

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that hangs up (killed, Ctrl-C) is ordinary here: no traceback on stderr."""
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]

    def url_for(self, name: str) -> str:
        """Base URL of one sandbox on this server (what an account's ``base_url`` should be)."""
        host, port = self.server_address[:2]
        host = str(host)
        return f"http://{f'[{host}]' if ':' in host else host}:{port}/{name}"


class _Bridge(BaseHTTPRequestHandler):
    """Turn the HTTP request into an ``httpx.Request`` and write back the sandbox's ``httpx.Response``."""

    server: SandboxServer
    protocol_version = "HTTP/1.1"
    # Headers and body leave in separate writes; with Nagle's algorithm the body waits for the client's delayed
    # ACK (~40 ms per answer on Linux loopback). TCP_NODELAY sends each write at once.
    disable_nagle_algorithm = True

    def _dispatch(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        name = self.path.split("?", 1)[0].lstrip("/").split("/", 1)[0]
        sandbox = self.server.sandboxes.get(name)
        if sandbox is None:
            response = httpx.Response(404, json={"status": 404, "message": "Not Found"})
        else:
            request = httpx.Request(
                self.command,
                f"http://sandbox.invalid{self.path}",
                headers=list(self.headers.items()),
                content=body,
            )
            response = sandbox.handler(request)
        content = response.content
        self.send_response(response.status_code)
        for key, value in response.headers.items():
            if key.lower() not in ("content-length", "transfer-encoding", "connection"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(content)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _dispatch

    def log_message(self, format: str, *args: object) -> None:
        """Silence the per-request stderr log; sandboxes keep their own request list."""


def serve(sandboxes: list[SandboxBase], host: str = "127.0.0.1", port: int = 0) -> SandboxServer:
    """Bind (not start) a server for ``sandboxes``; the caller runs ``serve_forever`` and ``shutdown``."""
    if host != "localhost":
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            raise ValueError(f"sandbox server only binds loopback addresses (127.0.0.1, ::1), not {host!r}")
    by_name: dict[str, SandboxBase] = {}
    for sandbox in sandboxes:
        if sandbox.name in by_name:
            raise ValueError(f"two sandboxes named {sandbox.name!r}")
        by_name[sandbox.name] = sandbox
    return SandboxServer((host, port), by_name)
