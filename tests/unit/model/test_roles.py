"""The one permission table: every role against every permission, the cap on API keys, the
check every face calls (``ops.auth.authorize``) and the copy of the table in docs/api.md."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.core.errors import PermissionDenied
from workbench.model import Permission, Role, can, permissions_of, within
from workbench.ops.auth import Principal, authorize

pytestmark = pytest.mark.requirement("SEC-02")

DOC = Path(__file__).resolve().parents[3] / "docs" / "api.md"

P = Permission
# Written out from DESIGN.md's roles, not computed from the code under test.
EXPECTED = {
    Role.VIEWER: {P.READ_PORTFOLIO, P.READ_REPORTS},
    Role.ANALYST: {
        P.READ_PORTFOLIO,
        P.READ_REPORTS,
        P.READ_MARKET_DATA,
        P.RUN_ANALYSIS,
        P.RUN_BACKTESTS,
        P.WRITE_MARKET_DATA,
    },
    Role.TRADER: {
        P.READ_PORTFOLIO,
        P.READ_REPORTS,
        P.READ_MARKET_DATA,
        P.RUN_ANALYSIS,
        P.RUN_BACKTESTS,
        P.WRITE_MARKET_DATA,
        P.TRADE,
        P.MANAGE_ALERT_RULES,
    },
    Role.ADMIN: set(Permission),
}


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("permission", list(Permission))
def test_every_role_against_every_permission(role: Role, permission: Permission) -> None:
    expected = permission in EXPECTED[role]
    assert can(role, permission) is expected
    assert can(role.value, permission.value) is expected
    principal = Principal(user="someone", role=role, via="token")
    if expected:
        authorize(principal, permission)
    else:
        with pytest.raises(PermissionDenied, match=f"someone \\({role.value}\\) may not"):
            authorize(principal, permission)


def test_a_key_role_is_within_its_users_role_only_when_it_is_no_higher() -> None:
    order = [Role.VIEWER, Role.ANALYST, Role.TRADER, Role.ADMIN]
    for i, lower in enumerate(order):
        for j, upper in enumerate(order):
            assert within(lower, upper) is (i <= j)


def test_an_unknown_role_or_permission_is_an_error_not_a_no() -> None:
    with pytest.raises(ValueError, match="superuser"):
        can("superuser", Permission.TRADE)
    with pytest.raises(ValueError, match="fly"):
        can(Role.ADMIN, "fly")


def rbac_markdown() -> str:
    """The table docs/api.md carries, rendered from the code's table."""
    roles = list(Role)
    lines = [
        "| permission | " + " | ".join(r.value for r in roles) + " |",
        "|---|" + "---|" * len(roles),
    ]
    for permission in Permission:
        marks = ["yes" if permission in permissions_of(r) else "-" for r in roles]
        lines.append(f"| `{permission.value}` | " + " | ".join(marks) + " |")
    return "\n".join(lines)


def test_the_table_in_docs_api_md_is_the_code_table() -> None:
    text = DOC.read_text()
    start = text.index("<!-- rbac-table:start -->") + len("<!-- rbac-table:start -->")
    end = text.index("<!-- rbac-table:end -->")
    assert text[start:end].strip() == rbac_markdown(), (
        "docs/api.md's permission table differs from workbench.model.roles; paste:\n"
        + rbac_markdown()
    )
