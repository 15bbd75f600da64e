"""Secrets never reach a log, a response or a file: a full run through the API, MCP and the
CLI, with a canary in every secret the workbench is given (the JWT secret, the broker's keys, the
database password inside ``WB_LEDGER_URL``, the e-mail, webhook and SMS credentials) and in
the API keys it makes, the server's log at DEBUG; then every log line, every response (headers
and body), every CLI output, every file under the home and every row of the ledger is searched
for each canary. An API key is allowed in exactly one place: the answer that created it."""

from __future__ import annotations

import asyncio
import json
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from tests.integration.mcp.conftest import http_client
from tests.system import live_api

pytestmark = [pytest.mark.system, pytest.mark.postgres, pytest.mark.requirement("SEC-05")]

TAG = uuid.uuid4().hex[:8]
CANARIES = {
    "WB_API__JWT_SECRET": f"canary-jwt-{TAG}-" + "j" * 40,
    "WB_ALPACA__API_KEY": f"CANARYKEY{TAG}",
    "WB_ALPACA__SECRET_KEY": f"canary-broker-secret-{TAG}",
    "WB_SMTP_PASSWORD": f"canary-smtp-{TAG}",
    "WB_WEBHOOK_SECRET": f"canary-hook-secret-{TAG}",
    "WB_TWILIO_AUTH_TOKEN": f"canary-twilio-{TAG}",
}
DB_PASSWORD = f"canary-db-{TAG}"
HOOK_PASSWORD = f"canary-hook-pw-{TAG}"
PASSWORD = f"canary-password-{TAG}"


@pytest.fixture(scope="module")
def api(
    shared_sample_lake: Path, tmp_path_factory: pytest.TempPathFactory, postgres_server_url: str
) -> Iterator[Any]:
    """The server on a PostgreSQL ledger reached with a password (the test server trusts any)."""
    name = f"wb_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(postgres_server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(postgres_server_url).set(
        database=name, username="postgres", password=DB_PASSWORD
    )
    settings = {
        **CANARIES,
        "WB_LEDGER_URL": url.render_as_string(hide_password=False),
        "WB_SMTP_HOST": "127.0.0.1",
        "WB_SMTP_USER": "workbench",
        "WB_WEBHOOK_URL": f"http://hook:{HOOK_PASSWORD}@127.0.0.1:9/hook",
        "WB_LOG_LEVEL": "DEBUG",
        "WB_MCP__TRADING_ENABLED": "true",
        "WB_API__RATE_LIMIT__ENABLED": "false",
    }
    server = live_api.start(
        shared_sample_lake, tmp_path_factory.mktemp("secrets"), settings, roles=False
    )
    try:
        yield server
    finally:
        live_api.stop(server)
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _cli(api: Any, *args: str) -> str:
    env = {**api.env, "WB_ROOT_PW": PASSWORD}
    done = subprocess.run(
        [live_api.WORKBENCH, *args], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout + done.stderr


def _api_flow(api: Any, seen: list[str]) -> str:
    """Everything a program does through the API; returns the API key it made."""

    def keep(answer: httpx.Response) -> httpx.Response:
        seen.append(
            f"{answer.request.method} {answer.request.url}\n{answer.headers}\n{answer.text}"
        )
        return answer

    with httpx.Client(base_url=f"{api.url}/api/v1", timeout=60) as client:
        keep(client.post("/auth/login", json={"username": "root", "password": "wrong"}))
        pair = client.post("/auth/login", json={"username": "root", "password": PASSWORD}).json()
        fresh = client.post("/auth/refresh", json={"refresh_token": pair["refresh_token"]})
        assert fresh.status_code == 200, fresh.text
        client.headers["Authorization"] = f"Bearer {fresh.json()['access_token']}"
        made = client.post("/keys", json={"username": "root", "name": "canary"})
        assert made.status_code == 201, made.text
        key = str(keep(made).json()["key"])
        client.headers["Authorization"] = f"Bearer {key}"
        order = {"symbol": "AAPL", "side": "buy", "qty": "1"}
        for answer in (
            client.get("/me"),
            client.get("/account"),
            client.post("/orders/preview", json=order),
            client.post("/orders", json=order),
            client.get("/orders"),
            client.get("/users"),
            client.get("/keys"),
            client.get("/audit/records", params={"limit": 500}),
            client.get("/audit/verify"),
            client.get("/orders/nope"),
            client.post("/orders", json={**order, "qty": "-1"}),
            client.get(f"{api.url}/readyz"),
            client.get(f"{api.url}/metrics"),
            client.post("/auth/logout", json={"refresh_token": fresh.json()["refresh_token"]}),
        ):
            assert answer.status_code < 500, answer.text
            keep(answer)
    return key


def _mcp_flow(api: Any, key: str, seen: list[str]) -> None:
    async def run() -> None:
        async with http_client(api.url, key) as client:
            for tool, arguments in (
                ("portfolio_account", {}),
                ("order_preview", {"symbol": "AAPL", "side": "buy", "qty": 1}),
                ("audit_query", {"limit": 500}),
                ("order_submit", {"confirmation_token": key, "symbol": "AAPL", "side": "buy"}),
            ):
                result = await client.call_tool(tool, arguments)
                seen.append(json.dumps([getattr(b, "text", "") for b in result.content]))
                seen.append(json.dumps(result.structured_content))

    asyncio.run(run())


def _ledger_rows(api: Any) -> str:
    with api.runtime() as rt, rt.ledger.session(read_only=True) as session:
        metadata = sa.MetaData()
        metadata.reflect(bind=session.connection())
        return "\n".join(
            json.dumps(
                [table, [list(row) for row in session.execute(sa.select(t)).all()]], default=str
            )
            for table, t in metadata.tables.items()
        )


def test_a_full_run_with_canary_secrets_leaks_none_of_them(api: Any) -> None:
    root = _cli(api, "users", "add", "root", "--role", "admin", "--password-env", "WB_ROOT_PW")
    seen = [root]
    key = _api_flow(api, seen)
    _mcp_flow(api, key, seen)
    seen += [
        _cli(api, "config", "show"),
        _cli(api, "config", "show", "--json"),
        _cli(api, "audit", "show", "--json", "--limit", "1000"),
    ]
    secrets = [*CANARIES.values(), DB_PASSWORD, HOOK_PASSWORD, PASSWORD]
    places = {
        "the server's log": api.log_text(),
        "a response or an output": "\n".join(seen),
        "the ledger": _ledger_rows(api),
    }
    for path in sorted(p for p in api.home.rglob("*") if p.is_file()):
        places[str(path)] = path.read_bytes().decode("latin-1")
    # what is searched holds what the run did (the search cannot pass by reading nothing)
    assert "workbench api listening" in places["the server's log"]
    assert "order.intent" in places["the ledger"] and '"root"' in places["the ledger"]
    assert "auth.login_failed" in places["a response or an output"]
    leaks = [
        f"{secret[:24]}... in {where}"
        for where, text in places.items()
        for secret in secrets
        if secret in text
    ]
    # the key was shown once, in the answer that made it; never again
    assert sum(text.count(key) for text in seen) == 1, "the API key was shown more than once"
    leaks += [
        f"the API key in {w}"
        for w, text in places.items()
        if w != "a response or an output" and key in text
    ]
    assert leaks == []
