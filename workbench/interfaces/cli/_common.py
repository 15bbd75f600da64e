"""What every command shares: the --json option, output, progress bars and the runtime.

Kept free of pandas and the engines: ``workbench --help`` imports this module.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

if TYPE_CHECKING:
    from workbench.runtime import Runtime

__all__ = [
    "JsonOption",
    "ProgressCallback",
    "actor",
    "console",
    "emit",
    "err_console",
    "open_runtime",
    "progress_bar",
    "to_jsonable",
]

JsonOption = Annotated[
    bool, typer.Option("--json", help="Print one JSON document and nothing else.")
]
ProgressCallback = Callable[[int, int, str], None]

console = Console()
err_console = Console(stderr=True)


def open_runtime(**overrides: Any) -> Runtime:
    """The runtime for one command (``overrides`` replace settings, e.g. ``broker``); logs go
    to stderr with every configured secret masked."""
    from workbench.core.logging import configure_logging, secret_values
    from workbench.runtime import Runtime

    runtime = Runtime.from_settings(**overrides)
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


def to_jsonable(value: Any) -> Any:
    """Plain JSON types from dataclasses, pydantic models, frames, Decimals, dates and enums."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if hasattr(value, "model_dump"):
        return to_jsonable(value.model_dump())
    if hasattr(value, "to_dict") and hasattr(value, "columns"):  # a DataFrame, without pandas
        return [to_jsonable(row) for row in value.to_dict(orient="records")]
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return to_jsonable(value.item())
    if hasattr(value, "isoformat"):  # pandas Timestamp
        return value.isoformat()
    if value is None or isinstance(value, str | int | bool):
        return value
    if value != value:  # NaN-like (pandas NA, NaT)
        return None
    return str(value)


def emit(payload: Any, as_json: bool, render: Callable[[Any], None]) -> None:
    """Print ``payload`` as one JSON document, or hand it to ``render`` for people."""
    if as_json:
        typer.echo(json.dumps(to_jsonable(payload), indent=2))
    else:
        render(payload)


@contextmanager
def progress_bar(enabled: bool = True) -> Iterator[ProgressCallback]:
    """A Rich progress bar on stderr; ``enabled=False`` (for --json) yields a silent callback.

    Only on a terminal: elsewhere the bar has no one to show to, and stopping it would leave a
    blank line ahead of whatever error follows on stderr."""
    if not enabled or not err_console.is_terminal:
        yield lambda done, total, label: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
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
