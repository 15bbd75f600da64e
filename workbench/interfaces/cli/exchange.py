"""``workbench exchange``: the local Alpaca-compatible exchange."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any
from zoneinfo import ZoneInfo

import typer

from workbench.interfaces.cli._common import JsonOption, emit, open_runtime

if TYPE_CHECKING:
    from workbench.ops.exchange import ExchangeStarted

app = typer.Typer(no_args_is_help=True)

_NEW_YORK = ZoneInfo("America/New_York")
_DEFAULT_URL = "http://127.0.0.1:8765"  # ops.exchange.DEFAULT_EXCHANGE_URL, without the import
AdminKey = Annotated[
    str | None,
    typer.Option(
        envvar="WB_EXCHANGE_ADMIN_KEY",
        show_envvar=True,
        help="The key of the /admin routes (default: serve makes one per run and saves it in "
        "<home>/exchange/admin-key, where `clock` reads it).",
    ),
]


@app.callback()
def exchange() -> None:
    """The local Alpaca-compatible exchange."""


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8765,
    start: Annotated[str | None, typer.Option(help="First session, YYYY-MM-DD.")] = None,
    speed: Annotated[
        float, typer.Option(help="Simulated seconds per second (0: admin steps).")
    ] = 0.0,
    timeframe: Annotated[str, typer.Option(help="Bars to fill against: 1d, 1m...")] = "1d",
    reset: Annotated[bool, typer.Option(help="Forget saved orders and positions.")] = False,
    admin_key: AdminKey = None,
    max_accounts: Annotated[
        int | None, typer.Option(help="Accounts new keys may open (default 100).")
    ] = None,
    allow_remote: Annotated[
        bool, typer.Option(help="Allow a --host beyond loopback (no TLS: mind who can reach it).")
    ] = False,
) -> None:
    """Serve Alpaca's Trading and Market Data APIs over the lake, on a replay clock."""
    from workbench.ops import exchange as ops

    runtime = open_runtime()
    config = ops.exchange_config(
        runtime,
        start=start,
        speed=speed,
        timeframe=timeframe,
        reset=reset,
        admin_key=admin_key,
        max_accounts=max_accounts,
    )
    ops.serve_exchange(
        runtime, config, host=host, port=port, allow_remote=allow_remote, on_ready=_started
    )
    typer.echo("exchange stopped; its books are saved")


def _started(started: ExchangeStarted) -> None:
    if started.remote:
        typer.echo(
            f"warning: listening beyond loopback ({started.url}): whoever reaches it can open "
            "accounts and trade, and traffic is not encrypted",
            err=True,
        )
    ws = started.url.replace("http", "ws", 1)
    typer.echo(f"Local exchange (Alpaca Trading API v2, Market Data v2) on {started.url}")
    typer.echo(f"  streams: {ws}/stream (trade updates), {ws}/v2/iex (market data)")
    typer.echo(
        f"Replay clock: {_moment(started.now)}, {_market(started.is_open, started.next_open)}"
    )
    if started.speed:
        typer.echo(f"Speed: {started.speed:g} simulated seconds per second")
    else:
        typer.echo("Speed: 0 - the clock stands still until moved; orders wait for the next open")
    where = "" if started.url == _DEFAULT_URL else f" --url {started.url}"
    example = f"{(started.next_open or started.now):%Y-%m-%d}T15:00:00Z"
    typer.echo(
        f"Move the clock: workbench exchange clock{where} --to open  (or --to close, "
        f"--to {example}, --advance 1d, --speed 60)"
    )
    typer.echo(f"Admin key: {started.admin_key}  (saved in {started.admin_key_file})")
    typer.echo(f"Books: {started.books}. Stop with Ctrl+C.")


@app.command("clock")
def clock(
    url: Annotated[str, typer.Option(help="The exchange's address.")] = _DEFAULT_URL,
    to: Annotated[
        str | None, typer.Option(help="open, close (the next one) or an ISO 8601 time.")
    ] = None,
    advance: Annotated[str | None, typer.Option(help="A step: 30s, 15m, 2h, 1d, 1w.")] = None,
    speed: Annotated[
        float | None, typer.Option(help="Simulated seconds per second from now on.")
    ] = None,
    admin_key: AdminKey = None,
    as_json: JsonOption = False,
) -> None:
    """Show a running exchange's replay clock, or move it (--to, --advance, --speed)."""
    from workbench.ops import exchange as ops

    state = ops.exchange_clock(url, admin_key=admin_key, to=to, advance=advance, speed=speed)
    emit(state, as_json, _show_clock)


def _show_clock(state: dict[str, Any]) -> None:
    now = datetime.fromisoformat(state["now"])
    market = "market open" if state["is_open"] else "market closed"
    speed = state["speed"]
    pace = f"speed {speed:g}" if speed else "standing still (speed 0)"
    typer.echo(f"Replay clock: {_moment(now)}, {market}, {pace}")
    if state.get("steps"):
        typer.echo(f"Played {state['steps']} market steps on the way")


def _moment(moment: datetime) -> str:
    local = moment.astimezone(_NEW_YORK)
    return f"{local:%a %Y-%m-%d %H:%M} New York ({moment.isoformat()})"


def _market(is_open: bool, next_open: datetime | None) -> str:
    if is_open:
        return "market open"
    if next_open is None:
        return "market closed, no later session in the calendar"
    return f"market closed; next open {next_open.astimezone(_NEW_YORK):%a %Y-%m-%d %H:%M} New York"
