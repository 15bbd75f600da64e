"""``workbench serve``: the long-running faces (``api``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from workbench.interfaces.api.server import ApiStarted

app = typer.Typer(no_args_is_help=True)


@app.callback()
def serve() -> None:
    """Serve a face: the REST API."""


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
) -> None:
    """The REST API (FastAPI) over this home's runtime, until Ctrl+C or SIGTERM."""
    from workbench.core.config import load_settings
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


def _listening(started: ApiStarted) -> None:
    typer.echo(f"workbench api listening on {started.url} (docs at /docs)")
