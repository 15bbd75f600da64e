"""The role a dashboard acts with: configured, lowered by the page, never raised; a role
without trade is refused before any order is built."""

from __future__ import annotations

import pytest

from workbench.core.errors import PermissionDenied, ValidationError
from workbench.model import Role
from workbench.notebook import dashboard_role, frame_of, may_trade, metrics_html, submit_orders
from workbench.notebook.dashboard import OrderOutcome

pytestmark = pytest.mark.requirement("INT-07")


def test_the_role_defaults_to_viewer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WB_DASHBOARD_ROLE", raising=False)
    assert dashboard_role(query="") is Role.VIEWER


def test_the_environment_names_the_role_and_the_parameter_wins(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WB_DASHBOARD_ROLE", "Trader")
    assert dashboard_role(query="") is Role.TRADER
    assert dashboard_role("analyst", query="") is Role.ANALYST


def test_a_page_may_lower_its_role_but_never_raise_it() -> None:
    assert dashboard_role("trader", query="role=viewer") is Role.VIEWER
    assert dashboard_role("viewer", query="role=admin") is Role.VIEWER
    assert dashboard_role("trader", query="x=1&role=trader") is Role.TRADER


def test_an_unknown_role_names_the_roles() -> None:
    with pytest.raises(ValidationError, match="unknown dashboard role 'boss'; roles: viewer"):
        dashboard_role("boss", query="")
    with pytest.raises(ValidationError, match="'root'"):
        dashboard_role("trader", query="role=root")


def test_only_trading_roles_may_submit() -> None:
    assert [may_trade(r) for r in Role] == [r in (Role.TRADER, Role.ADMIN) for r in Role]
    with pytest.raises(PermissionDenied, match="role viewer may not trade"):
        submit_orders(None, [], role=Role.VIEWER, actor="test")  # type: ignore[arg-type]


def test_figures_carry_their_exact_values() -> None:
    from decimal import Decimal

    shown = metrics_html({"equity": Decimal("1234.5"), "role": "<b>"})
    assert 'data-key="equity" data-value="1234.5"' in shown and "1,234.50" in shown
    assert "&lt;b&gt;" in shown and "<b>" not in shown
    frame = frame_of([OrderOutcome("AAPL", "buy", Decimal("3"), True, "filled", 7)])
    assert frame.loc[0, "qty"] == 3.0 and frame.loc[0, "order_id"] == 7
