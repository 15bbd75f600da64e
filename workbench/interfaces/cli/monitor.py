"""``workbench monitor``: alert rules, alerts, deliveries, health and a live view.

The ops layer (SQLAlchemy, numpy) is imported inside each command, so ``workbench --help``
does not pay for it.
"""

from __future__ import annotations

import getpass
import time
from typing import TYPE_CHECKING, Annotated, Any

import typer

from workbench.interfaces.cli._common import JsonOption, actor, console, emit, open_runtime
from workbench.interfaces.cli._parse import ID_MAX, parse_date, parse_pairs, parse_symbols

if TYPE_CHECKING:
    from workbench.ops.monitor import AlertRecord, HealthReport, RuleDryRun, RuleSpec, WatchView

__all__ = ["app"]

app = typer.Typer(no_args_is_help=True)
rules_app = typer.Typer(no_args_is_help=True, help="Alert rules: add, list, remove, test.")
alerts_app = typer.Typer(no_args_is_help=True, help="Alerts: list, acknowledge, resolve.")
app.add_typer(rules_app, name="rules")
app.add_typer(alerts_app, name="alerts")

AlertId = Annotated[
    int, typer.Argument(help="The alert's id (`monitor alerts list`).", min=1, max=ID_MAX)
]
By = Annotated[str | None, typer.Option("--by", help="Who (default: the login name).")]


@rules_app.command("add")
def rules_add(
    name: Annotated[str, typer.Argument(help="A unique name for the rule.")],
    kind: Annotated[str, typer.Option(help="price_above, indicator, drawdown... (see `kinds`).")],
    scope: Annotated[str | None, typer.Option(help="Symbol, account or source it watches.")] = None,
    params: Annotated[str | None, typer.Option(help="key=value,.. e.g. level=150.")] = None,
    targets: Annotated[str | None, typer.Option(help="weight_drift: AAPL=0.5,MSFT=0.5.")] = None,
    severity: Annotated[str, typer.Option(help="info, warning or critical.")] = "warning",
    channels: Annotated[str, typer.Option(help="Channel names, comma separated.")] = "",
    cooldown: Annotated[
        int, typer.Option(help="Seconds before it may fire again.", min=0, max=10**9)
    ] = 0,
    owner: Annotated[str | None, typer.Option(help="Owner (default: the login name).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Add an alert rule (checked: symbol, indicator, channels and parameters)."""
    from workbench.ops import monitor as ops

    values: dict[str, Any] = dict(parse_pairs(params, "--params"))
    if targets:
        values["targets"] = parse_pairs(targets, "--targets")
    names = [c.strip() for c in channels.split(",") if c.strip()]
    with open_runtime() as rt:
        rule = ops.add_rule(
            rt,
            name=name,
            kind=kind,
            params=values,
            scope=scope,
            severity=severity,
            channels=names,
            cooldown_seconds=cooldown,
            owner=owner or getpass.getuser(),
        )
    emit(
        rule.to_dict(),
        as_json,
        lambda r: console.print(
            f"added rule {r['id']}: {r['name']}", markup=False, highlight=False
        ),
    )


@rules_app.command("list")
def rules_list(as_json: JsonOption = False) -> None:
    """The alert rules in the ledger."""
    from workbench.ops import monitor as ops

    with open_runtime() as rt:
        rules = ops.list_rules(rt)
    emit({"rules": [r.to_dict() for r in rules]}, as_json, lambda _: _show_rules(rules))


@rules_app.command("remove")
def rules_remove(
    name: Annotated[str, typer.Argument(help="Rule name or id.")], as_json: JsonOption = False
) -> None:
    """Remove a rule (its alerts stay)."""
    from workbench.ops import monitor as ops

    with open_runtime() as rt:
        rule = ops.remove_rule(rt, name, actor=actor())
    emit(
        rule.to_dict(),
        as_json,
        lambda r: console.print(f"removed rule {r['name']}", markup=False, highlight=False),
    )


@rules_app.command("test")
def rules_test(
    name: Annotated[str, typer.Argument(help="Rule name or id.")],
    start: Annotated[str | None, typer.Option(help="First day, YYYY-MM-DD.")] = None,
    end: Annotated[str | None, typer.Option(help="Last day, YYYY-MM-DD.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Replay the lake's daily closes through a rule: when it would have fired."""
    from workbench.ops import monitor as ops

    with open_runtime() as rt:
        result = ops.dry_run_rule(
            rt, name, start=parse_date(start, "--start"), end=parse_date(end, "--end")
        )
    emit(result, as_json, _show_dry_run)


@rules_app.command("kinds")
def rules_kinds(as_json: JsonOption = False) -> None:
    """The rule kinds and the configured channels."""
    from workbench.ops import monitor as ops

    payload = {"kinds": ops.rule_kinds(), "channels": ops.channel_names()}
    emit(payload, as_json, _show_kinds)


@alerts_app.command("list")
def alerts_list(
    state: Annotated[str | None, typer.Option(help="open, acknowledged or resolved.")] = None,
    limit: Annotated[int, typer.Option(help="Newest N alerts.", min=1, max=100_000)] = 50,
    as_json: JsonOption = False,
) -> None:
    """Alerts, newest first, with their deliveries."""
    from workbench.ops import monitor as ops

    with open_runtime() as rt:
        alerts = ops.list_alerts(rt, state=state, limit=limit)
    emit({"alerts": alerts}, as_json, lambda _: _show_alerts(alerts))


@alerts_app.command("ack")
def alerts_ack(alert_id: AlertId, by: By = None, as_json: JsonOption = False) -> None:
    """Acknowledge an alert: someone is on it (it stays open for de-duplication)."""
    from workbench.ops import monitor as ops

    with open_runtime() as rt:
        alert = ops.acknowledge_alert(rt, alert_id, by=by or getpass.getuser())
    emit(alert, as_json, lambda a: _say(f"alert {a.id} acknowledged by {a.acknowledged_by}"))


@alerts_app.command("resolve")
def alerts_resolve(alert_id: AlertId, by: By = None, as_json: JsonOption = False) -> None:
    """Resolve an alert: its rule may raise the same condition again."""
    from workbench.ops import monitor as ops

    with open_runtime() as rt:
        alert = ops.resolve_alert(rt, alert_id, by=by or getpass.getuser())
    emit(alert, as_json, lambda a: _say(f"alert {a.id} resolved by {a.resolved_by}"))


@app.command()
def deliver(as_json: JsonOption = False) -> None:
    """Send every queued alert delivery that is due now, once."""
    from workbench.ops import monitor as ops

    with open_runtime() as rt:
        result = ops.deliver(rt)
    emit(
        result.to_dict(),
        as_json,
        lambda r: _say(f"sent {r['sent']}, retrying {r['retrying']}, failed {r['failed']}"),
    )


@app.command()
def health(as_json: JsonOption = False) -> None:
    """Ledger, lake, broker, stream lag, clock drift, disk, trading state. Exit 1 if unhealthy."""
    from workbench.ops import monitor as ops

    with open_runtime() as rt:
        report = ops.health(rt)
    emit(report.to_dict(), as_json, lambda _: _show_health(report))
    if not report.healthy:
        raise typer.Exit(1)


@app.command()
def watch(
    symbols: Annotated[str | None, typer.Option(help="Symbols to show, e.g. AAPL,MSFT.")] = None,
    replay_from: Annotated[
        str | None, typer.Option(help="Replay the lake's daily bars from YYYY-MM-DD.")
    ] = None,
    stream: Annotated[
        bool, typer.Option("--stream", help="Subscribe to the Alpaca stream (WB_ALPACA__...).")
    ] = False,
    seconds: Annotated[float, typer.Option(help="Stop after this long (0: until Ctrl-C).")] = 0,
    refresh: Annotated[float, typer.Option(help="Seconds between frames.")] = 1.0,
) -> None:
    """A live view of quotes, positions and alerts while the monitor runs."""
    from rich.live import Live

    from workbench.ops import monitor as ops

    chosen = parse_symbols(symbols) if symbols else []
    with open_runtime() as rt:
        service = ops.start_monitor(
            rt,
            symbols=chosen,
            replay_from=parse_date(replay_from, "--replay-from"),
            stream=stream,
        )
        began = time.monotonic()
        try:
            with Live(console=console, refresh_per_second=4) as live:
                while not seconds or time.monotonic() - began < seconds:
                    live.update(_watch_frame(ops.watch_view(service)))
                    time.sleep(refresh)
        finally:
            service.stop()


# -- for people ---------------------------------------------------------------------------------
def _say(line: str) -> None:
    console.print(line, markup=False, highlight=False)


def _table(title: str, columns: list[str], rows: list[list[Any]]) -> Any:
    from rich.table import Table
    from rich.text import Text

    view = Table(title=title, title_justify="left")
    for column in columns:
        view.add_column(column)
    for row in rows:
        view.add_row(*[Text("" if v is None else str(v)) for v in row])
    return view


def _show_rules(rules: list[RuleSpec]) -> None:
    rows = [
        [
            r.id,
            r.name,
            r.kind,
            r.scope,
            r.severity.value,
            ",".join(r.channels),
            r.cooldown_seconds,
            r.owner,
            " ".join(f"{k}={v}" for k, v in r.params.items()),
        ]
        for r in rules
    ]
    columns = ["id", "name", "kind", "scope", "severity", "channels", "cooldown", "owner", "params"]
    console.print(_table("alert rules", columns, rows))


def _show_dry_run(result: RuleDryRun) -> None:
    _say(f"{result.rule.name}: {len(result.alerts)} alert(s) over {result.bars} bars")
    rows = [[a["raised_at"].date().isoformat(), a["message"]] for a in result.alerts]
    console.print(_table("would have raised", ["day", "message"], rows))


def _show_kinds(payload: dict[str, Any]) -> None:
    console.print(
        _table("rule kinds", ["kind", "fires when"], list(map(list, payload["kinds"].items())))
    )
    _say(f"channels: {', '.join(payload['channels'])}")


def _alert_rows(alerts: list[AlertRecord]) -> list[list[Any]]:
    return [
        [
            a.id,
            a.raised_at.strftime("%Y-%m-%d %H:%M:%S"),
            a.severity.value,
            a.state.value,
            a.rule,
            a.message,
            " ".join(f"{d.channel}:{d.status}" for d in a.deliveries),
        ]
        for a in alerts
    ]


def _show_alerts(alerts: list[AlertRecord]) -> None:
    columns = ["id", "raised (UTC)", "severity", "state", "rule", "message", "deliveries"]
    console.print(_table("alerts", columns, _alert_rows(alerts)))


def _show_health(report: HealthReport) -> None:
    rows = [[c.name, c.status, c.detail] for c in report.checks]
    console.print(_table("health", ["check", "status", "detail"], rows))
    _say("healthy" if report.healthy else "UNHEALTHY")


def _watch_frame(view: WatchView) -> Any:
    from rich.console import Group

    quotes = [[q["symbol"], q["bid"], q["ask"], q["mid"], q["at"]] for q in view.quotes]
    positions = [
        [
            p["account"],
            p["symbol"],
            p["qty"],
            round(p["price"], 4),
            round(p["market_value"], 2),
            round(p["unrealized_pl"], 2),
        ]
        for p in view.positions
    ]
    stats = view.pipeline
    return Group(
        _table("quotes", ["symbol", "bid", "ask", "mid", "at"], quotes),
        _table(
            "positions", ["account", "symbol", "qty", "price", "value", "unrealized"], positions
        ),
        _table(
            "alerts",
            ["id", "raised (UTC)", "severity", "state", "rule", "message", "deliveries"],
            _alert_rows(view.alerts),
        ),
        f"quotes {stats['received']:,} received, {stats['accepted']:,} accepted, "
        f"{stats['dropped_backpressure']:,} dropped behind, {stats['alerts']} alerts",
    )
