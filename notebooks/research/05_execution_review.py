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
# # Execution review
#
# A replayed paper run of a strategy (its own paper book and ledger account, through the risk
# gate, the OMS and the paper broker), its orders and fills, its equity, and its parity with the
# backtest of the same strategy over the same sessions: what differs, and why.

# %% tags=["parameters"]
strategy = "momentum_rotation"
symbols = ["AAPL", "MSFT", "AMZN", "JPM", "XOM", "JNJ", "WMT", "PG"]
params = {"top": 3, "lookback": 63, "skip": 5, "rebalance": "weekly"}
sessions = 20  # the last sessions of the stock panel to replay
summary_path = None  # papermill sets a path to record what the notebook saw

# %%
import json

import pandas as pd
import plotly.express as px
from tqdm.auto import tqdm

import workbench
from workbench.ops import data as data_ops
from workbench.ops import parity as parity_ops
from workbench.ops import trade, trade_runs

wb = workbench.open()
if wb.data.is_empty():
    data_ops.load_sample(wb)

# %% [markdown]
# ## The paper run

# %%
bar = tqdm(total=sessions, desc="replaying sessions")
run = trade_runs.paper_run(
    wb,
    strategy,
    symbols,
    params=params,
    sessions=sessions,
    on_session=lambda session, step, point: bar.update(1),
)
bar.close()
{k: v for k, v in run.to_dict().items() if k not in ("positions", "executions", "equity")}

# %%
equity = pd.Series({session: float(value) for session, value, *_ in run.equity}, name="equity")
px.line(equity, title=f"Paper run {run.run_id}: equity by session")

# %% [markdown]
# ## Orders and fills

# %%
orders = pd.DataFrame([o.to_dict() for o in trade.orders(wb, run_id=run.run_id, limit=500)])
orders.head(20)

# %%
fills = pd.DataFrame([f.to_dict() for f in trade.fills(wb, run_id=run.run_id)])
fills.head(20)

# %% [markdown]
# ## Parity with the backtest
#
# The backtest runs the same strategy and parameters over the same bars with the paper fill
# model's cost; what remains is explained line by line.

# %%
compared = parity_ops.parity(wb, run.run_id)
compared.explanations

# %%
pd.DataFrame(compared.tables()["equity"])

# %%
if summary_path:
    with open(summary_path, "w") as handle:
        json.dump(
            {
                "run_id": run.run_id,
                "sessions": run.sessions,
                "orders": run.orders,
                "fills": run.fills,
                "final_equity": str(run.final_equity),
                "fill_rows": len(fills),
                "paper_final": compared.paper_final,
                "backtest_final": compared.backtest_final,
                "signals_agree": compared.signals_agree,
            },
            handle,
        )
