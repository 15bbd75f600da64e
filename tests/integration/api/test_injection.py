"""Injection strings in every string parameter of every GET route under ``/api/v1``, found in
the app's own OpenAPI document (so a route added later is covered without touching this test):
no answer is a 5xx, none echoes a script into a body a browser would render, none splits a
header, and the ledger and the lake are byte for byte what they were."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tests.integration.api.conftest import key_for
from workbench.ops import trade
from workbench.runtime import Runtime

pytestmark = pytest.mark.requirement("SEC-04")

INJECTIONS = [
    "' OR 1=1 --",
    "1; DROP TABLE orders; --",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "\r\nX-Evil: 1",
    "A" * 10_000,
    "nul\x00byte",
    "{{7*7}}${7*7}",
]
#: columns a read may write by design (when an API key was last used)
VOLATILE = {"api_keys": {"last_used_at"}}
#: a valid value for a required parameter, by name, so that the attacked one is what fails
SAMPLES = {"symbol": "AAPL", "symbols": "AAPL", "name": "RSI", "table": "trades"}


def _string_parameters(spec: dict[str, Any]) -> list[tuple[str, dict[str, Any], str]]:
    """(path template, operation, parameter name) for each path parameter and each query
    parameter that takes text, of every GET under /api/v1."""
    found = []
    for path, operations in spec["paths"].items():
        get = operations.get("get")
        if not path.startswith("/api/v1/") or get is None:
            continue
        for parameter in get.get("parameters", []):
            if parameter["in"] == "path" or _takes_text(parameter.get("schema", {})):
                found.append((path, get, parameter["name"]))
    return found


def _takes_text(schema: dict[str, Any]) -> bool:
    """A string, an enum of strings (a ``$ref``), or a list of either, maybe optional."""
    if "anyOf" in schema:
        return any(_takes_text(option) for option in schema["anyOf"])
    if schema.get("type") == "array":
        return _takes_text(schema.get("items", {}))
    return schema.get("type") == "string" or "$ref" in schema


def _valid(parameter: dict[str, Any], spec: dict[str, Any]) -> Any:
    schema = parameter.get("schema", {})
    schema = next((o for o in schema.get("anyOf", [schema]) if o.get("type") != "null"), schema)
    if "$ref" in schema:  # "#/components/schemas/Name"
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    if parameter["name"] in SAMPLES:
        return SAMPLES[parameter["name"]]
    if "enum" in schema:
        return schema["enum"][0]
    if schema.get("type") == "integer":
        return max(1, schema.get("minimum", 1))
    return "x"


def _request(
    spec: dict[str, Any], path: str, operation: dict[str, Any], target: str, payload: str
) -> tuple[str, dict[str, Any]]:
    query: dict[str, Any] = {}
    for parameter in operation.get("parameters", []):
        name = parameter["name"]
        value = payload if name == target else _valid(parameter, spec)
        if parameter["in"] == "path":
            path = path.replace(f"{{{name}}}", quote(str(value), safe=""))
        elif name == target or parameter.get("required"):
            query[name] = value
    return path, query


def _ledger_digest(rt: Runtime) -> str:
    digest = hashlib.sha256()
    with rt.ledger.session(read_only=True) as session:
        metadata = sa.MetaData()
        metadata.reflect(bind=session.connection())
        for name in sorted(metadata.tables):
            table = metadata.tables[name]
            kept = [c for c in table.columns if c.name not in VOLATILE.get(name, set())]
            rows = session.execute(sa.select(*kept).order_by(*kept)).all()
            digest.update(json.dumps([name, [list(r) for r in rows]], default=str).encode())
    return digest.hexdigest()


def _lake_digest(lake: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in lake.rglob("*") if p.is_file()):
        digest.update(
            str(path.relative_to(lake)).encode() + hashlib.sha256(path.read_bytes()).digest()
        )
    return digest.hexdigest()


def test_every_get_route_takes_injection_strings_without_harm(
    client: TestClient, runtime: Runtime, sample_home: Path
) -> None:
    trade.submit(runtime, trade.order_request("AAPL", "buy", qty="2"), actor="test")
    # an admin reaches every route, so every parameter is parsed, not refused at the door
    client.headers["Authorization"] = f"Bearer {key_for(runtime, 'admin')}"
    assert client.get("/api/v1/account").status_code == 200  # the key's first use is written
    spec = client.app.openapi()  # type: ignore[attr-defined]
    targets = _string_parameters(spec)
    attacked = {(path, name) for path, _, name in targets}
    assert {
        ("/api/v1/market/bars/{symbol}", "symbol"),
        ("/api/v1/reports/{report_id}", "report_id"),
    } <= attacked
    ledger, lake = _ledger_digest(runtime), _lake_digest(sample_home / "lake")

    failures: list[str] = []
    statuses: dict[int, int] = {}
    for path, operation, name in targets:
        for payload in INJECTIONS:
            url, query = _request(spec, path, operation, name, payload)
            response = client.get(url, params=query)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            problem = _harm(response, payload)
            if problem:
                failures.append(f"{path} {name}={payload[:30]!r}: {problem}")
    assert failures == []
    assert sum(statuses.values()) == len(targets) * len(INJECTIONS) > 200
    assert set(statuses) <= {200, 400, 404, 422}, statuses
    assert _ledger_digest(runtime) == ledger
    assert _lake_digest(sample_home / "lake") == lake


def _harm(response: Any, payload: str) -> str | None:
    if response.status_code >= 500:
        return f"answered {response.status_code}: {response.text[:200]}"
    if any(name.lower() == "x-evil" for name in response.headers):
        return "a header was split"
    kind = response.headers.get("content-type", "")
    if "json" in kind:
        json.loads(response.text)  # escaped inside a JSON document
    elif "<script>" in response.text:
        return f"echoed a script into {kind}"
    if "root:x:0:0" in response.text:
        return "served /etc/passwd"
    return None


@pytest.mark.parametrize("route", ["/api/v1/analysis/stress", "/api/v1/analysis/rebalance"])
def test_an_oversized_body_is_refused_before_the_route(client: TestClient, route: str) -> None:
    response = client.post(route, content=b"{" + b" " * (2 << 20) + b"}")
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
