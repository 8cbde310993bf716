"""A real local HTTP server (127.0.0.1, random port) serving snapshot payloads and faults."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.helpers import serving

REPO = Path(__file__).resolve().parents[2]
SNAPSHOT = REPO / "flows" / "snapshot"

# TEST VALUES, not real figures: 7 month-end records used only to exercise paging.
PAGED_RECORDS = [{"end_of_month": f"2030-{m:02d}", "usd": 7.8, "jpy": 0.05} for m in range(1, 8)]


@dataclass
class Server:
    """Handle on the running server: its base URL and per-path hit counters."""

    base: str
    hits: dict[str, int] = field(default_factory=dict)
    queries: list[dict[str, list[str]]] = field(default_factory=list)

    def url(self, path: str) -> str:
        """Absolute URL for a path on this server."""
        return f"{self.base}{path}"


def _make_handler(state: Server) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
            return

        def _send(
            self,
            status: int,
            body: bytes,
            ctype: str = "application/json",
            headers: dict[str, str] | None = None,
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = parse_qs(parts.query)
            path = parts.path
            n = state.hits.get(path, 0) + 1
            state.hits[path] = n
            ok = b'{"header":{"status":{"name":"Success","code":0}},"dataSet":[]}'
            if path == "/censtatd/api/get.php":
                table = query["id"][0]
                self._send(200, (SNAPSHOT / "censtatd" / f"{table}.json").read_bytes())
            elif path in ("/gia/general_en.xml", "/gia/general_zh.xml"):
                self._send(200, (SNAPSHOT / path.lstrip("/")).read_bytes(), "application/rss+xml")
            elif path == "/itf/annuallist_2023_e.csv":
                self._send(
                    200, (SNAPSHOT / "itf" / "annuallist_2023_e.csv").read_bytes(), "text/csv"
                )
            elif path == "/hkma/paged":
                state.queries.append(query)
                offset, size = int(query["offset"][0]), int(query["pagesize"][0])
                page = PAGED_RECORDS[offset : offset + size]
                body = {
                    "header": {"success": True, "err_code": "0000", "err_msg": "No error found"},
                    "result": {"datasize": len(PAGED_RECORDS), "records": page},
                }
                self._send(200, json.dumps(body).encode())
            elif path == "/hkma/error":
                body = {
                    "header": {
                        "success": False,
                        "err_code": "0010",
                        "err_msg": "Invalid parameter",
                    },
                    "result": {},
                }
                self._send(200, json.dumps(body).encode())
            elif path == "/fault/429-once":
                if n == 1:
                    self._send(429, b"slow down", "text/plain", {"Retry-After": "1"})
                else:
                    self._send(200, ok)
            elif path == "/fault/503-thrice":
                if n <= 3:
                    self._send(503, b"busy", "text/plain")
                else:
                    self._send(200, ok)
            elif path == "/fault/503-always":
                self._send(503, b"busy", "text/plain")
            elif path == "/fault/404":
                self._send(404, b"nope", "text/plain")
            elif path == "/fault/truncated":
                whole = (SNAPSHOT / "censtatd" / "310-30001.json").read_bytes()
                self._send(200, whole[: len(whole) // 2])
            elif path == "/fault/slow-body":
                slow = ok
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(slow)))
                self.end_headers()
                self.wfile.flush()
                time.sleep(1.0)  # headers arrive at once; the body does not
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(slow)
            else:
                self._send(404, b"unknown test path", "text/plain")

    return Handler


@pytest.fixture(scope="session")
def _server() -> Iterator[Server]:
    state = Server(base="")
    with serving(_make_handler(state)) as state.base:
        yield state


@pytest.fixture()
def server(_server: Server) -> Server:
    """The shared server with counters reset for this test."""
    _server.hits.clear()
    _server.queries.clear()
    return _server


@pytest.fixture()
def no_sleep() -> list[float]:
    """Collects requested waits instead of sleeping."""
    return []
