"""Serving the exchange with uvicorn: in the foreground (``serve``, for the CLI) or on a thread
with a free loopback port (``ExchangeServer``, for tests, benchmarks and notebooks).

``listen`` binds the socket before anything is served, so a taken port is one clear error
instead of uvicorn's log and exit. ``serve`` stops cleanly on SIGINT and SIGTERM alike: the
requests under way finish, the books are saved, and the process exits normally (uvicorn would
re-raise the signal after its shutdown, killing the process by SIGTERM or raising
KeyboardInterrupt through the caller).
"""

from __future__ import annotations

import contextlib
import errno
import ipaddress
import signal
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

from workbench.core.errors import ConfigError, WorkbenchError
from workbench.exchange.app import create_app
from workbench.exchange.service import Exchange

__all__ = ["ExchangeServer", "is_loopback", "listen", "serve"]

# uvicorn's sans-I/O websockets protocol: its "websockets" one is built on the deprecated
# websockets.legacy server
_WS = "websockets-sansio"
#: the largest websocket message a client may send (subscriptions, auth: a few hundred bytes)
WS_MAX_MESSAGE = 64 * 1024


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` and listening; ConfigError when that cannot be."""
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        listener = socket.socket(family, socket.SOCK_STREAM)
    except OSError as error:
        raise ConfigError(f"cannot listen on {host}:{port}: {error.strerror}") from None
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        listener.listen(2048)
    except (OSError, OverflowError) as error:
        listener.close()
        if isinstance(error, OSError) and error.errno == errno.EADDRINUSE:
            raise ConfigError(
                f"port {port} on {host} is already in use (another exchange?): stop that "
                "process or choose another --port"
            ) from None
        reason = error.strerror if isinstance(error, OSError) else str(error)
        raise ConfigError(f"cannot listen on {host}:{port}: {reason}") from None
    return listener


class _Server:
    """uvicorn's server with SIGINT and SIGTERM both meaning "stop and return"."""

    def __init__(self, exchange: Exchange, log_level: str) -> None:
        import uvicorn

        config = uvicorn.Config(
            create_app(exchange), log_level=log_level, ws=_WS, ws_max_size=WS_MAX_MESSAGE
        )

        class Server(uvicorn.Server):
            @contextlib.contextmanager
            def capture_signals(self) -> Iterator[None]:
                if threading.current_thread() is not threading.main_thread():
                    yield
                    return
                handled = (signal.SIGINT, signal.SIGTERM)
                previous = {number: signal.signal(number, self.handle_exit) for number in handled}
                try:
                    yield
                finally:
                    for number, handler in previous.items():
                        signal.signal(number, handler)

        self.server = Server(config)


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
        bound = listener if listener is not None else listen(host, port)
        with bound:
            _Server(exchange, log_level).server.run(sockets=[bound])
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
