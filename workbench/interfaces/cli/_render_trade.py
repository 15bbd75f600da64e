"""Rich renderings of trading results (``--json`` prints the same data as one document)."""

from __future__ import annotations

from typing import Any

from workbench.interfaces.cli._common import console
from workbench.interfaces.cli._render import table

__all__ = [
    "account",
    "audit_completeness",
    "audit_records",
    "audit_verification",
    "decision",
    "fills",
    "held",
    "orders",
    "parity",
    "positions",
    "reconciliation",
    "run_summary",
    "session_line",
    "state_change",
    "state_changes",
    "step",
    "submitted",
]


def decision(data: dict[str, Any]) -> None:
    verdict = "[green]passes[/]" if data["approved"] else "[red]rejected[/]"
    console.print(f"Risk gate: {verdict}" + ("" if data["approved"] else f" by {data['rule']}"))
    table(
        "Checks",
        ["rule", "passed", "message"],
        [(c["rule"], "yes" if c["passed"] else "NO", c["message"]) for c in data["checks"]],
    )


def submitted(data: dict[str, Any]) -> None:
    order = data["order"]
    if data.get("already_submitted"):
        console.print(data["message"], highlight=False)
        orders([order])
        return
    console.print(
        f"Order {order['id']} ({order['client_order_id']}): [bold]{order['status']}[/]"
        + (f" - {order['reason']}" if order["reason"] else ""),
        highlight=False,
    )
    if data.get("message"):
        console.print(data["message"], highlight=False)
    orders([order])


def held(rows: list[dict[str, Any]]) -> None:
    table(
        "Held for approval",
        ["id", "symbol", "side", "qty", "type", "notional", "requested by", "expires at"],
        [
            (
                r["order"]["id"],
                r["order"]["symbol"],
                r["order"]["side"],
                r["order"]["qty"] or f"${r['order']['notional']}",
                r["order"]["type"],
                _money(r["measured_notional"]),
                r["requested_by"] or "",
                r["expires_at"][:19],
            )
            for r in rows
        ],
    )


def orders(rows: list[dict[str, Any]]) -> None:
    table(
        "Orders",
        ["id", "symbol", "side", "qty", "type", "status", "filled", "avg price", "reason"],
        [
            (
                r["id"],
                r["symbol"],
                r["side"],
                r["qty"] or f"${r['notional']}",
                r["type"],
                r["status"],
                r["filled_qty"],
                _price(r["filled_avg_price"]),
                r["reason"] or "",
            )
            for r in rows
        ],
    )


def fills(rows: list[dict[str, Any]]) -> None:
    table(
        "Fills",
        ["filled at", "symbol", "side", "qty", "price", "order"],
        [
            (r["filled_at"], r["symbol"], r["side"], r["qty"], r["price"], r["client_order_id"])
            for r in rows
        ],
    )


def positions(rows: list[dict[str, Any]]) -> None:
    table(
        "Positions",
        ["symbol", "qty", "avg cost", "price", "value", "unrealized", "realized"],
        [
            (
                r["symbol"],
                r["qty"],
                _money(r["avg_entry_price"]),
                r["price"] or "",
                _money(r["market_value"]),
                _money(r["unrealized_pl"]),
                _money(r["realized_pl"]),
            )
            for r in rows
        ],
    )


def account(data: dict[str, Any]) -> None:
    table("Account", ["setting", "value"], list(data.items()))


def state_change(data: dict[str, Any]) -> None:
    console.print(
        f"Trading state of {data['account']}: {data['previous']} -> [bold]{data['state']}[/]"
    )
    if data["canceled"]:
        console.print(f"Canceled {len(data['canceled'])} open order(s).")


def state_changes(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        state_change(row)


def reconciliation(data: dict[str, Any]) -> None:
    mark = "[green]agree[/]" if data["ok"] else "[red]differ[/]"
    console.print(
        f"Ledger and broker {mark}: adopted {len(data['adopted'])} order(s), booked "
        f"{data['fills_applied']} missed fill(s), settled {len(data['recovered'])} intent(s); "
        f"trading state {data['trading_state']}"
    )
    for line in data["differences"]:
        console.print(f"  [red]difference[/] {line}", highlight=False)


def step(result: Any) -> None:
    data = result if isinstance(result, dict) else result.to_dict()
    console.print(f"Decision at {data['as_of'][:10]}: {len(data['orders'])} order(s)")
    if data["orders"]:
        table(
            "Orders",
            ["symbol", "side", "qty", "client order id"],
            [(o["symbol"], o["side"], o["qty"], o["client_order_id"]) for o in data["orders"]],
        )
    if data.get("skipped"):
        console.print(f"  {data['skipped']}")


def session_line(session: Any, result: Any, point: Any) -> None:
    sent = len(result.submitted)
    console.print(
        f"{session.date}  orders {sent:>2}  equity {float(point.equity):>14,.2f}", highlight=False
    )


def run_summary(data: dict[str, Any]) -> None:
    console.print(
        f"[bold]Run {data['run_id']}[/] ({data['kind']}, {data['strategy']}) {data['status']}: "
        f"{data['sessions']} session(s) {data['start'] or ''}..{data['end'] or ''}",
        highlight=False,
    )
    console.print(
        f"Orders {data['orders']} (rejected {data['rejected']}), fills {data['fills']}; "
        f"equity {float(data['initial_equity']):,.2f} -> {float(data['final_equity']):,.2f} "
        f"({data['total_return']:+.2%})",
        highlight=False,
    )
    if data.get("executions"):
        fills(data["executions"])
    if data["positions"]:
        positions(data["positions"])
    audit_verification(data["audit"])


def audit_verification(data: dict[str, Any]) -> None:
    if data["ok"]:
        console.print(
            f"Audit chain: [green]intact[/], {data['records']:,} records, head "
            f"{(data['head_hash'] or '')[:16]}"
        )
    else:
        console.print(
            f"Audit chain: [red]BROKEN[/] at record {data['first_bad_seq']}: {data['problem']}"
        )


def audit_completeness(data: dict[str, Any]) -> None:
    audit_verification(data["chain"])
    rows = sum(data["checked"].values())
    if not data["missing"]:
        console.print(f"Ledger replayed: [green]complete[/], {rows:,} rows each with its record")
        return
    console.print(f"Ledger replayed: [red]{len(data['missing'])} without a record[/]")
    for line in data["missing"]:
        console.print(f"  {line}", markup=False)


def audit_records(rows: list[dict[str, Any]]) -> None:
    table(
        "Audit records",
        ["seq", "at", "kind", "actor", "payload"],
        [
            (r["seq"], r["created_at"][:19], r["kind"], r["actor"], _short(r["payload"]))
            for r in rows
        ],
    )


def parity(data: dict[str, Any]) -> None:
    console.print(f"[bold]Parity of run {data['run_id']}[/] ({data['strategy']})")
    for line in data["explanations"]:
        console.print(f"  {line}", highlight=False)
    table(
        "Trades",
        ["session", "symbol", "side", "backtest", "paper", "why"],
        [
            (
                t["session"],
                t["symbol"],
                t["side"],
                _pair(t["backtest_qty"], t["backtest_price"]),
                _pair(t["paper_qty"], t["paper_price"]),
                t["explanation"],
            )
            for t in data["trades"]
        ],
    )


def _pair(qty: float | None, price: float | None) -> str:
    return "-" if qty is None else f"{qty:,.4g} @ {price:,.2f}"


def _price(value: str | None) -> str:
    return "" if value is None else f"{float(value):,.4f}".rstrip("0").rstrip(".")


def _money(value: str | None) -> str:
    return "" if value is None else f"{float(value):,.2f}"


def _short(payload: dict[str, Any]) -> str:
    text = ", ".join(f"{k}={v}" for k, v in payload.items() if v not in (None, "", [], {}))
    return text if len(text) <= 80 else text[:77] + "..."
