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
# # Daily pipeline
#
# The day's job, step by step: load (or refresh) data, validate it, analyse the universe, take
# the strategy's signals, pass its orders through the risk gate, trade a replayed paper run,
# evaluate the monitoring rules over the run's sessions, and write the daily report with the
# run's backtest parity. On the embedded default (bundled data, SQLite ledger, paper broker):
#
#     papermill notebooks/workflows/daily_pipeline.ipynb out.ipynb -k workbench

# %% tags=["parameters"]
symbols = None  # None: the daily job's twelve large caps (workbench.ops.daily.DAILY_SYMBOLS)
strategy = "momentum_rotation"
params = None  # None: the daily job's parameters (weekly rotation into the three strongest)
sessions = 126  # sessions the paper run replays: about six months of the sample
refresh = False  # fetch what the lake lacks from the configured source before validating
rules = [  # monitoring rules, added when missing, then replayed over the run's sessions
    {
        "name": "aapl-rsi-overbought",
        "kind": "indicator",
        "scope": "AAPL",
        "params": {"indicator": "RSI", "timeperiod": 14, "op": ">", "value": 70},
    },
    {"name": "msft-below-80", "kind": "price_below", "scope": "MSFT", "params": {"level": 80}},
]
out = None  # where to write the daily HTML report; None writes under <home>/reports/
summary_path = None  # papermill sets a path to record what the pipeline did

# %%
import json
from datetime import date

import pandas as pd
import plotly.express as px
from tqdm.auto import tqdm

import workbench
from workbench.core.errors import DataError
from workbench.ops import analysis, monitor, report, trade, trade_runs
from workbench.ops import daily as daily_ops
from workbench.ops import data as data_ops
from workbench.ops import parity as parity_ops

wb = workbench.open()
universe = list(symbols or daily_ops.DAILY_SYMBOLS)
chosen = dict(params or daily_ops.DAILY_PARAMS)

# %% [markdown]
# ## 1. Load or refresh data

# %%
loaded = 0
if wb.data.is_empty():
    loaded = data_ops.load_sample(wb).written
if refresh:
    last_session = wb.last_replay_session()
    data_ops.fetch(wb, universe, date(last_session.year - 1, 1, 1), last_session)
coverage = data_ops.coverage(wb, "bars_1d")
coverage[coverage["symbol"].isin(universe)]

# %% [markdown]
# ## 2. Validate
#
# The lake's quality rules over the universe; an error stops the pipeline here.

# %%
quality = data_ops.quality(wb, "bars_1d", universe)
if quality.errors:
    raise DataError(
        "the universe's bars fail validation: "
        + "; ".join(issue.message for issue in quality.errors)
    )
[(issue.rule, issue.severity, issue.count) for issue in quality.issues]

# %% [markdown]
# ## 3. Analyse
#
# Buy and hold of each symbol over the last year, against the benchmark.

# %%
end = wb.last_replay_session()
performance = analysis.performance(wb, universe, start=date(end.year - 1, end.month, 1), end=end)
overview = pd.DataFrame(
    {
        subject: {
            "total_return": s.total_return,
            "volatility": s.annual_volatility,
            "sharpe": s.sharpe,
            "max_drawdown": s.max_drawdown,
        }
        for subject, s in performance.summaries.items()
    }
).T
px.bar(overview.reset_index(), x="index", y="total_return", title="Total return, last year")

# %% [markdown]
# ## 4. Signals
#
# What the strategy would send now on the paper account (a dry run: nothing is sent).

# %%
decision = trade_runs.dry_run(wb, strategy, universe, params=chosen).to_dict()
decision["orders"]

# %% [markdown]
# ## 5. Risk gate
#
# Each of those orders previewed through the risk gate: every check, and the rule that refuses.

# %%
gate = []
for order in decision["orders"]:
    verdict = trade.preview(
        wb,
        trade.order_request(order["symbol"], order["side"], qty=order["qty"]),
        strategy=strategy,
    )
    gate.append(
        {
            "symbol": order["symbol"],
            "side": order["side"],
            "qty": order["qty"],
            "approved": verdict.approved,
            "reason": verdict.reason,
        }
    )
pd.DataFrame(gate, columns=["symbol", "side", "qty", "approved", "reason"])

# %% [markdown]
# ## 6. Paper orders
#
# A replayed paper run over the last `sessions` sessions: its own paper book and ledger
# account, every order through the risk gate, the OMS and the paper broker.

# %%
bar = tqdm(total=sessions, desc="paper run")
run = trade_runs.paper_run(
    wb,
    strategy,
    universe,
    params=chosen,
    sessions=sessions,
    actor="daily-pipeline",
    on_session=lambda session, step, point: bar.update(1),
)
bar.close()
equity = pd.Series({row[0]: float(row[1]) for row in run.equity}, name="equity")
px.line(equity, title=f"Paper run {run.run_id}: equity")

# %% [markdown]
# ## 7. Monitoring rules
#
# The rules, added when missing, replayed over the run's sessions (a dry run: no alert is
# stored or sent).

# %%
known = {rule.name for rule in monitor.list_rules(wb)}
for rule in rules:
    if rule["name"] not in known:
        monitor.add_rule(
            wb,
            name=rule["name"],
            kind=rule["kind"],
            params=rule["params"],
            scope=rule.get("scope"),
            severity=rule.get("severity", "warning"),
        )
first_session, last_session = date.fromisoformat(run.start), date.fromisoformat(run.end)
evaluated = {
    rule["name"]: monitor.dry_run_rule(wb, rule["name"], start=first_session, end=last_session)
    for rule in rules
}
{name: len(result.alerts) for name, result in evaluated.items()}

# %% [markdown]
# ## 8. Reports
#
# The run's parity with its backtest, and the daily HTML report (recorded in the ledger).

# %%
compared = parity_ops.parity(wb, run.run_id)
made = report.daily_report(
    wb,
    run_id=run.run_id,
    out=out,
    extra_tables=parity_ops.parity_tables(compared),
    extra_notes=compared.explanations,
)
compared.explanations + [made.path]

# %%
if summary_path:
    with open(summary_path, "w") as handle:
        json.dump(
            {
                "loaded": loaded,
                "symbols": universe,
                "quality_errors": len(quality.errors),
                "signal_orders": len(decision["orders"]),
                "gate": gate,
                "run": {k: v for k, v in run.to_dict().items() if k != "executions"},
                "alerts": {name: len(result.alerts) for name, result in evaluated.items()},
                "parity": {
                    "paper_final": compared.paper_final,
                    "backtest_final": compared.backtest_final,
                    "explanations": compared.explanations,
                },
                "report": made.to_dict(),
            },
            handle,
            default=str,
        )
