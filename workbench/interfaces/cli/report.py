"""``workbench report``: generate reports, list the recorded ones, export ledger tables."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from workbench.interfaces.cli import _render
from workbench.interfaces.cli._common import JsonOption, console, emit, open_runtime
from workbench.interfaces.cli._parse import parse_date

app = typer.Typer(no_args_is_help=True)

FromOption = Annotated[
    str | None, typer.Option("--from", help="First date, YYYY-MM-DD (inclusive, New York).")
]
ToOption = Annotated[
    str | None, typer.Option("--to", help="Last date, YYYY-MM-DD (inclusive, New York).")
]
RunOption = Annotated[str | None, typer.Option("--run", help="A run id (backtest or paper).")]
AccountOption = Annotated[
    str | None, typer.Option("--account", help="Ledger account, when it has several.")
]
OutOption = Annotated[
    Path | None,
    typer.Option(
        "--out",
        help="The file to write (for csv and parquet reports a new folder); never inside the "
        "workbench's stores; default <home>/reports.",
    ),
]
ExportOutOption = Annotated[
    Path | None,
    typer.Option(
        "--out",
        help="The file to write (one file, not a folder); never inside the workbench's stores; "
        "default <home>/reports.",
    ),
]
ForceOption = Annotated[
    bool,
    typer.Option(
        "--force",
        help="Replace a file (or a report folder the workbench wrote) already at --out.",
    ),
]


@app.command("generate")
def generate(
    kind: Annotated[
        str,
        typer.Argument(help="performance, risk, holdings, execution, alerts, quality or daily."),
    ],
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="html, pdf, xlsx, csv, json or parquet.")
    ] = "html",
    out: OutOption = None,
    run: RunOption = None,
    start: FromOption = None,
    end: ToOption = None,
    account: AccountOption = None,
    force: ForceOption = False,
    as_json: JsonOption = False,
) -> None:
    """Build a report, write it (atomically) and record it in the ledger."""
    from workbench.ops import report as ops

    made = ops.generate(
        open_runtime(),
        kind,
        fmt=fmt,
        out=out,
        run_id=run,
        start=parse_date(start, "--from"),
        end=parse_date(end, "--to"),
        account=account,
        force=force,
    )
    emit(made.to_dict(), as_json, lambda p: console.print(_wrote(p), highlight=False))


@app.command("list")
def list_reports(
    kind: Annotated[str | None, typer.Option("--kind", help="Only reports of this kind.")] = None,
    limit: Annotated[int, typer.Option(help="How many, newest first.", min=1, max=100_000)] = 20,
    as_json: JsonOption = False,
) -> None:
    """Reports recorded in the ledger, newest first, with their parameters."""
    from workbench.ops import report as ops

    made = [r.to_dict() for r in ops.reports(open_runtime(), kind=kind, limit=limit)]
    emit(made, as_json, _print_list)


@app.command("export")
def export(
    table: Annotated[
        str,
        typer.Argument(
            help="orders, order_events, fills, positions, cash_movements, audit, alerts, runs "
            "or reports."
        ),
    ],
    fmt: Annotated[str, typer.Option("--format", "-f", help="csv, json or parquet.")] = "csv",
    out: ExportOutOption = None,
    start: FromOption = None,
    end: ToOption = None,
    account: AccountOption = None,
    run: RunOption = None,
    force: ForceOption = False,
    as_json: JsonOption = False,
) -> None:
    """A ledger table in a date range, to one file."""
    from workbench.ops import report as ops

    result = ops.export(
        open_runtime(),
        table,
        fmt=fmt,
        out=out,
        start=parse_date(start, "--from"),
        end=parse_date(end, "--to"),
        account=account,
        run_id=run,
        force=force,
    )
    emit(
        result.to_dict(),
        as_json,
        lambda p: console.print(f"Exported {p['rows']} {p['table']} row(s) to {p['path']}"),
    )


def _wrote(made: dict[str, Any]) -> str:
    where = f"{made['path']} (report {made['id']})"
    return f"Wrote the {made['kind']} report ({made['format']}) to {where}"


def _print_list(made: list[dict[str, Any]]) -> None:
    if not made:
        console.print("No reports yet: try `workbench report generate daily`.")
        return
    rows = [
        (r["id"], r["created_at"][:19], r["kind"], r["format"], r["run_id"], r["path"])
        for r in made
    ]
    _render.table("Reports", ["id", "created", "kind", "format", "run", "path"], rows)
