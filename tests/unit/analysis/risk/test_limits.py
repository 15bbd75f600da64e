"""Drawdown and loss-limit checks, worked by hand."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

from workbench.analysis.risk import drawdown_limit_check, loss_limit_check
from workbench.core.errors import DataError, ValidationError

pytestmark = pytest.mark.requirement("ANA-03")


def test_drawdown_within_warning_and_breached() -> None:
    ok = drawdown_limit_check([100.0, 120.0, 114.0], max_drawdown=0.2)
    assert ok.value == pytest.approx(0.05)  # 114 / 120 - 1
    assert ok.utilisation == pytest.approx(0.25)
    assert not ok.breached and not ok.warning
    warning = drawdown_limit_check(pd.Series([100.0, 120.0, 100.0]), max_drawdown=0.2)
    assert warning.utilisation == pytest.approx(1 / 6 / 0.2) and warning.warning
    breached = drawdown_limit_check([100.0, 120.0, 96.0], max_drawdown=0.2)
    assert breached.breached and breached.utilisation == pytest.approx(1.0)
    assert breached.message == "drawdown limit breached: 20.00% of 20.00% (100% used)"


def test_loss_limit_relative_and_absolute() -> None:
    relative = loss_limit_check(
        start_equity=Decimal("100000"), current_equity=Decimal("98500"), max_loss=0.02
    )
    assert relative.value == pytest.approx(0.015) and relative.utilisation == pytest.approx(0.75)
    assert not relative.breached and not relative.warning
    money = loss_limit_check(
        start_equity=100_000, current_equity=97_000, max_loss=2_500, relative=False
    )
    assert money.breached and money.value == 3_000 and money.utilisation == pytest.approx(1.2)
    gain = loss_limit_check(start_equity=100, current_equity=110, max_loss=0.05)
    assert gain.utilisation == 0 and not gain.breached
    assert gain.to_dict()["breached"] is False


def test_bad_limits() -> None:
    with pytest.raises(ValidationError, match="must be positive"):
        drawdown_limit_check([1.0, 2.0], max_drawdown=-0.2)
    with pytest.raises(DataError, match="is empty"):
        drawdown_limit_check([], max_drawdown=0.2)
    with pytest.raises(DataError, match="stay positive"):
        drawdown_limit_check([1.0, 0.0], max_drawdown=0.2)
    with pytest.raises(ValidationError, match="warn_at"):
        loss_limit_check(start_equity=1, current_equity=1, max_loss=0.1, warn_at=2)
