"""A real ``workbench serve api`` fed what an attacker would send: schemathesis drives every
operation of its own OpenAPI document with generated requests as every role (no answer is a
5xx, none falls outside the document: status, content type and body schema), and injection
strings go into every input (path and query parameters, JSON body fields, MCP tool arguments):
no 5xx, no SQL error text, no reflected markup, no split header, the lake untouched and the
ledger's tables whole, every change they caused in the audit chain.

The operations that queue a job (a backtest, a grid, a walk-forward, a report; a resubmission)
are fuzzed as the others, with invalid requests too, and each also gets a valid body as every
role: 202 with a job record where the role may, 403 where it may not. The server's job workers
are a real Dask scheduler without a worker, so an accepted job is queued and never runs; each
one is canceled through the API as soon as it is accepted, must read ``canceled``, and none is
left queued or running at the end."""

from __future__ import annotations

import asyncio
import json
import re
from collections import Counter
from collections.abc import Iterator
from itertools import product
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.integration.api.test_injection import (
    INJECTIONS,
    _harm,
    _lake_digest,
    _ledger_digest,
    _request,
)
from tests.integration.api.test_injection import _string_parameters as get_parameters
from tests.integration.mcp.conftest import http_client
from tests.system import live_api
from tests.system.live_api import MCP_ARGUMENTS
from workbench.model import JobKind, Role, can
from workbench.ops import audit_completeness, jobs

pytestmark = [pytest.mark.system, pytest.mark.requirement("SEC-04", "SEC-07", "INT-03")]

SETTINGS = {
    "WB_LOG_LEVEL": "WARNING",
    "WB_MCP__TRADING_ENABLED": "true",
    "WB_API__RATE_LIMIT__ENABLED": "false",  # thousands of requests from one address
}
#: operations that queue a job for a valid request: each job they accept is canceled at once
QUEUES_WORK = re.compile(
    r"^/api/v1/(backtests|optimizations|walk-forwards|reports|jobs/\{job_id\}/resubmit)$"
)
#: a valid body of each operation that submits a job, and the job's kind: the generator's
#: bodies are refused (no registered strategy is named in them), and an injection string must
#: be the one bad field of its body to reach that field's own check
JOB_BODIES: dict[str, tuple[JobKind, dict[str, Any]]] = {
    "/api/v1/backtests": (
        JobKind.BACKTEST,
        {"strategy": "sma_crossover", "symbols": ["AAPL"], "params": {"fast": 10, "slow": 40}},
    ),
    "/api/v1/optimizations": (
        JobKind.OPTIMIZE,
        {"strategy": "sma_crossover", "symbols": ["AAPL"], "grid": {"fast": [5], "slow": [40]}},
    ),
    "/api/v1/walk-forwards": (
        JobKind.WALK_FORWARD,
        {"strategy": "sma_crossover", "symbols": ["AAPL"], "grid": {"fast": [5], "slow": [40]}},
    ),
    "/api/v1/reports": (JobKind.REPORT, {"kind": "performance"}),
}
#: a valid body of each other operation that takes one, and its status as sent: the sample
#: bodies built from the schema were refused whole (a sibling field out of its range, a date
#: "AAPL"), so the injected field never reached its own check; the login names nobody, so
#: nine bad passwords lock no real user out. Risk and stress take no free text (their text
#: fields are dates and enums, which the schema itself checks), so they need none
TYPED_ONLY = {"/api/v1/analysis/risk", "/api/v1/analysis/stress"}
_ORDER = {"symbol": "AAPL", "side": "buy", "qty": "1", "type": "market", "time_in_force": "day"}
VALID_BODIES: dict[str, tuple[int, dict[str, Any]]] = {
    "/api/v1/auth/login": (401, {"username": "fuzz-nobody", "password": "a long enough one 1"}),
    "/api/v1/analysis/rebalance": (
        200,
        {
            "book": {"quantities": {"AAPL": 100, "MSFT": 50}, "cash": 10_000.0},
            "method": "equal_weight",
            "symbols": ["AAPL", "MSFT"],
        },
    ),
    "/api/v1/orders/preview": (200, _ORDER),
    "/api/v1/orders": (201, _ORDER),
    "/api/v1/alert-rules": (
        201,
        {"name": "fuzz-rule", "kind": "price_above", "params": {"level": 500}, "scope": "AAPL"},
    ),
    "/api/v1/users": (
        201,
        {"username": "fuzz-user", "password": "a long enough one 1", "role": "viewer"},
    ),
    "/api/v1/keys": (201, {"username": "fuzz-user", "role": "viewer", "name": "fuzz-key"}),
}
#: generated requests per operation (each as a role drawn at random), and per role and mode
#: (valid, invalid) of one that queues a job: bounded, so it runs in seconds; hypothesis draws
#: the same examples each run (derandomized)
EXAMPLES = 3
#: test_injection sends every string of its list to every query and path parameter in
#: process; over the socket, the ones the transport itself could mangle (an encoded traversal,
#: a header split, a NUL) and the classic SQL one: every body field still gets all of them
OVER_THE_WIRE = ["' OR 1=1 --", "%2e%2e%2f%2e%2e%2fetc%2fpasswd", "\r\nX-Evil: 1", "nul\x00byte"]
#: what a database, a template engine or a shell says when input reached it unescaped
LEAKS = re.compile(
    r"sqlite3\.|psycopg|OperationalError|ProgrammingError|syntax error at or near|"
    r"near \".*\": syntax error|Traceback \(most recent|\b49\b.*\{\{7\*7\}\}",
)


@pytest.fixture(scope="module")
def api(shared_sample_lake: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from distributed import LocalCluster

    # the job workers: a scheduler (in this process) that no worker ever joins, so a job the
    # server accepts is really handed over and waits there until it is canceled
    with LocalCluster(
        n_workers=0, processes=False, protocol="tcp://", host="127.0.0.1", dashboard_address=":0"
    ) as no_workers:
        scheduler = {"WB_JOBS__SCHEDULER": no_workers.scheduler_address}
        folder = tmp_path_factory.mktemp("fuzz")
        server = live_api.start(shared_sample_lake, folder, {**SETTINGS, **scheduler})
        try:
            yield server
        finally:
            live_api.stop(server)


def test_the_openapi_document_fuzzed_as_every_role_finds_no_error(api: Any) -> None:
    schema = schemathesis.openapi.from_url(f"{api.url}/openapi.json")
    # each role's API key, the whole header ("Bearer wbk_..."), as test_rbac's table gives it
    keys = {role: str(api.headers[role]["valid key"]) for role in Role}
    statuses: Counter[int] = Counter()
    fuzzed = accepted = 0
    for result in schema.include(path_regex="^/api/").get_all_operations():
        operation = result.ok()
        queues = operation.method.upper() == "POST" and bool(QUEUES_WORK.match(operation.path))
        # a few examples of each operation, each as a role drawn at random; one that queues a
        # job gets them as each role in turn, invalid ones too: a request refused before
        # anything is queued must be answered as the document says
        if queues:
            for role, mode in product(Role, GenerationMode):
                _fuzz(api, operation.as_strategy(generation_mode=mode), [role], keys, statuses)
        else:
            # most privileged first: hypothesis (derandomized) draws mostly the first, so the
            # examples get past the permission check into validation and the handlers; every
            # route x role boundary is test_security.py's walk
            _fuzz(api, operation.as_strategy(), list(reversed(Role)), keys, statuses)
        if operation.method.upper() == "POST" and operation.path in JOB_BODIES:
            accepted += _valid_job_as_every_role(api, operation, keys)
        fuzzed += 1
    assert fuzzed >= 64
    assert statuses[401] < statuses.total() / 4, statuses  # the roles' keys got in
    assert accepted == len(JOB_BODIES) * 3  # analyst, trader, admin; never the viewer
    _assert_no_job_left(api)


def _fuzz(
    api: Any, cases: Any, roles: list[Role], keys: dict[Role, str], statuses: Counter[int]
) -> None:
    """``EXAMPLES`` cases of one operation, each sent as one of ``roles`` and checked against
    the document; a job one of them queued is canceled at once."""

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=cases, role=st.sampled_from(roles))
    def fuzz(case: Any, role: Role) -> None:
        response = case.call(base_url=api.url, headers={"Authorization": keys[role]}, timeout=60)
        statuses[response.status_code] += 1
        case.validate_response(response, checks=CHECKS)
        if response.status_code == 202 and QUEUES_WORK.match(case.operation.path):
            _cancel_at_once(api, response)

    fuzz()


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _admin(api: Any) -> dict[str, str]:
    return {"Authorization": str(api.headers[Role.ADMIN]["valid key"])}


def _valid_job_as_every_role(api: Any, operation: Any, keys: dict[Role, str]) -> int:
    """The operation's valid body sent as each role, checked against the document: a job
    record (202) for a role with the kind's permission, 403 for one without. Jobs accepted."""
    kind, body = JOB_BODIES[operation.path]
    accepted = 0
    for role in Role:
        case = operation.Case(body=body, media_type="application/json")
        response = case.call(base_url=api.url, headers={"Authorization": keys[role]}, timeout=60)
        case.validate_response(response, checks=CHECKS)
        permitted = can(role, jobs.PERMISSIONS[kind])
        assert response.status_code == (202 if permitted else 403), (role, response.text)
        if permitted:
            job = response.json()
            assert (job["kind"], job["state"]) == (kind.value, "queued")
            assert response.headers["location"] == [f"/api/v1/jobs/{job['id']}"]
        accepted += _cancel_at_once(api, response)
    return accepted


def _cancel_at_once(api: Any, response: Any) -> int:
    """Cancel through the API the job an answer says it queued (it must read ``canceled``):
    1, or 0 when the answer queued nothing."""
    if response.status_code != 202:
        return 0
    job_id = response.json()["id"]
    url = f"{api.url}/api/v1/jobs/{job_id}"
    assert httpx.get(url, headers=_admin(api), timeout=60).json()["state"] == "queued"
    canceled = httpx.post(f"{url}/cancel", headers=_admin(api), timeout=60)
    assert canceled.status_code == 200 and canceled.json()["state"] == "canceled", canceled.text
    return 1


def _assert_no_job_left(api: Any) -> None:
    for state in ("queued", "running"):
        left = httpx.get(f"{api.url}/api/v1/jobs", params={"state": state}, headers=_admin(api))
        assert left.json() == [], left.text


def _body_fields(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any], str]]:
    """(method, path, a valid body, field) for each string field of each JSON body."""
    found = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            schema = _resolve(spec, content.get("application/json", {}).get("schema", {}))
            if not path.startswith("/api/v1/") or "properties" not in schema:
                continue
            body = {n: _sample(spec, s) for n, s in schema["properties"].items()}
            for name, field in schema["properties"].items():
                if _is_text(spec, field):
                    found.append((method.upper(), path, body, name))
    return found


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        return _resolve(spec, spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]])
    options = [o for o in schema.get("anyOf", []) if o.get("type") != "null"]
    return _resolve(spec, options[0]) if options else schema


def _is_text(spec: dict[str, Any], schema: dict[str, Any]) -> bool:
    resolved = _resolve(spec, schema)
    return resolved.get("type") == "string" or (
        resolved.get("type") == "array" and _is_text(spec, resolved.get("items", {}))
    )


def _sample(spec: dict[str, Any], schema: dict[str, Any]) -> Any:
    resolved = _resolve(spec, schema)
    kind = resolved.get("type", "string")
    if "enum" in resolved:
        return resolved["enum"][0]
    if kind == "array":
        return [_sample(spec, resolved.get("items", {}))]
    if kind in ("integer", "number"):
        return max(1, resolved.get("minimum", 1))
    return {"boolean": False, "object": {}}.get(kind, "AAPL")


def _table_counts(api: Any) -> dict[str, int]:
    import sqlalchemy as sa

    with api.runtime() as rt, rt.ledger.session(read_only=True) as session:
        names = sa.inspect(session.connection()).get_table_names()
        return {
            name: int(session.scalar(sa.text(f'SELECT count(*) FROM "{name}"')) or 0)
            for name in names
        }


def test_injection_strings_in_every_input_do_no_harm(api: Any) -> None:
    admin = {"Authorization": str(api.headers[Role.ADMIN]["valid key"])}
    spec = httpx.get(f"{api.url}/openapi.json", timeout=60).json()
    # the first read of the account opens its books (by design): done before the digests
    assert httpx.get(f"{api.url}/api/v1/account", headers=admin, timeout=60).is_success
    lake, tables = _lake_digest(api.home / "lake"), _table_counts(api)
    with api.runtime() as rt:
        ledger = _ledger_digest(rt)
    failures: list[str] = []
    answers = 0
    reached: set[str] = set()
    with httpx.Client(base_url=api.url, headers=admin, timeout=60) as client:
        for path, operation, name in get_parameters(spec):
            for payload in OVER_THE_WIRE:
                url, query = _request(spec, path, operation, name, payload)
                answers += _check(
                    client.get(url, params=query), payload, f"{path} {name}", failures
                )
        with api.runtime() as rt:
            assert _ledger_digest(rt) == ledger, "a read wrote to the ledger"
        for path, (_, valid) in JOB_BODIES.items():  # what each injection spoils one field of
            assert _cancel_at_once(api, client.post(path, json=valid)) == 1
        for path, (status, valid) in VALID_BODIES.items():
            answer = client.post(path, json=valid)
            assert answer.status_code == status, f"{path}: {answer.text[:300]}"
        for method, path, sample, name in _body_fields(spec):
            valid = {**VALID_BODIES, **JOB_BODIES}.get(path)
            body = valid[1] if valid is not None else sample
            url = re.sub(r"\{[^}]+\}", quote("' OR 1=1 --", safe=""), path)
            for payload in INJECTIONS:
                sent = {**body, name: [payload] if isinstance(sample[name], list) else payload}
                answer = client.request(method, url, json=sent)
                answers += _check(answer, payload, f"{method} {path} {name}", failures)
                if not _refused_by_the_schema(answer):
                    reached.add(path)
                if QUEUES_WORK.match(path):
                    _cancel_at_once(api, answer)  # a string the field takes queues its job
    answers += _mcp_injections(api, admin["Authorization"], failures)
    assert failures == []
    # past the schema into each operation's own code: a route added later whose sample body is
    # refused whole fails here, until VALID_BODIES has a body for it
    expected = {path for _, path, _, _ in _body_fields(spec) if "{" not in path} - TYPED_ONLY
    assert reached >= expected, expected - reached
    _assert_no_job_left(api)
    assert answers > 500
    assert _lake_digest(api.home / "lake") == lake
    after = _table_counts(api)
    assert set(after) == set(tables)  # no table dropped or made
    with api.runtime() as rt:
        replayed = audit_completeness.completeness(rt)
    assert replayed.ok, replayed.missing  # whatever was stored, verbatim, is in the chain


def _refused_by_the_schema(response: Any) -> bool:
    """Refused by FastAPI's request validation, before the route ran."""
    if response.status_code != 422:
        return False
    return bool(response.json().get("code") == "invalid_request")


def _check(response: Any, payload: str, where: str, failures: list[str]) -> int:
    problem = _harm(response, payload)
    if problem is None and LEAKS.search(response.text):
        problem = f"leaked: {LEAKS.search(response.text)}"
    if problem:
        failures.append(f"{where} {payload[:30]!r}: {problem}")
    return 1


def _mcp_injections(api: Any, header: str, failures: list[str]) -> int:
    async def run() -> int:
        count = 0
        async with http_client(api.url, header.removeprefix("Bearer ")) as client:
            for tool in (await client.list_tools()).tools:
                for name, field in tool.input_schema.get("properties", {}).items():
                    if not _is_text({"components": {"schemas": {}}}, field):
                        continue
                    for payload in OVER_THE_WIRE:
                        value = [payload] if field.get("type") == "array" else payload
                        arguments = {**MCP_ARGUMENTS.get(tool.name, {}), name: value}
                        result = await client.call_tool(tool.name, arguments)
                        text = json.dumps([getattr(b, "text", "") for b in result.content])
                        count += 1
                        if LEAKS.search(text):
                            failures.append(f"mcp {tool.name} {name}: {text[:200]}")
        return count

    return asyncio.run(run())
