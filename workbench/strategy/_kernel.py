"""The one compiled loop of the strategy engine: signals -> target orders, with stops.

vectorbt's ``from_signals`` sizes an entry from cash, not equity, and cannot size by volatility;
its ``from_orders`` with target sizes can, but knows no stops. So this loop walks each column
once, turns the signals decided at bar ``d`` into a target position at bar ``d + lag`` (lag 1:
the next bar's open; lag 0: this bar's close), and, while a position is open, checks the stop
loss, trailing stop and take profit against each later bar's open, low and high. Its output
(one target and one price per order, NaN elsewhere) goes to ``Portfolio.from_orders``, which
does all the accounting.

Conventions, the same as vectorbt's stops: a stop is first checked on the bar after the entry
bar; a gap through the stop fills at the open; the stop loss and trailing stop are checked
before the take profit; the trailing peak is updated with a bar's high only after that bar's
checks. With lag 0, a stop that fires during a bar wins over a signal at its close.

Compiled with ``cache=True``: the machine code lands in ``NUMBA_CACHE_DIR`` (set by
``workbench.strategy._vbt`` before numba loads), so only the first process ever compiles it.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["NO_CHANGE", "REASONS", "plan_signal_orders"]

NO_CHANGE = 2
#: reason codes in the plan; the sign of a code is the order's side (+ buy, - sell)
REASONS = {1: "signal", 2: "stop_loss", 3: "take_profit", 4: "trailing_stop"}


@njit(cache=True)
def _target(state, le, lx, se, sx):  # type: ignore[no-untyped-def]
    """The position a set of signals asks for, given the current one (NO_CHANGE for none)."""
    if le and lx:  # contradictory long signals cancel, as vectorbt's default conflict mode
        le = lx = False
    if se and sx:
        se = sx = False
    if le and se:
        return NO_CHANGE
    if le:
        return 1
    if se:
        return -1
    if (lx and state == 1) or (sx and state == -1):
        return 0
    return NO_CHANGE


@njit(cache=True)
def plan_signal_orders(  # type: ignore[no-untyped-def]
    long_entry,  # bool (T, K)
    long_exit,
    short_entry,
    short_exit,
    present,  # bool (4,): which of the four arrays mean anything (the others are dummies)
    symbol_of,  # int64 (K,): column of the price arrays each signal column trades
    magnitude,  # float (T, S): target size for an entry decided at that bar (NaN: no entry)
    exec_price,  # float (T, S): where signal orders fill (open or close)
    open_,
    high,
    low,
    lag,  # 1 = decide at the close, fill at the next open; 0 = fill at the same close
    stops,  # float (3,): stop loss, take profit, trailing stop as fractions; NaN disables
    slippage,
    size_out,  # float (T, K): signed target, NaN for no order
    price_out,  # float (T, K)
    reason_out,  # int8 (T, K): REASONS code times the side, 0 for no order
):
    n_rows, n_cols = size_out.shape
    for col in range(n_cols):
        s = symbol_of[col]
        state = 0
        pending = False
        p_le = p_lx = p_se = p_sx = False
        p_mag = np.nan
        ref = np.nan  # fill price of the open position
        peak = np.nan  # best price since entry, for the trailing stop
        entry_row = -1
        for i in range(n_rows):
            size_out[i, col] = np.nan
            price_out[i, col] = np.nan
            reason_out[i, col] = 0
            d = i - lag
            if d >= 0:
                le = present[0] and long_entry[d, col]
                lx = present[1] and long_exit[d, col]
                se = present[2] and short_entry[d, col]
                sx = present[3] and short_exit[d, col]
                if le or lx or se or sx:  # a new decision replaces one still waiting for a price
                    p_le, p_lx, p_se, p_sx = le, lx, se, sx
                    p_mag = magnitude[d, s]
                    pending = True
            watching = state != 0 and i > entry_row
            if lag == 0 and watching:  # intrabar stops come before this bar's close
                fill, why = _stop_fill(state, ref, peak, stops, open_[i, s], high[i, s], low[i, s])
                if why:
                    size_out[i, col], price_out[i, col] = 0.0, fill
                    reason_out[i, col] = -why * state  # closing a long sells, a short buys
                    state, pending, watching = 0, False, False
            px = exec_price[i, s]
            if pending and reason_out[i, col] == 0 and np.isfinite(px) and px > 0:
                pending = False
                target = _target(state, p_le, p_lx, p_se, p_sx)
                sized = target == 0 or (np.isfinite(p_mag) and p_mag > 0)
                if target != NO_CHANGE and target != state and sized:
                    size_out[i, col] = target * p_mag if target != 0 else 0.0
                    price_out[i, col] = px
                    reason_out[i, col] = 1 if target > state else -1
                    state, watching = target, False
                    if state != 0:
                        ref = px * (1.0 + slippage * state)
                        peak = ref
                        entry_row = i
            if lag == 1 and watching and reason_out[i, col] == 0:
                fill, why = _stop_fill(state, ref, peak, stops, open_[i, s], high[i, s], low[i, s])
                if why:
                    size_out[i, col], price_out[i, col] = 0.0, fill
                    reason_out[i, col] = -why * state
                    state, watching = 0, False
            if watching:  # the peak moves only after this bar's checks
                if state == 1 and high[i, s] > peak:
                    peak = high[i, s]
                elif state == -1 and low[i, s] < peak:
                    peak = low[i, s]


@njit(cache=True)
def _stop_fill(state, ref, peak, stops, o, h, lo):  # type: ignore[no-untyped-def]
    """(fill price, REASONS code) of the stop a bar hits, or (NaN, 0)."""
    if not (np.isfinite(o) and np.isfinite(h) and np.isfinite(lo)):
        return np.nan, 0
    level, why = np.nan, 0
    if not np.isnan(stops[0]):
        level, why = ref * (1.0 - stops[0] * state), 2
    if not np.isnan(stops[2]):
        trail = peak * (1.0 - stops[2] * state)
        # the tighter of the two: higher for a long, lower for a short
        if why == 0 or (trail - level) * state > 0:
            level, why = trail, 4
    if why != 0:
        fill = _touch(state, level, o, h, lo, True)
        if not np.isnan(fill):
            return fill, why
    if not np.isnan(stops[1]):
        fill = _touch(state, ref * (1.0 + stops[1] * state), o, h, lo, False)
        if not np.isnan(fill):
            return fill, 3
    return np.nan, 0


@njit(cache=True)
def _touch(state, level, o, h, lo, against):  # type: ignore[no-untyped-def]
    """Where a bar reaches ``level``: the open if it gapped through, the level if the range
    touched it, NaN if not. ``against`` is a move against the position (a stop loss)."""
    falling = (state == 1) == against
    if falling:
        return o if o <= level else (level if lo <= level else np.nan)
    return o if o >= level else (level if h >= level else np.nan)
