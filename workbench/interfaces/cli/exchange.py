"""``workbench exchange``: the local Alpaca-compatible exchange."""

from __future__ import annotations

from typing import Annotated

import typer

from workbench.interfaces.cli._common import open_runtime

app = typer.Typer(no_args_is_help=True)


@app.callback()  # keeps `serve` a subcommand although it is the only one
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
) -> None:
    """Serve Alpaca's Trading and Market Data APIs over the lake, on a replay clock."""
    from workbench.ops import exchange as ops

    runtime = open_runtime()
    config = ops.exchange_config(
        runtime, start=start, speed=speed, timeframe=timeframe, reset=reset
    )
    ops.serve_exchange(runtime, config, host=host, port=port)
