"""Serving an ASGI app with uvicorn in the foreground, for every server the workbench runs
(the local exchange, the API).

``listen`` binds the socket before anything is served, so a taken port is one clear error
instead of uvicorn's log and exit. ``run_server`` stops cleanly on SIGINT and SIGTERM alike:
the requests under way finish and it returns normally (uvicorn would re-raise the signal after
its shutdown, killing the process by SIGTERM or raising KeyboardInterrupt through the caller).
uvicorn is imported only when a server runs.
"""

from __future__ import annotations

import contextlib
import errno
import ipaddress
import signal
import socket
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

from workbench.core.errors import ConfigError

if TYPE_CHECKING:
    import uvicorn

__all__ = ["is_loopback", "listen", "run_server"]


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def listen(host: str, port: int, *, what: str = "server") -> socket.socket:
    """A socket bound to ``host:port`` and listening; ConfigError when that cannot be
    (``what`` names the kind of process that may hold the port already)."""
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
                f"port {port} on {host} is already in use (another {what}?): stop that "
                "process or choose another --port"
            ) from None
        reason = error.strerror if isinstance(error, OSError) else str(error)
        raise ConfigError(f"cannot listen on {host}:{port}: {reason}") from None
    return listener


def run_server(config: uvicorn.Config, listener: socket.socket) -> None:
    """Serve ``config``'s app on ``listener`` until SIGINT or SIGTERM, then return."""
    import uvicorn

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

    Server(config).run(sockets=[listener])
