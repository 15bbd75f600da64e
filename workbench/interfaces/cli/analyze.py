"""``workbench analyze``: indicators, performance, risk, stress, allocation and rebalancing.

Each command parses its options, calls one function of ``ops.analysis``, ``ops.portfolio`` or
``ops.allocation`` and prints a Rich table, or one JSON document with ``--json``. pandas and
the engines are imported inside the commands, so ``workbench --help`` stays light.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from workbench.interfaces.cli import _render_analysis as _view
from workbench.interfaces.cli._common import JsonOption, emit, open_runtime, progress_bar
from workbench.interfaces.cli._parse import parse_date, parse_pairs, parse_symbols

app = typer.Typer(no_args_is_help=True)

Start = Annotated[str | None, typer.Option("--start", help="First date, YYYY-MM-DD (inclusive).")]
End = Annotated[str | None, typer.Option("--end", help="Last date, YYYY-MM-DD (inclusive).")]
Symbols = Annotated[str | None, typer.Option("--symbols", help="Comma-separated symbols.")]
Portfolio = Annotated[
    bool, typer.Option("--portfolio", help="The ledger's positions and cash (see --account).")
]
Weights = Annotated[
    str | None, typer.Option("--weights", help="A book as weights of --value: AAPL=0.5,MSFT=0.5.")
]
Quantities = Annotated[
    str | None, typer.Option("--quantities", help="A book as shares: AAPL=100,MSFT=-20.")
]
Value = Annotated[
    float | None,
    typer.Option("--value", help="Money the --weights are of (default 1,000,000), or a SYMBOL's."),
]
Cash = Annotated[float | None, typer.Option("--cash", help="Cash beside --quantities.")]
Account = Annotated[str | None, typer.Option("--account", help="Ledger account, if several.")]
Lookback = Annotated[int | None, typer.Option("--lookback", help="Use the last N daily returns.")]
MaxWeight = Annotated[float, typer.Option("--max-weight", help="Cap on each weight.")]
MinWeight = Annotated[float, typer.Option("--min-weight", help="Floor on each weight.")]
SectorCap = Annotated[
    float | None, typer.Option("--max-sector-weight", help="Cap on each sector's total weight.")
]


@app.command("indicators")
def indicators(
    symbol: Annotated[str | None, typer.Argument(help="The symbol, e.g. AAPL.")] = None,
    symbols: Symbols = None,
    name: Annotated[str | None, typer.Option("--name", help="Indicator, e.g. RSI.")] = None,
    params: Annotated[
        str | None, typer.Option("--params", help="Parameters: timeperiod=14,...")
    ] = None,
    start: Start = None,
    end: End = None,
    timeframe: Annotated[str, typer.Option("--timeframe", "-t", help="1m 5m 30m 1h 1d.")] = "1d",
    tail: Annotated[int, typer.Option(help="Show the last N bars per symbol (0 for all).")] = 20,
    list_all: Annotated[bool, typer.Option("--list", help="List the indicators.")] = False,
    group: Annotated[str | None, typer.Option(help="With --list: only this group.")] = None,
    as_json: JsonOption = False,
) -> None:
    """An indicator over a symbol's bars, or the list of indicators with --list."""
    from workbench.ops import analysis as ops

    if list_all:
        specs = ops.indicator_list(group)
        emit([s.to_dict() for s in specs], as_json, lambda _: _view.indicator_list(specs))
        return
    if name is None:
        raise typer.BadParameter("give --name (see `workbench analyze indicators --list`)")
    result = ops.indicators(
        open_runtime(),
        _one_or_many(symbol, symbols),
        name,
        parse_pairs(params, "--params"),
        start=parse_date(start, "--start"),
        end=parse_date(end, "--end"),
        timeframe=timeframe,
        tail=tail or None,
    )
    emit(result.to_dict(), as_json, lambda _: _view.indicator_values(result))


@app.command("performance")
def performance(
    symbol: Annotated[str | None, typer.Argument(help="The symbol, e.g. AAPL.")] = None,
    symbols: Symbols = None,
    run: Annotated[str | None, typer.Option("--run", help="A strategy run id.")] = None,
    benchmark: Annotated[
        str, typer.Option(help="Benchmark symbol; 'auto' is SPY or ^GSPC; 'none' for none.")
    ] = "auto",
    start: Start = None,
    end: End = None,
    risk_free: Annotated[float, typer.Option(help="Annual risk-free rate, 0.02 = 2%.")] = 0.0,
    as_json: JsonOption = False,
) -> None:
    """Buy-and-hold performance of a symbol (or several), or of a strategy run."""
    from workbench.ops import analysis as ops

    wanted = [] if run is not None and not (symbol or symbols) else _one_or_many(symbol, symbols)
    report = ops.performance(
        open_runtime(),
        wanted,
        run_id=run,
        benchmark=None if benchmark.lower() == "none" else benchmark,
        start=parse_date(start, "--start"),
        end=parse_date(end, "--end"),
        risk_free_rate=risk_free,
    )
    emit(report.to_dict(), as_json, lambda _: _view.performance(report))


@app.command("risk")
def risk(
    symbol: Annotated[str | None, typer.Argument(help="One symbol's VaR and ES.")] = None,
    portfolio: Portfolio = False,
    weights: Weights = None,
    quantities: Quantities = None,
    value: Value = None,
    cash: Cash = None,
    account: Account = None,
    confidence: Annotated[str, typer.Option(help="Confidences: 0.95,0.99.")] = "0.95,0.99",
    horizon: Annotated[int, typer.Option(help="Periods (days) the loss runs over.")] = 1,
    method: Annotated[
        str, typer.Option(help="all, historical, parametric, cornish_fisher, monte_carlo.")
    ] = "all",
    lookback: Lookback = None,
    start: Start = None,
    end: End = None,
    as_json: JsonOption = False,
) -> None:
    """VaR and ES of a symbol, or the full risk report of a portfolio."""
    from workbench.ops import analysis as ops
    from workbench.ops import portfolio as book_ops

    options: dict[str, Any] = {
        "confidences": _floats(confidence, "--confidence"),
        "horizon": horizon,
        "method": method,
        "lookback": lookback,
        "start": parse_date(start, "--start"),
        "end": parse_date(end, "--end"),
    }
    if symbol is not None:
        if portfolio or weights or quantities or cash is not None or account:
            raise typer.BadParameter("give a SYMBOL or a portfolio, not both")
        report = ops.symbol_var(open_runtime(), symbol, value=value, **options)
        emit(report.to_dict(), as_json, lambda _: _view.symbol_var(report))
        return
    spec = _book(portfolio, weights, quantities, value, cash, account)
    with progress_bar(not as_json) as progress:
        full = book_ops.portfolio_risk(open_runtime(), spec, progress=progress, **options)
    emit(full.to_dict(), as_json, lambda _: _view.portfolio_risk(full))


@app.command("stress")
def stress(
    portfolio: Portfolio = False,
    weights: Weights = None,
    quantities: Quantities = None,
    value: Value = None,
    cash: Cash = None,
    account: Account = None,
    window: Annotated[
        list[str] | None,
        typer.Option(help="A historical window START..END (repeatable); default: 3 known days."),
    ] = None,
    shock: Annotated[float | None, typer.Option(help="Move every symbol, -0.1 = -10%.")] = None,
    sector_shocks: Annotated[str | None, typer.Option(help="Energy=-0.2,...")] = None,
    symbol_shocks: Annotated[str | None, typer.Option(help="AAPL=-0.3,...")] = None,
    end: End = None,
    as_json: JsonOption = False,
) -> None:
    """Historical windows and shocks applied to a portfolio."""
    from workbench.ops import portfolio as ops

    windows = [ops.HistoricalScenario(w, *_window(w)) for w in window] if window else None
    shocks = None
    if shock is not None or sector_shocks or symbol_shocks:
        sectors = _numbers(sector_shocks, "--sector-shocks")
        moves = _numbers(symbol_shocks, "--symbol-shocks")
        shocks = [ops.Shock("your shock", everything=shock, sectors=sectors, symbols=moves)]
    spec = _book(portfolio, weights, quantities, value, cash, account)
    report = ops.stress(
        open_runtime(), spec, windows=windows, shocks=shocks, end=parse_date(end, "--end")
    )
    emit(report.to_dict(), as_json, lambda _: _view.stress(report.table(), report.equity))


@app.command("allocate")
def allocate(
    method: Annotated[
        str,
        typer.Option(
            help="equal_weight, inverse_volatility, min_variance, "
            "max_sharpe, risk_parity, hrp or user."
        ),
    ],
    symbols: Annotated[str, typer.Option("--symbols", help="Comma-separated symbols.")],
    lookback: Annotated[int, typer.Option(help="Daily returns to use (0: all).")] = 252,
    start: Start = None,
    end: End = None,
    max_weight: MaxWeight = 1.0,
    min_weight: MinWeight = 0.0,
    max_sector_weight: SectorCap = None,
    weights: Annotated[str | None, typer.Option(help="With --method user: AAPL=0.6,...")] = None,
    risk_free: Annotated[float, typer.Option(help="Annual risk-free rate (max_sharpe).")] = 0.0,
    as_json: JsonOption = False,
) -> None:
    """Target weights for symbols by a method, with each symbol's share of risk."""
    from workbench.ops import allocation as ops

    rules = ops.WeightConstraints(
        min_weight=min_weight, max_weight=max_weight, max_sector_weight=max_sector_weight
    )
    with progress_bar(not as_json) as progress:
        report = ops.allocate(
            open_runtime(),
            parse_symbols(symbols),
            method,
            lookback=lookback or None,
            start=parse_date(start, "--start"),
            end=parse_date(end, "--end"),
            constraints=rules,
            user_weights=_numbers(weights, "--weights"),
            risk_free_rate=risk_free,
            progress=progress,
        )
    emit(report.to_dict(), as_json, lambda _: _view.allocation(report))


@app.command("rebalance")
def rebalance(
    portfolio: Portfolio = False,
    quantities: Quantities = None,
    cash: Cash = None,
    account: Account = None,
    targets: Annotated[str | None, typer.Option(help="Target weights: AAPL=0.5,...")] = None,
    method: Annotated[str, typer.Option(help="Without --targets: the allocation method.")] = (
        "equal_weight"
    ),
    symbols: Symbols = None,
    lookback: Annotated[int, typer.Option(help="Daily returns for the method (0: all).")] = 252,
    max_weight: MaxWeight = 1.0,
    min_weight: MinWeight = 0.0,
    max_sector_weight: SectorCap = None,
    drift_band: Annotated[float, typer.Option(help="Trade only past this drift.")] = 0.0,
    min_trade: Annotated[float, typer.Option(help="Skip trades worth less.")] = 0.0,
    cash_buffer: Annotated[float, typer.Option(help="Share of equity kept in cash.")] = 0.0,
    fractional: Annotated[bool, typer.Option(help="Trade fractional shares.")] = False,
    cost_bps: Annotated[float, typer.Option(help="Estimated costs, basis points.")] = 0.0,
    as_json: JsonOption = False,
) -> None:
    """The orders from current positions and cash to target weights (shown, not submitted)."""
    from workbench.ops import allocation as ops

    if quantities is None and cash is not None and not portfolio:
        quantities = ""  # a book of cash only
    spec = _book(portfolio, None, quantities, None, cash, account)
    rules = ops.WeightConstraints(
        min_weight=min_weight, max_weight=max_weight, max_sector_weight=max_sector_weight
    )
    with progress_bar(not as_json) as progress:
        report = ops.rebalance(
            open_runtime(),
            spec,
            targets=_numbers(targets, "--targets"),
            method=method,
            symbols=parse_symbols(symbols) if symbols else None,
            lookback=lookback or None,
            constraints=rules,
            drift_band=drift_band,
            min_trade_value=min_trade,
            cash_buffer=cash_buffer,
            fractional=fractional,
            cost_bps=cost_bps,
            progress=progress,
        )
    emit(report.to_dict(), as_json, lambda _: _view.rebalance(report))


# -- parsing ---------------------------------------------------------------------------------
def _one_or_many(symbol: str | None, symbols: str | None) -> list[str]:
    if (symbol is None) == (symbols is None):
        raise typer.BadParameter("give one SYMBOL or --symbols A,B (one of the two)")
    return parse_symbols(symbol if symbol is not None else str(symbols))


def _numbers(text: str | None, option: str) -> dict[str, float] | None:
    if text is None:
        return None
    if text.strip() == "":
        return {}
    pairs = parse_pairs(text, option)
    return {key: _float(value, option) for key, value in pairs.items()}


def _floats(text: str, option: str) -> list[float]:
    numbers = [_float(part, option) for part in text.split(",") if part.strip()]
    if not numbers:
        raise typer.BadParameter("give at least one number, e.g. 0.95,0.99", param_hint=option)
    return numbers


def _float(text: str, option: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a number", param_hint=option) from None


def _window(text: str) -> tuple[Any, Any]:
    first, sep, last = text.partition("..")
    if not sep:
        raise typer.BadParameter(f"{text!r} is not START..END", param_hint="--window")
    return parse_date(first.strip(), "--window"), parse_date(last.strip(), "--window")


def _book(
    portfolio: bool,
    weights: str | None,
    quantities: str | None,
    value: float | None,
    cash: float | None,
    account: str | None,
) -> Any:
    """A ``BookSpec``: weights or quantities from the command line, else (``--portfolio``) the
    ledger's positions and cash."""
    from workbench.ops.portfolio import BookSpec

    if weights is None and quantities is None:
        if not portfolio:
            raise typer.BadParameter("give --portfolio (the ledger), --weights or --quantities")
        return BookSpec(value=value, cash=cash, account=account)
    if account is not None:
        raise typer.BadParameter("goes with --portfolio (the ledger)", param_hint="--account")
    return BookSpec(
        weights=_numbers(weights, "--weights"),
        quantities=_numbers(quantities, "--quantities"),
        value=value,
        cash=cash,
    )
