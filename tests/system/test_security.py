"""Authentication and authorisation at every door of a real ``workbench serve api`` (uvicorn,
a socket): every route, every ``/ws`` channel and every MCP tool at ``/mcp``, for every role and
every kind of bad credential (test_rbac's table: none, a malformed header, a bad signature, an
expired token, ``alg: none``, another audience, a revoked key, a refresh token as an access
token); the rate limits; the client address in login records; and an audit chain that
verifies with a record for every change the walk made."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.integration.api.test_rbac import BAD, GOOD, expected_status, status_matches
from tests.integration.mcp.conftest import http_client
from tests.system import live_api
from tests.system.live_api import MCP_ARGUMENTS
from workbench.gateway.channels import CHANNELS
from workbench.interfaces.mcp.tools_trade import TRADING_TOOLS
from workbench.model import Permission, Role, can
from workbench.ops import audit, audit_completeness, keys, users

pytestmark = [pytest.mark.system, pytest.mark.requirement("SEC-01", "SEC-02", "SEC-03", "RSK-04")]

PASSWORD = "a long enough password 1"
BURST = 240
SETTINGS = {
    "WB_LOG_LEVEL": "WARNING",
    "WB_MCP__TRADING_ENABLED": "true",
    # the walk sends a thousand requests from one address: the address bucket stays out of it
    "WB_API__RATE_LIMIT__ADDRESS_PER_SECOND": "100000",
    "WB_API__RATE_LIMIT__ADDRESS_BURST": "100000",
    # a user's bucket holds the walk's requests of its token and key (under 200), refilling
    # slowly enough that a burst of one user's keys runs it dry
    "WB_API__RATE_LIMIT__PRINCIPAL_PER_SECOND": "1",
    "WB_API__RATE_LIMIT__PRINCIPAL_BURST": str(BURST),
    "WB_API__RATE_LIMIT__LOGIN_PER_MINUTE": "1",
    "WB_API__RATE_LIMIT__LOGIN_BURST": "4",
}


@pytest.fixture(scope="module")
def api(shared_sample_lake: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    server = live_api.start(shared_sample_lake, tmp_path_factory.mktemp("security"), SETTINGS)
    try:
        yield server
    finally:
        live_api.stop(server)


def test_every_route_for_every_role_and_credential_over_the_socket(api: Any) -> None:
    spec = httpx.get(f"{api.url}/openapi.json", timeout=60).json()
    operations = [
        (path, method.upper(), operation["x-access"])
        for path, methods in spec["paths"].items()
        for method, operation in methods.items()
        if path.startswith("/api/")
    ]
    assert len(operations) >= 60
    # every role with each good credential; each bad one is refused before any role is known
    # (test_rbac walks it for every role, in process)
    kinds = [(r, c) for r in Role for c in GOOD] + [(Role.VIEWER, c) for c in BAD]
    cases = [(op, role, credential) for op in operations for role, credential in kinds]
    with httpx.Client(base_url=api.url, timeout=60) as client:
        for public in ("/healthz", "/readyz", "/metrics", "/openapi.json", "/docs"):
            assert client.get(public).status_code == 200, public

        def attempt(case: tuple[tuple[str, str, str], Role, str]) -> str | None:
            (path, method, access), role, credential = case
            url = path.replace("{", "").replace("}", "")  # each id a name nothing has
            header = api.headers[role][credential]
            answer = client.request(
                method,
                url,
                json={} if method in ("POST", "PUT", "PATCH") else None,
                headers={"Authorization": header} if header is not None else {},
            )
            expected = expected_status(access, role, credential)
            if answer.status_code >= 500 or not status_matches(expected, answer.status_code):
                return (
                    f"{method} {path} as {role.value} with {credential}: expected "
                    f"{expected}, got {answer.status_code} {answer.text[:120]}"
                )
            if answer.status_code == 401 and "Bearer" not in answer.headers["www-authenticate"]:
                return f"{method} {path}: a 401 without its WWW-Authenticate challenge"
            return None

        with ThreadPoolExecutor(8) as pool:
            failures = [f for f in pool.map(attempt, cases) if f is not None]
    assert not failures, f"{len(failures)} of {len(cases)} cases:\n" + "\n".join(failures)
    assert len(cases) == len(operations) * (len(Role) * len(GOOD) + len(BAD))
    # what the walk changed as admin (the trading state, halted, reduced and resumed) and
    # every user and key made for it is in the chain, and the chain verifies
    with api.runtime() as rt:
        replayed = audit_completeness.completeness(rt)
    assert replayed.ok, replayed.missing
    assert replayed.checked["users"] >= len(Role) and replayed.checked["accounts"] >= 1


async def _ws_answer(api: Any, header: str | None, channel: str) -> tuple[str, int | None]:
    """Authenticate with the credential of ``header``, subscribe to ``channel``: the type or
    code of the answer, and the close code when the server closed."""
    token = (header or "").partition(" ")[2] if header and header.startswith("Bearer ") else header
    async with connect(f"{api.ws}/ws", ping_interval=None) as ws:
        if token:
            await ws.send(json.dumps({"type": "auth", "token": token}))
        await ws.send(json.dumps({"type": "subscribe", "channels": [channel]}))
        try:
            while True:
                message = json.loads(await asyncio.wait_for(ws.recv(), 10))
                if message["type"] == "subscribed":
                    return "subscribed", None
                if message["type"] == "error":
                    code = message["code"]
                    if code == "forbidden":
                        return code, None
                    await asyncio.wait_for(ws.wait_closed(), 10)
                    return code, ws.close_code
        except ConnectionClosed:
            return "closed", ws.close_code


def test_every_websocket_channel_for_every_role_and_credential(api: Any) -> None:
    async def walk() -> list[str]:
        failures = []
        for channel, spec in CHANNELS.items():
            # every role with each good credential; each bad one is refused before any role is
            # known (test_rbac walks it for every role, in process)
            kinds = [(r, c) for r in Role for c in GOOD] + [(Role.VIEWER, c) for c in BAD]
            for role, credential in kinds:
                if True:
                    header = api.headers[role][credential]
                    kind, closed = await _ws_answer(api, header, channel)
                    if credential in BAD:
                        ok = kind in {"unauthorized", "not_authenticated"} and closed == 1008
                    else:
                        ok = kind == ("subscribed" if can(role, spec.permission) else "forbidden")
                    if not ok:
                        failures.append(f"{channel} {role.value} {credential}: {kind} {closed}")
                if role is not Role.VIEWER:
                    break  # a bad credential is refused before any role is known
        return failures

    assert asyncio.run(walk()) == []


async def _mcp_calls(api: Any, header: str, *, call: bool = True) -> dict[str, str]:
    """The tools listed for the caller of ``header``, each called once (unless not ``call``):
    the permission its refusal names, or ``ran`` (an answer, or the tool's own error)."""
    answers = {}
    async with http_client(api.url, header.removeprefix("Bearer ")) as client:
        for tool in (await client.list_tools()).tools:
            answers[tool.name] = "listed"
            if not call:
                continue
            result = await client.call_tool(tool.name, MCP_ARGUMENTS.get(tool.name, {}))
            text = " ".join(getattr(block, "text", "") for block in result.content)
            assert "validation error" not in text, f"{tool.name}: {text[:300]}"
            refused = result.is_error and " may not " in text
            answers[tool.name] = text.rsplit(" may not ", 1)[1] if refused else "ran"
    return answers


def test_every_mcp_tool_for_every_role_and_credential(api: Any) -> None:
    by_role = {r: asyncio.run(_mcp_calls(api, str(api.headers[r]["valid key"]))) for r in Role}
    every = set(by_role[Role.ADMIN])
    assert len(every) >= 30 and set(MCP_ARGUMENTS) <= every
    assert set(by_role[Role.ADMIN].values()) == {"ran"}
    for role, answers in by_role.items():
        # a trading tool the role may not use is not even listed; every other tool is
        permitted = {t for t in every if t not in TRADING_TOOLS or can(role, TRADING_TOOLS[t])}
        assert set(answers) == permitted, role
        token = asyncio.run(_mcp_calls(api, str(api.headers[role]["valid token"]), call=False))
        assert set(token) == permitted, role
    for tool in every:  # refused exactly for the roles without the permission it names
        named = {a for r in Role if (a := by_role[r].get(tool, "ran")) != "ran"}
        assert len(named) <= 1, (tool, named)
        if named:
            permission = Permission(named.pop())
            refused = [by_role[r].get(tool, permission.value) != "ran" for r in Role]
            assert refused == [not can(r, permission) for r in Role], tool
            if tool in TRADING_TOOLS:
                assert permission == TRADING_TOOLS[tool]
    calls = [(credential, tool) for credential in BAD for tool in sorted(every)]
    with httpx.Client(timeout=60) as client:

        def refused(call: tuple[str, str]) -> str | None:
            credential, tool = call
            header = api.headers[Role.ADMIN][credential]
            params = {"name": tool, "arguments": MCP_ARGUMENTS.get(tool, {})}
            answer = client.post(
                f"{api.url}/mcp",
                json={"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": params},
                headers={
                    **({"Authorization": header} if header is not None else {}),
                    "Accept": "application/json, text/event-stream",
                },
            )
            return None if answer.status_code == 401 else f"{tool} {credential}: {answer.text}"

        with ThreadPoolExecutor(8) as pool:
            assert [f for f in pool.map(refused, calls) if f is not None] == []


def test_a_burst_is_refused_with_retry_after_and_a_users_keys_share_its_bucket(api: Any) -> None:
    with api.runtime() as rt:
        users.add(rt, "bursty", PASSWORD, role="analyst", actor="test")
        both = [keys.create(rt, username="bursty", actor="test").key for _ in range(2)]
    sent = [0, 0]
    refused = None
    with httpx.Client(base_url=api.url, timeout=10) as client:
        for n in range(3 * BURST):
            answer = client.get("/api/v1/me", headers={"Authorization": f"Bearer {both[n % 2]}"})
            if answer.status_code == 429:
                refused = answer
                break
            assert answer.status_code == 200, answer.text
            sent[n % 2] += 1
        assert refused is not None, f"{3 * BURST} requests of one user, none refused"
        # neither key spent its own bucket: the one that ran dry is their user's
        assert max(sent) < BURST <= sum(sent), sent
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["code"] == "rate_limited"
        time.sleep(int(refused.headers["Retry-After"]))
        assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {both[0]}"}).is_success


def test_login_records_carry_the_client_address_and_login_has_its_own_limit(api: Any) -> None:
    with api.runtime() as rt:
        users.add(rt, "visitor", PASSWORD, role="viewer", actor="test")
    # from an address of its own (any 127.x reaches loopback): a login bucket nobody spent
    elsewhere = httpx.HTTPTransport(local_address="127.0.0.7")
    with httpx.Client(base_url=f"{api.url}/api/v1/auth", transport=elsewhere, timeout=30) as client:
        wrong = client.post("/login", json={"username": "visitor", "password": "nope"})
        assert wrong.status_code == 401, wrong.text
        assert client.post("/login", json={"username": "visitor", "password": PASSWORD}).is_success
        statuses = [
            client.post("/login", json={"username": "visitor", "password": "x"}).status_code
            for _ in range(4)
        ]
    assert statuses[-1] == 429  # a burst of four, then one a minute
    with api.runtime() as rt:
        logins = audit.records(rt, kind="auth.login", actor="user:visitor")
    kinds = {(r["kind"], r["payload"].get("reason")) for r in logins}
    assert {("auth.login", None), ("auth.login_failed", "bad_credentials")} <= kinds
    assert {r["payload"]["client"] for r in logins} == {"127.0.0.7"}
