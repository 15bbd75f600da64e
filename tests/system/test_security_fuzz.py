"""A real ``workbench serve api`` fed what an attacker would send: schemathesis drives every
operation of its own OpenAPI document with generated requests as every role (no answer is a
5xx, none falls outside the document: status, content type and body schema), and injection
strings go into every input (path and query parameters, JSON body fields, MCP tool arguments):
no 5xx, no SQL error text, no reflected markup, no split header, the lake untouched and the
ledger's tables whole, every change they caused in the audit chain."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
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
from workbench.model import Role
from workbench.ops import audit_completeness

pytestmark = [pytest.mark.system, pytest.mark.requirement("SEC-04", "SEC-07", "INT-03")]

SETTINGS = {
    "WB_LOG_LEVEL": "WARNING",
    "WB_MCP__TRADING_ENABLED": "true",
    "WB_API__RATE_LIMIT__ENABLED": "false",  # thousands of requests from one address
}
#: operations that start real work on the Dask cluster (a LocalCluster of processes) for each
#: valid example; their input models are fuzzed as every other, their jobs are not run
QUEUES_WORK = re.compile(r"^/api/v1/(backtests|optimizations|walk-forwards|reports)$")
#: generated requests per operation (each as a role drawn at random): bounded, so it runs in
#: seconds; hypothesis draws the same examples each run (derandomized)
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
    server = live_api.start(shared_sample_lake, tmp_path_factory.mktemp("fuzz"), SETTINGS)
    try:
        yield server
    finally:
        live_api.stop(server)


def test_the_openapi_document_fuzzed_as_every_role_finds_no_error(api: Any) -> None:
    schema = schemathesis.openapi.from_url(f"{api.url}/openapi.json")
    operations = schema.include(path_regex="^/api/").exclude(
        method="POST", path_regex=QUEUES_WORK.pattern
    )
    checks = [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
    ]
    keys = {role: str(api.headers[role]["valid key"]) for role in Role}
    fuzzed = 0
    for result in operations.get_all_operations():  # a few examples of each, a role each

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=result.ok().as_strategy(), role=st.sampled_from(list(Role)))
        def fuzz(case: Any, role: Role) -> None:
            headers = {"Authorization": f"Bearer {keys[role]}"}
            response = case.call(base_url=api.url, headers=headers, timeout=60)
            case.validate_response(response, checks=checks)

        fuzz()
        fuzzed += 1
    assert fuzzed >= 60


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
    with httpx.Client(base_url=api.url, headers=admin, timeout=60) as client:
        for path, operation, name in get_parameters(spec):
            for payload in OVER_THE_WIRE:
                url, query = _request(spec, path, operation, name, payload)
                answers += _check(
                    client.get(url, params=query), payload, f"{path} {name}", failures
                )
        with api.runtime() as rt:
            assert _ledger_digest(rt) == ledger, "a read wrote to the ledger"
        for method, path, body, name in _body_fields(spec):
            if QUEUES_WORK.match(path):
                continue  # a valid body queues real work: its fields are fuzzed above
            url = re.sub(r"\{[^}]+\}", quote("' OR 1=1 --", safe=""), path)
            for payload in INJECTIONS:
                sent = {**body, name: [payload] if isinstance(body[name], list) else payload}
                answer = client.request(method, url, json=sent)
                answers += _check(answer, payload, f"{method} {path} {name}", failures)
    answers += _mcp_injections(api, admin["Authorization"], failures)
    assert failures == []
    assert answers > 500
    assert _lake_digest(api.home / "lake") == lake
    after = _table_counts(api)
    assert set(after) == set(tables)  # no table dropped or made
    with api.runtime() as rt:
        replayed = audit_completeness.completeness(rt)
    assert replayed.ok, replayed.missing  # whatever was stored, verbatim, is in the chain


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
