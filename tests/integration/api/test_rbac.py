"""The one RBAC table, walked whole: every route of the app (read off ``app.routes``, so a
route added later is walked too) x every role x every kind of credential, each answered with
exactly the status the table says. In process (TestClient over ASGI), credentials built once.

- a bad credential (none, a malformed header, a bad signature, an expired token, ``alg: none``,
  another audience, a revoked key, a refresh token as an access token): 401, on every route
  that needs one;
- a valid token or key of a role without the route's permission: 403;
- a valid token or key of a role with it: neither 401 nor 403 (the route itself may say 422
  to the empty body the walk sends, or 404 to the placeholder id).
"""

from __future__ import annotations

import base64
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

from workbench.core.security import TokenSigner
from workbench.interfaces.api import create_app
from workbench.interfaces.api.deps import AUTHENTICATED, PUBLIC, require
from workbench.interfaces.api.rbac import (
    UNDECLARED_ALLOWED,
    allowed_roles,
    route_permissions,
    routes_markdown,
)
from workbench.model import Permission, Role
from workbench.ops import auth, keys, users
from workbench.ops.secrets import token_signer
from workbench.runtime import Runtime

pytestmark = pytest.mark.requirement("SEC-02")

PASSWORD = "a long enough password 1"
DOC = Path(__file__).resolve().parents[3] / "docs" / "api.md"
BAD = (
    "no credentials",
    "malformed header",
    "bad signature",
    "expired token",
    "alg none",
    "wrong audience",
    "revoked key",
    "refresh token as access token",
)
GOOD = ("valid token", "valid key")


@dataclass(frozen=True)
class World:
    app: FastAPI
    client: TestClient
    #: role -> credential kind -> the Authorization header (None: send none)
    headers: dict[Role, dict[str, str | None]]


def _b64(data: dict[str, object]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def credentials(rt: Runtime, role: Role) -> dict[str, str | None]:
    name = f"rbac-{role.value}"
    users.add(rt, name, PASSWORD, role=role, actor="test")
    pair = auth.login(rt, name, PASSWORD)
    revoked = keys.create(rt, username=name, actor="test")
    keys.revoke(rt, revoked.info.id, actor="test")
    signer = token_signer(rt.settings)
    claims = auth.authenticate(rt, pair.access_token)
    issue = {
        "user_id": claims.user_id or 0,
        "username": name,
        "role": role.value,
        "session_id": pair.session_id,
    }
    expired, _ = signer.issue(
        **issue, ttl=timedelta(minutes=15), now=datetime.now(UTC) - timedelta(days=1)
    )  # type: ignore[arg-type]
    elsewhere = TokenSigner(signer.secret, signer.issuer, "someone-else", signer.algorithm)
    wrong_audience, _ = elsewhere.issue(**issue, ttl=timedelta(minutes=15))  # type: ignore[arg-type]
    forged = TokenSigner("x" * 64, signer.issuer, signer.audience, signer.algorithm)
    token, _ = forged.issue(**issue, ttl=timedelta(minutes=15))  # type: ignore[arg-type]
    head, body, signature = token.split(".")
    real_head = json.loads(base64.urlsafe_b64decode(head + "=="))
    real_head["kid"] = signer.key_id  # the right key named, the wrong key used
    bad_signature = f"{_b64(real_head)}.{body}.{signature}"
    unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT', 'kid': signer.key_id})}.{body}."
    return {
        "valid token": f"Bearer {pair.access_token}",
        "valid key": f"Bearer {keys.create(rt, username=name, actor='test').key}",
        "no credentials": None,
        "malformed header": f"Basic {pair.access_token}",
        "bad signature": f"Bearer {bad_signature}",
        "expired token": f"Bearer {expired}",
        "alg none": f"Bearer {unsigned}",
        "wrong audience": f"Bearer {wrong_audience}",
        "revoked key": f"Bearer {revoked.key}",
        "refresh token as access token": f"Bearer {pair.refresh_token}",
    }


@pytest.fixture(scope="module")
def world(shared_sample_lake: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    from workbench.testing import copy_lake

    home = tmp_path_factory.mktemp("rbac-home")
    copy_lake(shared_sample_lake, home / "lake")
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.startswith("WB_") and not name.startswith("WB_TEST_"):
                patch.delenv(name)
        patch.setenv("WB_HOME", str(home))
        # thousands of requests from one address: the walk is about access, not rate limits
        patch.setenv("WB_API__RATE_LIMIT__ENABLED", "false")
        runtime = Runtime.from_settings()
    app = create_app(runtime)
    with TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False) as client:
        headers = {role: credentials(runtime, role) for role in Role}
        yield World(app, client, headers)


def expected_status(access: str, role: Role, credential: str) -> str:
    if access == PUBLIC:
        return "not 401/403"  # the route needs no credential and ignores the header
    if credential in BAD:
        return "401"
    return "not 401/403" if role in allowed_roles(access) else "403"


def status_matches(expected: str, status: int) -> bool:
    return status not in (401, 403) if expected == "not 401/403" else status == int(expected)


def test_every_route_declares_its_access(world: World) -> None:
    undeclared = [
        f"{r.method} {r.path}"
        for r in route_permissions(world.app)
        if r.access is None and r.path not in UNDECLARED_ALLOWED
    ]
    assert undeclared == [], (
        "each route needs exactly one of require(permission), signed_in() or public() "
        f"among its dependencies: {undeclared}"
    )


def test_the_whole_table_every_route_role_and_credential(world: World) -> None:
    failures, cases = [], 0
    routes = [r for r in route_permissions(world.app) if r.path.startswith("/api/")]
    assert len(routes) >= 35
    for route in routes:
        assert route.access is not None, f"{route.method} {route.path} declares no access"
        path = re.sub(r"\{[^}]+\}", "0", route.path)  # an id nothing has
        body = {} if route.method in ("POST", "PUT", "PATCH") else None
        for role in Role:
            for credential in (*GOOD, *BAD):
                header = world.headers[role][credential]
                sent = {"Authorization": header} if header is not None else {}
                response = world.client.request(route.method, path, json=body, headers=sent)
                expected = expected_status(route.access, role, credential)
                cases += 1
                if not status_matches(expected, response.status_code):
                    failures.append(
                        f"{route.method} {route.path} as {role.value} with {credential}: "
                        f"expected {expected}, got {response.status_code} {response.text[:120]}"
                    )
                elif response.status_code == 401:
                    assert response.headers["www-authenticate"].startswith("Bearer")
    assert not failures, f"{len(failures)} of {cases} cases:\n" + "\n".join(failures)
    assert cases == len(routes) * len(Role) * (len(GOOD) + len(BAD))


def test_a_route_without_a_declaration_is_found() -> None:
    bare = FastAPI()

    @bare.get("/api/v1/forgotten")
    def forgotten() -> dict[str, str]:
        return {}

    @bare.get("/api/v1/twice", dependencies=[Depends(require(Permission.TRADE))])
    def declared() -> dict[str, str]:
        return {}

    found = {r.path: r.access for r in route_permissions(bare)}
    assert found == {"/api/v1/forgotten": None, "/api/v1/twice": "trade"}


def test_the_routes_table_in_docs_api_md_is_the_apps(world: World) -> None:
    text = DOC.read_text()
    start = text.index("<!-- api-routes:start -->") + len("<!-- api-routes:start -->")
    end = text.index("<!-- api-routes:end -->")
    expected = routes_markdown(world.app)
    assert text[start:end].strip() == expected, (
        "docs/api.md's routes table differs from the app's routes; paste:\n" + expected
    )


def test_the_openapi_document_names_each_operations_access_and_problems(world: World) -> None:
    paths = world.client.get("/openapi.json").json()["paths"]
    for row in route_permissions(world.app):
        if not row.path.startswith("/api/"):
            continue
        operation = paths[row.path][row.method.lower()]
        assert operation["x-access"] == row.access, f"{row.method} {row.path}"
        assert operation["x-roles"] == [r.value for r in allowed_roles(row.access)]
        problems = {"401", "500"}
        if row.access not in (PUBLIC, AUTHENTICATED):
            problems.add("403")
        if row.method != "GET":
            problems.add("422")  # a body that does not validate
        assert problems <= set(operation["responses"]), f"{row.method} {row.path}"
        if row.access != PUBLIC:
            assert operation["security"] == [{"bearer": []}], f"{row.method} {row.path}"
