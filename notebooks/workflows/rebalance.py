# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Workbench (Python 3.11)
#     language: python
#     name: workbench
# ---

# %% [markdown]
# # Rebalance
#
# Plans the orders that take the paper account to target weights (given, or from an allocation
# method over a universe), previews each through the risk gate, and submits them only when
# `submit` is true. As a job:
#
#     papermill notebooks/workflows/rebalance.ipynb out.ipynb -k workbench \
#         -p method hrp -y 'symbols: [AAPL, MSFT, JPM]' -p submit True

# %% tags=["parameters"]
symbols = ["AAPL", "MSFT", "JPM", "XOM"]  # the universe an allocation method weighs
method = "hrp"  # equal_weight, inverse_volatility, min_variance, max_sharpe, risk_parity, hrp
targets = None  # or weights by symbol, e.g. {"AAPL": 0.5, "MSFT": 0.5}, instead of a method
lookback = 252  # daily returns the method estimates on
drift_band = 0.0  # leave a position alone while its weight is this close to target
min_trade_value = 0.0  # skip orders smaller than this
cash_buffer = 0.01  # weight kept in cash
submit = False  # send the orders; False only plans and previews them
summary_path = None  # papermill sets a path to record the plan and what was sent

# %%
import json

import pandas as pd
import plotly.express as px

import workbench
from workbench.core.errors import ValidationError
from workbench.ops import allocation, trade
from workbench.ops import data as data_ops
from workbench.ops.portfolio import BookSpec

if not isinstance(submit, bool):  # papermill's -p gives text unless the value is True or False
    raise ValidationError(f"submit must be True or False, got {submit!r}")
wb = workbench.open()
if wb.data.is_empty():
    data_ops.load_sample(wb)
account = trade.account(wb)
{"account": account.account, "cash": str(account.cash), "equity": str(account.equity)}

# %% [markdown]
# ## Plan

# %%
planned = allocation.rebalance(
    wb,
    BookSpec(account=account.account),
    targets=targets,
    method=method,
    symbols=symbols,
    lookback=lookback,
    drift_band=drift_band,
    min_trade_value=min_trade_value,
    cash_buffer=cash_buffer,
)
plan = planned.plan.to_dict()
drift = pd.DataFrame(plan["drift"])
px.bar(
    drift,
    x="symbol",
    y=["current_weight", "target_weight"],
    barmode="group",
    title="Weights now and at target",
)

# %%
pd.DataFrame(plan["orders"])

# %% [markdown]
# ## Preview through the risk gate

# %%
requests = [trade.order_request(o.symbol, str(o.side), qty=str(o.qty)) for o in planned.plan.orders]
previews = [trade.preview(wb, request) for request in requests]
pd.DataFrame(
    [
        {
            "symbol": r.symbol,
            "side": str(r.side),
            "qty": str(r.qty),
            "approved": p.approved,
            "reason": p.reason,
        }
        for r, p in zip(requests, previews, strict=True)
    ]
)

# %% [markdown]
# ## Submit (only when `submit` is true)

# %%
sent = []
if submit:
    for request in requests:
        result = trade.submit(wb, request, actor="rebalance-notebook")
        sent.append(result.to_dict())
pd.DataFrame(sent)

# %%
if summary_path:
    with open(summary_path, "w") as handle:
        json.dump(
            {
                "account": account.account,
                "targets": {s: float(w) for s, w in planned.targets.items()},
                "orders": [
                    {"symbol": o.symbol, "side": str(o.side), "qty": str(o.qty)}
                    for o in planned.plan.orders
                ],
                "approved": [p.approved for p in previews],
                "submitted": sent,
            },
            handle,
            default=str,
        )
