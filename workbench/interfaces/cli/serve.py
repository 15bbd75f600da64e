"""``workbench serve``: the long-running faces (``api``, ``dashboards``), on loopback unless
told otherwise."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from workbench.interfaces.api.server import ApiStarted
    from workbench.ops.dashboards import DashboardsStarted

app = typer.Typer(no_args_is_help=True)


@app.callback()
def serve() -> None:
    """Serve a face: the REST API, the MCP server, the Voila dashboards."""


@app.command("api")
def api(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes, each with its runtime.")] = 1,
    ssl_certfile: Annotated[Path | None, typer.Option(help="TLS certificate (PEM).")] = None,
    ssl_keyfile: Annotated[Path | None, typer.Option(help="TLS private key (PEM).")] = None,
    behind_proxy: Annotated[
        bool, typer.Option(help="A TLS proxy is in front: honour its X-Forwarded-* headers.")
    ] = False,
    forwarded_allow_ips: Annotated[
        str, typer.Option(help="Proxy addresses trusted with --behind-proxy.")
    ] = "127.0.0.1",
    scheduler: Annotated[
        str | None,
        typer.Option(help="Run jobs on the Dask cluster at tcp://host:8786 (default: local)."),
    ] = None,
) -> None:
    """The REST API (FastAPI) over this home's runtime, until Ctrl+C or SIGTERM."""
    import os

    from workbench.core.config import load_settings

    if scheduler is not None:  # every worker process builds its settings from the environment
        os.environ["WB_JOBS__SCHEDULER"] = scheduler
    from workbench.core.logging import configure_logging, secret_values
    from workbench.interfaces.api.server import serve_api

    settings = load_settings()
    configure_logging(
        settings.log_level, settings.effective_log_format, secrets=secret_values(settings)
    )
    serve_api(
        host=host,
        port=port,
        workers=workers,
        ssl_certfile=ssl_certfile,
        ssl_keyfile=ssl_keyfile,
        behind_proxy=behind_proxy,
        forwarded_allow_ips=forwarded_allow_ips,
        on_ready=_listening,
    )
    typer.echo("workbench api stopped")


@app.command("mcp")
def mcp(
    api_key_env: Annotated[
        str | None,
        typer.Option(help="Environment variable holding the API key (default WB_MCP__API_KEY)."),
    ] = None,
) -> None:
    """The MCP server over stdio for an AI assistant, acting with an API key's identity."""
    from workbench.interfaces.cli._common import open_runtime
    from workbench.interfaces.mcp.stdio import serve_stdio, stdio_face

    face, principal = stdio_face(open_runtime(), api_key_env)
    trading = "enabled" if face.runtime.settings.mcp.trading_enabled else "disabled"
    typer.echo(
        f"workbench mcp serving on stdio as {principal.user} ({principal.role.value}); "
        f"trading tools {trading}",
        err=True,
    )
    serve_stdio(face)


def _listening(started: ApiStarted) -> None:
    typer.echo(f"workbench api listening on {started.url} (docs at /docs)")
    for warning in started.warnings:
        typer.echo(f"warning: {warning}", err=True)


@app.command("dashboards")
def dashboards(
    port: Annotated[int, typer.Option(help="TCP port.")] = 8866,
    host: Annotated[
        str, typer.Option(help="Interface to listen on (loopback unless --behind-proxy).")
    ] = "127.0.0.1",
    directory: Annotated[
        Path | None,
        typer.Option("--dir", help="Folder of dashboards (default: notebooks/dashboards)."),
    ] = None,
    behind_proxy: Annotated[
        bool,
        typer.Option(help="An authenticating proxy is the only way in: any --host is allowed."),
    ] = False,
) -> None:
    """Serve the Voila dashboards with the workbench kernel; Ctrl+C stops.

    The dashboards act with the role in WB_DASHBOARD_ROLE (default viewer); a page may ask for
    a lesser one with ?role=viewer, never a greater one."""
    from workbench.ops import dashboards as ops

    code = ops.serve_dashboards(
        host=host, port=port, directory=directory, on_ready=_started, behind_proxy=behind_proxy
    )
    typer.echo("dashboards stopped", err=True)
    raise typer.Exit(code)


def _started(started: DashboardsStarted) -> None:
    typer.echo(
        f"Dashboards (Voila) on {started.url} serving {started.directory} "
        f"({', '.join(started.dashboards)}); Ctrl+C stops"
    )
