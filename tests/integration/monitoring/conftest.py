"""Real counterparts for the channels: an SMTP server (aiosmtpd, optionally STARTTLS with a
self-signed certificate and AUTH) and an HTTP server that records every request, both on
loopback ports, plus a ledger on ``tmp_path``."""

from __future__ import annotations

import datetime as dt
import http.server
import ipaddress
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest

from workbench.ledger import Ledger
from workbench.monitoring import MonitorStore
from workbench.testing import wait_until


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class HttpRecorder:
    """Answers ``status`` (per path, default 200); ``hold`` makes it wait before answering."""

    url: str
    requests: list[Recorded] = field(default_factory=list)
    status: dict[str, int] = field(default_factory=dict)
    hold: threading.Event | None = None

    def to(self, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.path == path]


@pytest.fixture
def http_recorder() -> Iterator[HttpRecorder]:
    recorder = HttpRecorder(url="")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            recorder.requests.append(Recorded(self.path, dict(self.headers.items()), body))
            if recorder.hold is not None:
                recorder.hold.wait(30)
            code = recorder.status.get(self.path, 200)
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"ok": true}')

        def log_message(self, format: str, *args: Any) -> None:
            return None

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    recorder.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield recorder
    if recorder.hold is not None:
        recorder.hold.set()
    server.shutdown()
    server.server_close()


@dataclass
class SmtpServer:
    host: str
    port: int
    messages: list[Message]
    logins: list[str]
    cert: Path | None = None
    tls: str | None = None


def _self_signed(folder: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def _start_smtp(folder: Path, *, tls: str | None) -> Iterator[SmtpServer]:
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    messages: list[Message] = []
    logins: list[str] = []

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            messages.append(message_from_bytes(envelope.content))
            return "250 OK"

    def authenticator(
        server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and auth_data.password == b"s3cret"
        if ok:
            logins.append(auth_data.login.decode())
        return AuthResult(success=ok)

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    options: dict[str, Any] = {"authenticator": authenticator, "auth_require_tls": bool(tls)}
    cert = None
    if tls:
        cert, key = _self_signed(folder)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        if tls == "starttls":
            options.update(tls_context=context, require_starttls=True)
        else:  # implicit TLS from the first byte (SMTPS); aiosmtpd only knows that STARTTLS
            # happened, so it is told AUTH needs no more TLS than the connection has
            options.update(ssl_context=context, auth_require_tls=False)
    controller = Controller(Handler(), hostname="127.0.0.1", port=port, **options)
    controller.start()
    yield SmtpServer("127.0.0.1", port, messages, logins, cert, tls)
    controller.stop()


@pytest.fixture
def smtp_server(tmp_path: Path) -> Iterator[SmtpServer]:
    """A plain SMTP server that accepts AUTH (login ``alerts`` / ``s3cret``) in the clear."""
    yield from _start_smtp(tmp_path, tls=None)


@pytest.fixture(params=["starttls", "ssl"])
def smtp_tls_server(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[SmtpServer]:
    """An SMTP server over TLS (a self-signed certificate): STARTTLS required before AUTH, or
    implicit TLS; ``tls`` says which."""
    yield from _start_smtp(tmp_path, tls=request.param)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[MonitorStore]:
    ledger = Ledger.from_url(f"sqlite:///{tmp_path / 'ledger.db'}")
    ledger.upgrade()
    yield MonitorStore(ledger)
    ledger.dispose()


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 15) -> None:
    wait_until(condition, what=what, timeout=timeout)


def closed_port_url() -> str:
    """A loopback URL nothing listens on: a channel that is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"
