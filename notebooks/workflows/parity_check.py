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
# # Parity check
#
# Compares a paper (or live) run with the backtest of the same strategy over the same bars:
# signals, trades and equity, with each difference explained (whole shares, partial fills,
# rejections). Give `run_id` to check a run that exists; without it the notebook first replays
# a short paper run. As a job:
#
#     papermill notebooks/workflows/parity_check.ipynb out.ipynb -k workbench -p run_id 3

# %% tags=["parameters"]
run_id = None  # a paper or live run; None replays a new paper run of the strategy below
strategy = "momentum_rotation"
symbols = ["AAPL", "MSFT", "AMZN", "JPM", "XOM", "JNJ"]
params = {"top": 2, "lookback": 63, "skip": 5, "rebalance": "weekly"}
sessions = 20
tolerance = 0.01  # the largest final-equity difference, as a fraction, that passes
summary_path = None  # papermill sets a path to record the comparison

# %%
import json

import pandas as pd
import plotly.express as px

import workbench
from workbench.ops import data as data_ops
from workbench.ops import parity as parity_ops
from workbench.ops import trade_runs

wb = workbench.open()
if wb.data.is_empty():
    data_ops.load_sample(wb)
if run_id is None:
    run_id = trade_runs.paper_run(wb, strategy, symbols, params=params, sessions=sessions).run_id
run_id

# %% [markdown]
# ## Compare

# %%
compared = parity_ops.parity(wb, int(run_id))
difference = compared.final_difference / compared.backtest_final
{
    "sessions": compared.sessions,
    "signals_agree": compared.signals_agree,
    "paper_final": compared.paper_final,
    "backtest_final": compared.backtest_final,
    "difference": difference,
    "within_tolerance": abs(difference) <= tolerance,
}

# %%
compared.explanations

# %%
equity = pd.DataFrame(compared.tables()["equity"])
px.line(equity, x="session", y=["paper", "backtest"], title=f"Run {run_id}: paper and backtest")

# %%
pd.DataFrame(compared.tables()["trades"])

# %%
if summary_path:
    with open(summary_path, "w") as handle:
        json.dump(
            {**compared.to_dict(), "within_tolerance": abs(difference) <= tolerance},
            handle,
            default=str,
        )
