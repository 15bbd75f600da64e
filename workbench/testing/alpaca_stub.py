"""A recorded-response stand-in for Alpaca's market-data bars endpoint, for tests.

It answers ``GET /v2/stocks/bars`` from a frame of bars (recorded data: the bundled sample) in
Alpaca's wire format, with Alpaca's pagination (``limit`` counts across symbols, an opaque
``next_page_token``), key auth, and a scripted number of 429 answers. Every request is recorded
so tests can assert what the client asked for. It serves real HTTP on loopback, so alpaca-py is
exercised unchanged. The full local exchange replaces it for everything beyond bars.
"""

from __future__ import annotations

import base64
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import pandas as pd

__all__ = ["AlpacaDataStub", "RecordedRequest"]


@dataclass(frozen=True)
class RecordedRequest:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    status: int


@dataclass
class AlpacaDataStub:
    bars: pd.DataFrame
    api_key: str = "test-key"
    secret_key: str = "test-secret"  # noqa: S105 - a stub credential
    page_size: int | None = None  # cap on a page below the client's limit, to force paging
    rate_limited_responses: int = 0  # how many of the next requests get a 429
    requests: list[RecordedRequest] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the stub first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> AlpacaDataStub:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, body = stub._answer(self.path, dict(self.headers.items()))
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> AlpacaDataStub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _answer(self, raw_path: str, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
        parsed = urlparse(raw_path)
        query = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
        status, body = self._route(parsed.path, query, headers)
        with self._lock:
            self.requests.append(RecordedRequest(parsed.path, query, headers, status))
        return status, body

    def _route(
        self, path: str, query: dict[str, str], headers: dict[str, str]
    ) -> tuple[int, dict[str, Any]]:
        if (
            headers.get("APCA-API-KEY-ID") != self.api_key
            or headers.get("APCA-API-SECRET-KEY") != self.secret_key
        ):
            return 401, {"code": 40110000, "message": "request is not authorized"}
        with self._lock:
            if self.rate_limited_responses > 0:
                self.rate_limited_responses -= 1
                return 429, {"code": 42910000, "message": "rate limit exceeded"}
        if path != "/v2/stocks/bars":
            return 404, {"code": 40410000, "message": f"endpoint not found: {path}"}
        return 200, self._bars_page(query)

    def _bars_page(self, query: dict[str, str]) -> dict[str, Any]:
        symbols = [s for s in query.get("symbols", "").split(",") if s]
        start = pd.Timestamp(query["start"]) if "start" in query else None
        end = pd.Timestamp(query["end"]) if "end" in query else None
        rows = self.bars[self.bars["symbol"].isin(symbols)]
        if start is not None:
            rows = rows[rows["timestamp"] >= start]
        if end is not None:
            rows = rows[rows["timestamp"] <= end]
        rows = rows.sort_values(["symbol", "timestamp"]).reset_index(drop=True)
        offset = int(base64.b64decode(query["page_token"]).decode()) if "page_token" in query else 0
        limit = int(query.get("limit", 10000))
        if self.page_size is not None:
            limit = min(limit, self.page_size)
        page = rows.iloc[offset : offset + limit]
        following = offset + len(page)
        token = (
            base64.b64encode(str(following).encode()).decode() if following < len(rows) else None
        )
        bars: dict[str, list[dict[str, Any]]] = {}
        for symbol, stamp, o, h, low, c, v in zip(
            page["symbol"].tolist(),
            page["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%SZ").tolist(),
            page["open"].tolist(),
            page["high"].tolist(),
            page["low"].tolist(),
            page["close"].tolist(),
            page["volume"].tolist(),
            strict=True,
        ):
            bars.setdefault(str(symbol), []).append(
                {"t": stamp, "o": o, "h": h, "l": low, "c": c, "v": v, "n": None, "vw": None}
            )
        return {"bars": bars, "next_page_token": token}
