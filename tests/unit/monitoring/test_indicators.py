"""The incremental indicators give the batch (TA-Lib) values, one price at a time."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.analysis.indicators import compute_indicator
from workbench.core.errors import ValidationError
from workbench.monitoring import make_indicator

pytestmark = pytest.mark.requirement("MON-01")


@pytest.mark.parametrize(("name", "period"), [("RSI", 14), ("RSI", 5), ("SMA", 10), ("EMA", 12)])
def test_incremental_matches_batch(name: str, period: int) -> None:
    rng = np.random.default_rng(3)
    closes = pd.Series(100 * np.exp(np.cumsum(rng.normal(0, 0.01, 300))), name="close")
    expected = compute_indicator(closes, name, {"timeperiod": period}).iloc[:, 0].to_numpy()
    indicator = make_indicator(name, {"timeperiod": period})
    got = np.array([np.nan if (v := indicator.update(float(c))) is None else v for c in closes])
    assert np.isnan(got).sum() == np.isnan(expected).sum()
    np.testing.assert_allclose(got, expected, rtol=1e-9, equal_nan=True)


def test_unknown_indicator_or_parameter_is_refused() -> None:
    with pytest.raises(ValidationError, match="unknown indicator 'MACD'"):
        make_indicator("MACD", {})
    with pytest.raises(ValidationError, match="takes only timeperiod"):
        make_indicator("RSI", {"fast": 3})
