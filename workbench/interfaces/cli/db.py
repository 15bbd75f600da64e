"""``workbench db``: migrate, inspect, back up and restore the SQL ledger.

The ops layer (and with it SQLAlchemy) is imported inside each command, so ``workbench --help``
does not pay for it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from workbench.interfaces.cli._common import JsonOption, console, emit, open_runtime

if TYPE_CHECKING:
    from workbench.ops.db import BackupInfo, LedgerStatus, RestoreInfo, UpgradeResult

__all__ = ["app"]

app = typer.Typer(no_args_is_help=True)

BackupFile = Annotated[Path, typer.Argument(help="The backup file (a .zip).", dir_okay=False)]


@app.command()
def upgrade(as_json: JsonOption = False) -> None:
    """Migrate the ledger to the newest schema this workbench knows."""
    from workbench.ops import db as ops

    with open_runtime() as rt:
        result = ops.upgrade(rt)
    emit(result, as_json, _show_upgrade)


@app.command()
def current(as_json: JsonOption = False) -> None:
    """Show the ledger's schema revision and whether it is the newest."""
    from workbench.ops import db as ops

    with open_runtime() as rt:
        status = ops.current(rt)
    emit(status, as_json, _show_status)


@app.command()
def backup(
    path: BackupFile,
    force: Annotated[
        bool, typer.Option("--force", help="Replace a file already at the path.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Write the whole ledger, as of one moment, to a portable backup file (never inside the
    workbench's stores; an existing file only with --force)."""
    from workbench.ops import db as ops

    with open_runtime() as rt:
        info = ops.backup(rt, path, force=force)
    emit(info, as_json, lambda i: _show_tables(f"backed up to {i.path}", i))


@app.command()
def restore(
    path: Annotated[Path, typer.Argument(help="The backup file.", exists=True, dir_okay=False)],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Replace everything in the ledger with a backup (all or nothing), once its checksums and
    its audit chain check out."""
    from workbench.ops import db as ops

    if not yes:
        typer.confirm(f"Replace every row of the ledger with {path}?", abort=True, err=True)
    with open_runtime() as rt:
        info = ops.restore(rt, path)
    emit(info, as_json, lambda i: _show_tables(f"restored {i.path} (revision {i.revision})", i))


def _show_upgrade(result: UpgradeResult) -> None:
    if result.changed:
        line = f"upgraded {result.url}: {result.before or '(empty)'} -> {result.after}"
    else:
        line = f"{result.url} is already at revision {result.after}"
    console.print(line, markup=False, highlight=False)


def _show_status(status: LedgerStatus) -> None:
    if not status.known:
        state = "migrated by a newer workbench"
    else:
        state = "up to date" if status.up_to_date else "run `workbench db upgrade`"
    line = f"{status.url}: revision {status.current or '(none)'}, head {status.head} ({state})"
    console.print(line, markup=False, highlight=False)


def _show_tables(title: str, info: BackupInfo | RestoreInfo) -> None:
    from rich.table import Table
    from rich.text import Text

    console.print(Text(title))  # Text: a path is not markup
    table = Table()
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, rows in info.tables.items():
        table.add_row(name, str(rows))
    table.add_row("[b]total[/b]", f"[b]{info.rows}[/b]")
    console.print(table)
