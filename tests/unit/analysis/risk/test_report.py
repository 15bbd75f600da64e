"""The whole risk report of a 60-name book: its parts agree with each other and serialise."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from workbench.analysis.risk import Shock, risk_report

pytestmark = pytest.mark.requirement("ANA-03")


def test_risk_report_of_a_60_name_book(
    close: pd.DataFrame, volume: pd.DataFrame, symbol_table: pd.DataFrame
) -> None:
    quantities = pd.Series(100.0, index=close.columns)
    report = risk_report(
        quantities,
        close,
        cash=50_000,
        volumes=volume,
        symbol_table=symbol_table,
        lookback=500,
        shocks=[Shock("all -10%", everything=-0.1), Shock("energy -20%", sectors={"Energy": -0.2})],
    )
    values = (quantities * close.iloc[-1]).to_numpy()
    assert report.equity == pytest.approx(values.sum() + 50_000, rel=1e-12)
    assert report.portfolio.positions["component_var"].sum() == pytest.approx(
        report.portfolio.var, rel=1e-12
    )
    # the VaR table is of today's book over the last 500 returns
    history = close.iloc[-501:].to_numpy()
    book = (history[1:] / history[:-1] - 1) @ values / report.equity
    historical = report.var.loc[("historical", 0.95)]
    assert historical["var"] == pytest.approx(-np.quantile(book, 0.05), rel=1e-9)
    assert historical["var_amount"] == pytest.approx(historical["var"] * report.equity)
    assert report.exposure.by_sector is not None and len(report.exposure.by_sector) == 8
    assert report.liquidity is not None and len(report.liquidity) == 60
    names = [result.scenario for result in report.stress]
    assert names[-2:] == ["all -10%", "energy -20%"] and len(names) == 5
    assert report.stress[-2].pnl == pytest.approx(-0.1 * values.sum(), rel=1e-12)
    json.dumps(report.to_dict())
