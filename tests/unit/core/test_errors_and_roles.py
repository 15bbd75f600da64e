from __future__ import annotations

import pytest

from workbench.core import errors
from workbench.model import Permission, Role, can, permissions_of

pytestmark = pytest.mark.requirement("SEC-07")


def test_hierarchy_matches_the_design() -> None:
    assert issubclass(errors.ValidationError, errors.DataError)
    assert issubclass(errors.NotFound, errors.DataError)
    assert issubclass(errors.Retryable, errors.BrokerError)
    assert issubclass(errors.Fatal, errors.BrokerError)
    for name in errors.__all__:
        assert issubclass(getattr(errors, name), errors.WorkbenchError)


def test_hierarchy_is_drawn_in_the_module_docstring() -> None:
    assert errors.__doc__ is not None
    for name in errors.__all__:
        assert name in errors.__doc__


def test_errors_serialise_for_the_faces() -> None:
    error = errors.RiskRejected(
        "order notional 12,000 exceeds 10,000", rule="max_order_notional", limit=10000
    )
    assert error.to_dict() == {
        "error": "risk_rejected",
        "message": "order notional 12,000 exceeds 10,000",
        "rule": "max_order_notional",
        "limit": 10000,
    }
    assert errors.RateLimited("slow down", retry_after=2.5).retry_after == 2.5


@pytest.mark.parametrize(
    ("role", "allowed", "denied"),
    [
        (Role.VIEWER, Permission.READ_PORTFOLIO, Permission.READ_MARKET_DATA),
        (Role.ANALYST, Permission.RUN_BACKTESTS, Permission.TRADE),
        (Role.TRADER, Permission.TRADE, Permission.SET_TRADING_STATE),
        (Role.ADMIN, Permission.SET_TRADING_STATE, None),
    ],
)
def test_each_role_has_the_design_table_permissions(
    role: Role, allowed: Permission, denied: Permission | None
) -> None:
    assert can(role, allowed)
    if denied is not None:
        assert not can(role, denied)


def test_roles_are_nested() -> None:
    assert permissions_of("viewer") < permissions_of("analyst") < permissions_of("trader")
    assert permissions_of("trader") < permissions_of("admin")
    assert permissions_of(Role.ADMIN) == frozenset(Permission)


def test_an_overlong_value_is_cut_short_in_the_message() -> None:
    from workbench.core.errors import NotFound

    error = NotFound(f"no rule {'x' * 5000} here; path /tmp/a/b.csv")
    assert error.message == f"no rule {'x' * 80}… (5,000 characters) here; path /tmp/a/b.csv"
    assert str(error) == error.message
    path = "/" + "p" * 119
    assert NotFound(path).message == path
