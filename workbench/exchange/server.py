"""Serving the exchange with uvicorn: in the foreground (``serve``, for the CLI) or on a thread
with a free loopback port (``ExchangeServer``, for tests, benchmarks and notebooks)."""

from __future__ import annotations

import threading
import time
from typing import Any

from workbench.core.errors import WorkbenchError
from workbench.exchange.app import create_app
from workbench.exchange.service import Exchange

__all__ = ["ExchangeServer", "serve"]

# uvicorn's sans-I/O websockets protocol: its "websockets" one is built on the deprecated
# websockets.legacy server
_WS = "websockets-sansio"


def serve(exchange: Exchange, *, host: str = "127.0.0.1", port: int = 8765) -> None:
    """Run until interrupted; saves the exchange's state on the way out."""
    import uvicorn

    try:
        uvicorn.run(create_app(exchange), host=host, port=port, log_level="info", ws=_WS)
    finally:
        exchange.close()


class ExchangeServer:
    """``with ExchangeServer(exchange) as server: TradingClient(..., url_override=server.url)``"""

    def __init__(self, exchange: Exchange, *, host: str = "127.0.0.1", port: int = 0) -> None:
        import uvicorn

        self.exchange = exchange
        self.host = host
        config = uvicorn.Config(
            create_app(exchange), host=host, port=port, log_level="warning", lifespan="on", ws=_WS
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="exchange", daemon=True)
        self.port = port

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 10.0) -> ExchangeServer:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise WorkbenchError("the exchange server did not start")
            time.sleep(0.01)
        sockets: Any = self._server.servers[0].sockets
        self.port = int(sockets[0].getsockname()[1])
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    def __enter__(self) -> ExchangeServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
