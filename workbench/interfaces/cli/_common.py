"""What every command shares: the --json option, output, progress bars and the runtime.

Kept free of pandas and the engines: ``workbench --help`` imports this module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from workbench.core.progress import Progress

if TYPE_CHECKING:
    from workbench.runtime import Runtime

__all__ = [
    "JsonOption",
    "actor",
    "console",
    "emit",
    "err_console",
    "open_runtime",
    "progress_bar",
]

JsonOption = Annotated[
    bool, typer.Option("--json", help="Print one JSON document and nothing else.")
]

console = Console()
err_console = Console(stderr=True)


def open_runtime(**overrides: Any) -> Runtime:
    """The runtime for one command (``overrides`` replace settings, e.g. ``broker``), closed
    when the command ends, however it ends (its ledger connections and broker session are
    released); logs go to stderr with every configured secret masked."""
    import click

    from workbench.core.logging import configure_logging, secret_values
    from workbench.runtime import Runtime

    runtime = Runtime.from_settings(**overrides)
    command = click.get_current_context(silent=True)
    if command is not None:
        command.call_on_close(runtime.close)
    settings = runtime.settings
    configure_logging(
        settings.log_level, settings.effective_log_format, secrets=secret_values(settings)
    )
    return runtime


def actor() -> str:
    """Who is acting, for the audit chain: the operating-system user at the CLI."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


def emit(payload: Any, as_json: bool, render: Callable[[Any], None]) -> None:
    """Print ``payload`` as one JSON document (the plain-value policy of
    ``workbench.model.plain``), or hand it to ``render`` for people."""
    if as_json:
        from workbench.model.plain import plain_json

        typer.echo(plain_json(payload, indent=2))
    else:
        render(payload)


@contextmanager
def progress_bar(enabled: bool = True) -> Iterator[Progress]:
    """A Rich progress bar on stderr; ``enabled=False`` (for --json) yields a silent callback.

    Only on a terminal: elsewhere the bar has no one to show to, and stopping it would leave a
    blank line ahead of whatever error follows on stderr."""
    if not enabled or not err_console.is_terminal:
        yield lambda done, total, label: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
    from rich.progress import Progress as RichProgress

    with RichProgress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as progress:
        task = progress.add_task("working", total=None)

        def update(done: int, total: int, label: str) -> None:
            progress.update(task, completed=done, total=total, description=label)

        yield update
