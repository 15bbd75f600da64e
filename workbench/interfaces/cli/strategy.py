"""``workbench strategy``: list, show, backtest, optimize, walk-forward, results.

Each command parses its options, calls one function of ``ops.strategy`` and prints a Rich table,
or one JSON document with ``--json``. The engines (pandas, vectorbt, numba) are imported inside
the commands, so ``workbench --help`` stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from workbench.interfaces.cli._common import (
    JsonOption,
    console,
    emit,
    open_runtime,
    progress_bar,
)
from workbench.interfaces.cli._parse import ID_MAX, parse_date, parse_pairs, parse_symbols
from workbench.interfaces.cli._render import table

if TYPE_CHECKING:
    from workbench.ops.strategy import BacktestConfig

app = typer.Typer(no_args_is_help=True)

Name = Annotated[str, typer.Argument(help="A strategy name (see `list`) or module:attr.")]
Symbols = Annotated[str, typer.Option("--symbols", help="Comma-separated symbols.")]
Start = Annotated[str | None, typer.Option("--start", help="First date, YYYY-MM-DD (inclusive).")]
End = Annotated[str | None, typer.Option("--end", help="Last date, YYYY-MM-DD (inclusive).")]
Grid = Annotated[
    str, typer.Option("--grid", help="Ranges: fast=5:50:5,slow=20:200:10 (a|b lists).")
]
Cash = Annotated[float, typer.Option("--cash", help="Initial cash.")]
Fees = Annotated[float, typer.Option("--fees", help="Fee as a fraction of traded value.")]
PerShare = Annotated[float, typer.Option("--fee-per-share", help="Fee in cash per share.")]
Slippage = Annotated[float, typer.Option("--slippage", help="Fraction against each fill.")]
Execution = Annotated[str, typer.Option("--execution", help="next_open (default) or close.")]
Direction = Annotated[str, typer.Option("--direction", help="long, short or both.")]
Sizing = Annotated[str, typer.Option("--sizing", help="percent, value, shares or vol_target.")]
Size = Annotated[float | None, typer.Option("--size", help="Fraction, cash or shares per entry.")]
Stop = Annotated[float | None, typer.Option("--stop-loss", help="Fraction below entry.")]
Take = Annotated[float | None, typer.Option("--take-profit", help="Fraction above entry.")]
Trail = Annotated[float | None, typer.Option("--trailing-stop", help="Fraction below the peak.")]
Sharing = Annotated[bool, typer.Option(help="One cash balance for all symbols.")]
Benchmark = Annotated[str, typer.Option("--benchmark", help="Benchmark symbol ('' for none).")]
Objective = Annotated[str, typer.Option("--objective", help="Metric to rank by, e.g. sharpe.")]
Constraint = Annotated[
    list[str] | None, typer.Option("--constraint", help="Extra constraint, e.g. 'slow >= 3'.")
]
Workers = Annotated[int | None, typer.Option("--workers", help="Run on a Dask LocalCluster.")]
Scheduler = Annotated[
    str | None, typer.Option("--scheduler", help="Dask scheduler, e.g. tcp://host:8786.")
]
NoSave = Annotated[bool, typer.Option("--no-save", help="Do not store the result.")]


@app.command("list")
def list_strategies(as_json: JsonOption = False) -> None:
    """Every registered strategy."""
    from workbench.ops import strategy as ops

    found = ops.strategies(open_runtime())
    rows = [(s["name"], s["kind"], _params_text(s)) for s in found]
    emit(found, as_json, lambda _: table("Strategies", ["name", "kind", "defaults"], rows))


@app.command("show")
def show(name: Name, as_json: JsonOption = False) -> None:
    """A strategy's parameters (type, default, range) and constraints."""
    from workbench.ops import strategy as ops

    info = ops.show(open_runtime(), name)
    emit(info, as_json, _render_show)


@app.command("backtest")
def backtest(
    name: Name,
    symbols: Symbols,
    params: Annotated[str | None, typer.Option("--params", help="fast=10,slow=50")] = None,
    start: Start = None,
    end: End = None,
    cash: Cash = 100_000.0,
    fees: Fees = 0.0,
    fee_per_share: PerShare = 0.0,
    slippage: Slippage = 0.0,
    execution: Execution = "next_open",
    direction: Direction = "long",
    sizing: Sizing = "percent",
    size: Size = None,
    stop_loss: Stop = None,
    take_profit: Take = None,
    trailing_stop: Trail = None,
    cash_sharing: Sharing = True,
    benchmark: Benchmark = "^GSPC",
    no_save: NoSave = False,
    as_json: JsonOption = False,
) -> None:
    """Backtest a strategy on the lake's bars; the result is stored (see `results`)."""
    from workbench.ops import strategy as ops

    config = _config(locals())
    with progress_bar(not as_json):  # the first backtest of a process loads vectorbt
        result = ops.backtest(
            open_runtime(),
            name,
            parse_symbols(symbols),
            params=parse_pairs(params, "--params"),
            start=parse_date(start, "--start"),
            end=parse_date(end, "--end"),
            config=config,
            save=not no_save,
        )
    emit(result.to_dict(), as_json, _render_backtest)


@app.command("optimize")
def optimize(
    name: Name,
    symbols: Symbols,
    grid: Grid,
    objective: Objective = "sharpe",
    minimize: Annotated[bool, typer.Option("--minimize", help="Lower is better.")] = False,
    constraint: Constraint = None,
    separate: Annotated[bool, typer.Option(help="Each symbol its own portfolio.")] = False,
    start: Start = None,
    end: End = None,
    cash: Cash = 100_000.0,
    fees: Fees = 0.0,
    fee_per_share: PerShare = 0.0,
    slippage: Slippage = 0.0,
    execution: Execution = "next_open",
    direction: Direction = "long",
    workers: Workers = None,
    scheduler: Scheduler = None,
    memory_mb: Annotated[
        float, typer.Option(help="Memory per chunk of the grid, MB (more: faster, larger).")
    ] = 32.0,  # strategy.grid.DEFAULT_MEMORY_MB: the grid module is too heavy to import here
    no_save: NoSave = False,
    as_json: JsonOption = False,
) -> None:
    """Grid search over parameter ranges, ranked by an objective; stored with its table."""
    from workbench.ops import strategy as ops

    config = _config(locals())
    with progress_bar(not as_json) as progress:
        result = ops.optimize(
            open_runtime(),
            name,
            parse_symbols(symbols),
            parse_pairs(grid, "--grid"),
            start=parse_date(start, "--start"),
            end=parse_date(end, "--end"),
            config=config,
            objective=objective,
            maximize=False if minimize else None,
            constraints=constraint or [],
            separate=separate,
            workers=workers,
            scheduler=scheduler,
            memory_mb=memory_mb,
            save=not no_save,
            progress=progress,
        )
    emit(result.to_dict(), as_json, _render_grid)


@app.command("walk-forward")
def walk_forward(
    name: Name,
    symbols: Symbols,
    grid: Grid,
    train: Annotated[int, typer.Option(help="Bars in each in-sample window.")] = 504,
    test: Annotated[int, typer.Option(help="Bars in each out-of-sample window.")] = 126,
    anchored: Annotated[bool, typer.Option(help="In-sample always from the start.")] = False,
    objective: Objective = "sharpe",
    constraint: Constraint = None,
    start: Start = None,
    end: End = None,
    cash: Cash = 100_000.0,
    fees: Fees = 0.0,
    fee_per_share: PerShare = 0.0,
    slippage: Slippage = 0.0,
    execution: Execution = "next_open",
    direction: Direction = "long",
    workers: Workers = None,
    scheduler: Scheduler = None,
    no_save: NoSave = False,
    as_json: JsonOption = False,
) -> None:
    """Optimise in-sample, trade out-of-sample, window after window; stored."""
    from workbench.ops import strategy as ops

    config = _config(locals())
    with progress_bar(not as_json) as progress:
        result = ops.walk_forward(
            open_runtime(),
            name,
            parse_symbols(symbols),
            parse_pairs(grid, "--grid"),
            train=train,
            test=test,
            anchored=anchored,
            start=parse_date(start, "--start"),
            end=parse_date(end, "--end"),
            config=config,
            objective=objective,
            constraints=constraint or [],
            workers=workers,
            scheduler=scheduler,
            save=not no_save,
            progress=progress,
        )
    emit(result.to_dict(), as_json, _render_walk_forward)


@app.command("results")
def results(
    run_id: Annotated[
        int | None,
        typer.Argument(help="A run id; without it, the latest runs.", min=1, max=ID_MAX),
    ] = None,
    trades: Annotated[bool, typer.Option("--trades", help="The backtest's trades.")] = False,
    orders: Annotated[bool, typer.Option("--orders", help="The backtest's orders.")] = False,
    limit: Annotated[
        int, typer.Option("--limit", min=1, help="At most this many trades or orders.")
    ] = 50,
    as_json: JsonOption = False,
) -> None:
    """A stored result by id, or the list of stored runs; --trades or --orders lists a
    backtest's trades or orders (the first --limit of them)."""
    from workbench.ops import strategy as ops

    if trades or orders:
        if trades and orders:
            raise typer.BadParameter("give --trades or --orders, not both")
        if run_id is None:
            raise typer.BadParameter("--trades and --orders need a run id")
        which = "trades" if trades else "orders"
        records = ops.run_records(open_runtime(), run_id, which, limit=limit)
        emit(records, as_json, _render_records)
        return
    if run_id is None:
        found = ops.runs(open_runtime())
        rows = [
            (r["run_id"], r["kind"], r["strategy"], r["status"], r["started_at"]) for r in found
        ]
        columns = ["run", "kind", "strategy", "status", "started"]
        emit(found, as_json, lambda _: table("Runs", columns, rows))
        return
    result = ops.results(open_runtime(), run_id)
    renderers = {"BacktestResult": _render_backtest, "GridResult": _render_grid}
    emit(result.to_dict(), as_json, renderers.get(type(result).__name__, _render_walk_forward))


def _config(options: dict[str, Any]) -> BacktestConfig:
    """The backtest settings among a command's options (only those it has)."""
    from workbench.ops.strategy import BacktestConfig, Sizing

    names = {
        "cash": "initial_cash",
        "fees": "fees",
        "fee_per_share": "fee_per_share",
        "slippage": "slippage",
        "execution": "execution",
        "direction": "direction",
        "stop_loss": "stop_loss",
        "take_profit": "take_profit",
        "trailing_stop": "trailing_stop",
        "cash_sharing": "cash_sharing",
        "benchmark": "benchmark",
    }
    values = {field: options[option] for option, field in names.items() if option in options}
    if "benchmark" in values:
        values["benchmark"] = values["benchmark"] or None
    if "sizing" in options:
        values["sizing"] = Sizing(method=options["sizing"], size=options["size"])
    return BacktestConfig(**values)


def _params_text(info: dict[str, Any]) -> str:
    return ", ".join(f"{p['name']}={p['default']}" for p in info["params"])


def _render_show(info: dict[str, Any]) -> None:
    console.print(f"[bold]{info['name']}[/] ({info['kind']}): {info['summary']}")
    rows = [(p["name"], p["kind"], p["default"], _range(p), p["help"]) for p in info["params"]]
    table("Parameters", ["name", "kind", "default", "range", "help"], rows)
    for constraint in info["constraints"]:
        console.print(f"constraint: {constraint}")


def _range(param: dict[str, Any]) -> str:
    if param["choices"]:
        return "|".join(param["choices"])
    low, high = param["min"], param["max"]
    return "" if low is None and high is None else f"{low}..{high}"


def _render_backtest(payload: dict[str, Any]) -> None:
    stats = payload["stats"]
    shown = ", ".join(f"{k}={v}" for k, v in payload["params"].items())
    console.print(f"[bold]{payload['strategy']}[/]({shown}) on {', '.join(payload['symbols'])}")
    figures = ["total_return", "cagr", "annual_volatility", "sharpe", "sortino", "max_drawdown"]
    rows = [(name, stats[name]) for name in figures]
    rows += [("final_equity", payload["final_equity"]), ("trades", payload["trades"])]
    rows += [("warm-up bars", f"{payload['warmup_bars']} (needs {payload['warmup_needed']})")]
    table(f"{payload['start'][:10]} .. {payload['end'][:10]}", ["figure", "value"], rows)
    if payload.get("warmup_note"):
        console.print(f"[yellow]note:[/] {payload['warmup_note']}")
    _saved(payload)


def _render_records(payload: dict[str, Any]) -> None:
    """The records in a table narrow enough for a terminal (--json has every column)."""
    if payload["table"] == "trades":
        shorts = any(r["direction"] != "long" for r in payload["rows"])
        columns = ["symbol", "entry", "price", "exit", "price", "pnl", "return"]
        rows = [
            [
                r["symbol"],
                _day(r["entry_time"]),
                _number(r["entry_price"]),
                _day(r["exit_time"]) or "open",
                _number(r["exit_price"]) if r["status"] == "closed" else "",
                f"{r['pnl']:,.0f}" if isinstance(r["pnl"], float) else "",
                f"{r['return']:+.1%}" if isinstance(r["return"], float) else "",
                *([r["direction"]] if shorts else []),
            ]
            for r in payload["rows"]
        ]
        columns += ["side"] if shorts else []
    else:
        columns = ["date", "symbol", "side", "qty", "price", "fee", "reason"]
        rows = [
            [_day(r["timestamp"]), r["symbol"], r["side"]]
            + [_number(r[k]) for k in ("qty", "price", "fee")]
            + [r["reason"]]
            for r in payload["rows"]
        ]
    title = f"Run {payload['run_id']}: {payload['table']} ({payload['total']})"
    table(title, columns, rows)
    if payload["more"]:
        console.print(
            f"{payload['more']} more {payload['table']}: --limit {payload['total']} shows all"
        )


def _render_grid(payload: dict[str, Any]) -> None:
    top, objective = payload["top"], payload["objective"]
    params = list(payload["best_params"])
    columns = ["combo", *params, *dict.fromkeys([objective, "total_return", "max_drawdown"])]
    rows = [[row[c] for c in [*columns, "orders"]] for row in top]
    table(f"{payload['strategy']}: top by {objective}", [*columns, "orders"], rows)
    console.print(
        f"best: {payload['best_params']} ({payload['objective']} {payload['best_value']:.4g})"
    )
    fit = payload.get("overfitting")
    if fit:
        console.print(
            f"deflated Sharpe {_figure(fit['deflated_sharpe'])}, PBO {_figure(fit['pbo'])}"
        )
    _saved(payload)


def _render_walk_forward(payload: dict[str, Any]) -> None:
    rows = [
        (w["window"], w["test_start"][:10], w["test_end"][:10], w["in_sample"], w["out_of_sample"])
        for w in payload["windows"]
    ]
    columns = ["window", "test from", "test to", "in-sample", "out-of-sample"]
    table(f"{payload['strategy']} walk-forward ({payload['objective']})", columns, rows)
    console.print(f"efficiency (out / in): {payload['efficiency']}")
    _saved(payload)


def _saved(payload: dict[str, Any]) -> None:
    if payload.get("run_id") is not None:
        console.print(
            f"saved as run {payload['run_id']}: workbench strategy results {payload['run_id']}"
        )
        if "orders" in payload and "closed_trades" in payload:  # a backtest
            console.print(
                f"its trades and orders: workbench strategy results {payload['run_id']} "
                "--trades | --orders"
            )


def _day(stamp: object) -> str:
    return str(stamp)[:10] if stamp else ""


def _number(value: object) -> str:
    return f"{value:,.2f}" if isinstance(value, int | float) else ""


def _figure(value: object) -> str:
    """A probability or ratio to three places; n/a where it could not be computed."""
    return f"{value:.3f}" if isinstance(value, float) else "n/a"
