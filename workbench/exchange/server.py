"""Serving the exchange with uvicorn: in the foreground (``serve``, for the CLI) or on a thread
with a free loopback port (``ExchangeServer``, for tests, benchmarks and notebooks).

``serve`` binds first (a taken port is one clear error) and stops cleanly on SIGINT and SIGTERM
alike, through ``workbench.core.serving``, which the API's server shares; the books are saved on
the way out.
"""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

from workbench.core.errors import WorkbenchError
from workbench.core.serving import is_loopback, listen, run_server
from workbench.exchange.app import create_app
from workbench.exchange.service import Exchange

__all__ = ["ExchangeServer", "is_loopback", "listen", "serve"]

# uvicorn's sans-I/O websockets protocol: its "websockets" one is built on the deprecated
# websockets.legacy server
_WS = "websockets-sansio"
#: the largest websocket message a client may send (subscriptions, auth: a few hundred bytes)
WS_MAX_MESSAGE = 64 * 1024


def serve(
    exchange: Exchange,
    *,
    host: str = "127.0.0.1",
    port: int = 8765,
    listener: socket.socket | None = None,
    log_level: str = "info",
) -> None:
    """Run until SIGINT or SIGTERM (on ``listener`` when given, else on ``host:port``); saves
    the exchange's state on the way out."""
    try:
        import uvicorn

        bound = listener if listener is not None else listen(host, port, what="exchange")
        config = uvicorn.Config(
            create_app(exchange), log_level=log_level, ws=_WS, ws_max_size=WS_MAX_MESSAGE
        )
        with bound:
            run_server(config, bound)
    finally:
        exchange.close()


class ExchangeServer:
    """``with ExchangeServer(exchange) as server: TradingClient(..., url_override=server.url)``"""

    def __init__(self, exchange: Exchange, *, host: str = "127.0.0.1", port: int = 0) -> None:
        import uvicorn

        self.exchange = exchange
        self.host = host
        config = uvicorn.Config(
            create_app(exchange),
            host=host,
            port=port,
            log_level="warning",
            lifespan="on",
            ws=_WS,
            ws_max_size=WS_MAX_MESSAGE,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="exchange", daemon=True)
        self.port = port

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def admin_key(self) -> str:
        return self.exchange.admin_key

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
