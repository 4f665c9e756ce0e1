"""A portal on a loopback port: serves IATI files and honours ETag / If-None-Match."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class Portal:
    """What the test portal serves and the requests it got."""

    files: dict[str, bytes] = field(default_factory=dict)
    status: int = 200
    etags: bool = True
    requests: list[dict[str, str]] = field(default_factory=list)
    base_url: str = ""

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"


def _handler(portal: Portal) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            portal.requests.append({"path": self.path, **dict(self.headers)})
            body = portal.files.get(self.path)
            if portal.status != 200 or body is None:
                self.send_response(portal.status if portal.status != 200 else 404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            etag = f'"{hashlib.sha256(body).hexdigest()[:16]}"'
            if portal.etags and self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(body)))
            if portal.etags:
                self.send_header("ETag", etag)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    return Handler


@pytest.fixture
def portal():
    portal = Portal()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(portal))
    portal.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield portal
    server.shutdown()
    server.server_close()
