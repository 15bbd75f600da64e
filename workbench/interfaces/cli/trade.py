"""``workbench trade``: orders through the risk gate and the OMS, the account, the kill switch,
reconciliation, strategy runs and the parity report. Each command calls one ``ops`` function."""

from __future__ import annotations

from typing import Annotated

import typer

from workbench.interfaces.cli import _render_trade as show
from workbench.interfaces.cli._common import JsonOption, actor, emit, open_runtime
from workbench.interfaces.cli._parse import ID_MAX, parse_date, parse_pairs, parse_symbols

app = typer.Typer(no_args_is_help=True)

Symbol = Annotated[str, typer.Argument(help="The symbol, e.g. AAPL.")]
Side = Annotated[str, typer.Option("--side", help="buy or sell.")]
Qty = Annotated[str | None, typer.Option("--qty", help="Shares (fractions allowed).")]
Notional = Annotated[str | None, typer.Option("--notional", help="Cash amount instead of --qty.")]
Kind = Annotated[str, typer.Option("--type", help="market, limit, stop, stop_limit.")]
Limit = Annotated[str | None, typer.Option("--limit-price", help="Limit price.")]
StopPrice = Annotated[str | None, typer.Option("--stop-price", help="Stop price.")]
Tif = Annotated[str, typer.Option("--tif", help="day, gtc, ioc, fok, opg, cls.")]
Strategy = Annotated[str | None, typer.Option("--strategy", help="Check its risk limits.")]
Reason = Annotated[str | None, typer.Option("--reason", help="Why, for the audit chain.")]


def _request(
    symbol: str,
    side: str,
    qty: str | None,
    notional: str | None,
    kind: str,
    limit: str | None,
    stop: str | None,
    tif: str,
    client_order_id: str | None = None,
) -> object:
    from workbench.ops.trade import order_request

    return order_request(
        symbol,
        side,
        qty=qty,
        notional=notional,
        type=kind,
        limit_price=limit,
        stop_price=stop,
        time_in_force=tif,
        client_order_id=client_order_id,
    )


@app.command("preview")
def preview(
    symbol: Symbol,
    side: Side,
    qty: Qty = None,
    notional: Notional = None,
    kind: Kind = "market",
    limit: Limit = None,
    stop: StopPrice = None,
    tif: Tif = "day",
    strategy: Strategy = None,
    as_json: JsonOption = False,
) -> None:
    """What the risk gate says of an order now; nothing is sent."""
    from workbench.ops import trade

    request = _request(symbol, side, qty, notional, kind, limit, stop, tif)
    decision = trade.preview(open_runtime(), request, strategy=strategy, actor=actor())  # type: ignore[arg-type]
    emit(decision.to_dict(), as_json, show.decision)


@app.command("submit")
def submit(
    symbol: Symbol,
    side: Side,
    qty: Qty = None,
    notional: Notional = None,
    kind: Kind = "market",
    limit: Limit = None,
    stop: StopPrice = None,
    tif: Tif = "day",
    strategy: Strategy = None,
    client_order_id: Annotated[
        str | None, typer.Option("--client-order-id", help="Idempotency key (default: new).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Send an order through the risk gate and the OMS (exit 1 when it is rejected). A
    --client-order-id already used sends nothing: it shows that order, "already submitted"
    (exit 0, or 1 when that order was rejected or canceled)."""
    from workbench.ops import trade

    request = _request(symbol, side, qty, notional, kind, limit, stop, tif, client_order_id)
    result = trade.submit(open_runtime(), request, actor=actor(), strategy=strategy)  # type: ignore[arg-type]
    emit(result.to_dict(), as_json, show.submitted)
    if not result.accepted:
        raise typer.Exit(1)


@app.command("cancel")
def cancel(
    order: Annotated[str, typer.Argument(help="Ledger order id or client order id.")],
    as_json: JsonOption = False,
) -> None:
    """Cancel an open order."""
    from workbench.ops import trade

    view = trade.cancel(open_runtime(), order, actor=actor())
    emit(view.to_dict(), as_json, lambda d: show.orders([d]))


Reference = Annotated[str, typer.Argument(help="Ledger order id or client order id.")]


@app.command("held")
def held(as_json: JsonOption = False) -> None:
    """Orders held for a trader's approval (an assistant's, with risk.actors.mcp.
    require_approval), oldest first, with who asked and until when they wait."""
    from workbench.ops import approvals

    emit([h.to_dict() for h in approvals.held(open_runtime())], as_json, show.held)


@app.command("approve")
def approve(order: Reference, as_json: JsonOption = False) -> None:
    """Send a held order: the risk gate checks it again now (exit 1 when it refuses; the
    order then stays held)."""
    from workbench.ops import approvals

    result = approvals.approve(open_runtime(), order, actor=actor())
    emit(result.to_dict(), as_json, show.submitted)
    if not result.accepted:
        raise typer.Exit(1)


@app.command("reject")
def reject(
    order: Reference,
    reason: Annotated[str, typer.Option("--reason", help="Why, for the audit chain.")],
    as_json: JsonOption = False,
) -> None:
    """Reject a held order; it is never sent."""
    from workbench.ops import approvals

    view = approvals.reject(open_runtime(), order, actor=actor(), reason=reason)
    emit(view.to_dict(), as_json, lambda d: show.orders([d]))


@app.command("orders")
def orders(
    status: Annotated[str, typer.Option("--status", help="open, closed, all or a status.")] = "all",
    limit: Annotated[int, typer.Option("--limit", min=1, max=10_000)] = 50,
    run: Annotated[
        int | None, typer.Option("--run", help="Only this run's orders.", min=1, max=ID_MAX)
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """The account's orders, newest first."""
    from workbench.ops import trade

    views = trade.orders(open_runtime(), status=status, limit=limit, run_id=run)
    emit([v.to_dict() for v in views], as_json, show.orders)


@app.command("fills")
def fills(
    run: Annotated[
        int | None, typer.Option("--run", help="Only this run's fills.", min=1, max=ID_MAX)
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Executions booked in the ledger."""
    from workbench.ops import trade

    views = trade.fills(open_runtime(), run_id=run)
    emit([v.to_dict() for v in views], as_json, show.fills)


@app.command("positions")
def positions(as_json: JsonOption = False) -> None:
    """Positions in the ledger, at the venue's last prices."""
    from workbench.ops import trade

    views = trade.positions(open_runtime())
    emit([v.to_dict() for v in views], as_json, show.positions)


@app.command("account")
def account(as_json: JsonOption = False) -> None:
    """Cash, equity and P&L in the ledger beside the broker's, and the trading state."""
    from workbench.ops import trade

    emit(trade.account(open_runtime()).to_dict(), as_json, show.account)


OneAccount = Annotated[
    bool,
    typer.Option("--only-this-account", help="Only the configured broker's account."),
]


@app.command("halt")
def halt(
    reason: Reason = None,
    keep_orders: Annotated[
        bool, typer.Option("--keep-orders", help="Leave open orders working.")
    ] = False,
    only: OneAccount = False,
    as_json: JsonOption = False,
) -> None:
    """Kill switch: nothing goes out from any account; open orders are canceled."""
    from workbench.ops import trade

    changes = trade.halt(
        open_runtime(),
        actor=actor(),
        reason=reason,
        cancel_open=not keep_orders,
        only_this_account=only,
    )
    emit([c.to_dict() for c in changes], as_json, show.state_changes)


@app.command("reduce")
def reduce(reason: Reason = None, only: OneAccount = False, as_json: JsonOption = False) -> None:
    """Only orders that reduce exposure go out."""
    from workbench.ops import trade

    changes = trade.reduce(open_runtime(), actor=actor(), reason=reason, only_this_account=only)
    emit([c.to_dict() for c in changes], as_json, show.state_changes)


@app.command("resume")
def resume(reason: Reason = None, only: OneAccount = False, as_json: JsonOption = False) -> None:
    """Back to ACTIVE (also acknowledges a reconciliation that set REDUCING)."""
    from workbench.ops import trade

    changes = trade.resume(open_runtime(), actor=actor(), reason=reason, only_this_account=only)
    emit([c.to_dict() for c in changes], as_json, show.state_changes)


@app.command("reconcile")
def reconcile(as_json: JsonOption = False) -> None:
    """Compare the ledger with the broker; adopt, book missed fills, report the rest."""
    from workbench.ops import trade

    report = trade.reconcile(open_runtime(), actor=actor())
    emit(report.to_dict(), as_json, show.reconciliation)
    if not report.ok:
        raise typer.Exit(1)


@app.command("run")
def run(
    name: Annotated[str | None, typer.Argument(help="Strategy (see `strategy list`).")] = None,
    symbols: Annotated[str | None, typer.Option("--symbols", help="Comma-separated.")] = None,
    params: Annotated[str | None, typer.Option("--params", help="k=v,k=v")] = None,
    broker: Annotated[str, typer.Option("--broker", help="paper (a replay) or alpaca.")] = "paper",
    every: Annotated[str, typer.Option("--every", help="1d or 1m (alpaca runs).")] = "1d",
    start: Annotated[str | None, typer.Option("--start", help="First session (paper).")] = None,
    end: Annotated[str | None, typer.Option("--end", help="Last session (paper).")] = None,
    sessions: Annotated[int | None, typer.Option("--sessions", min=1)] = None,
    cycles: Annotated[int | None, typer.Option("--cycles", min=1, help="Stop after N.")] = None,
    run_id: Annotated[int | None, typer.Option("--run-id", help="Resume this run.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show orders; send none.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Run a strategy: a replay over past sessions on paper, or live on Alpaca. SIGINT or
    SIGTERM stop it after the step under way; --run-id resumes it."""
    from workbench.interfaces.cli._signals import stop_requested
    from workbench.ops import trade_runs

    rt = open_runtime(broker=broker)
    chosen = parse_symbols(symbols) if symbols else []
    values = parse_pairs(params, "--params")
    if dry_run:
        step = trade_runs.dry_run(rt, name or "", chosen, params=values)
        emit(step.to_dict(), as_json, show.step)
        return
    with stop_requested() as should_stop:
        summary = trade_runs.strategy_run(
            rt,
            name,
            chosen,
            params=values,
            start=parse_date(start, "--start"),
            end=parse_date(end, "--end"),
            sessions=sessions,
            every=every,
            cycles=cycles,
            run_id=run_id,
            actor=actor(),
            on_session=None if as_json else show.session_line,
            on_step=None if as_json else show.step,
            should_stop=should_stop,
        )
    emit(summary.to_dict(), as_json, show.run_summary)


@app.command("parity")
def parity(
    run: Annotated[int, typer.Option("--run", help="A paper run's id.", min=1, max=ID_MAX)],
    slippage: Annotated[
        float | None, typer.Option("--slippage", help="Backtest slippage (default: matched).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Compare a paper run with the backtest of the same strategy over the same bars."""
    from workbench.ops.parity import parity as compare

    emit(compare(open_runtime(), run, slippage=slippage).to_dict(), as_json, show.parity)
