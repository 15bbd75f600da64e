"""``workbench serve``: long-running servers on loopback (the Voila dashboards)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from workbench.ops.dashboards import DashboardsStarted

app = typer.Typer(no_args_is_help=True)


@app.callback()
def serve() -> None:
    """Long-running servers on loopback."""


@app.command("dashboards")
def dashboards(
    port: Annotated[int, typer.Option(help="TCP port.")] = 8866,
    host: Annotated[str, typer.Option(help="Loopback interface to listen on.")] = "127.0.0.1",
    directory: Annotated[
        Path | None,
        typer.Option("--dir", help="Folder of dashboards (default: notebooks/dashboards)."),
    ] = None,
) -> None:
    """Serve the Voila dashboards with the workbench kernel; Ctrl+C stops.

    The dashboards act with the role in WB_DASHBOARD_ROLE (default viewer); a page may ask for
    a lesser one with ?role=viewer, never a greater one."""
    from workbench.ops import dashboards as ops

    code = ops.serve_dashboards(host=host, port=port, directory=directory, on_ready=_started)
    typer.echo("dashboards stopped", err=True)
    raise typer.Exit(code)


def _started(started: DashboardsStarted) -> None:
    typer.echo(
        f"Dashboards (Voila) on {started.url} serving {started.directory} "
        f"({', '.join(started.dashboards)}); Ctrl+C stops"
    )
