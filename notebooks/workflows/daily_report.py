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
# # Daily report
#
# Writes the daily HTML report of a paper session: the account's performance against its
# benchmark, holdings against targets with the pending rebalance plan, execution (orders, fills,
# rejects, slippage), data quality and the alerts digest. The report is recorded in the ledger
# (`workbench report list`). Papermill runs it on a schedule with `run_id` and `out` as
# parameters; `workbench report generate daily` does the same from the command line.

# %% tags=["parameters"]
run_id = None  # a paper run id; None reports the latest paper session
out = None  # where to write the HTML; None writes under <home>/reports/
force = False  # replace a report already at out (never anything else)
summary_path = None  # papermill sets a path to record what was written

# %%
import json

import workbench
from workbench.ops import data as data_ops
from workbench.ops import report

wb = workbench.open()
if wb.data.is_empty():
    data_ops.load_sample(wb)

# %% [markdown]
# ## Write and record the report

# %%
made = report.daily_report(wb, run_id=run_id, out=out, force=force)
made.to_dict()

# %% [markdown]
# ## The reports recorded so far

# %%
[(r.id, r.kind, r.format, r.run_id, r.path) for r in report.reports(wb, limit=5)]

# %%
if summary_path:
    with open(summary_path, "w") as handle:
        json.dump(made.to_dict(), handle)
