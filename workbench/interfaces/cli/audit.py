"""``workbench audit``: verify the chain (exit 1 when broken) and show its records."""

from __future__ import annotations

from typing import Annotated

import typer

from workbench.interfaces.cli import _render_trade as show
from workbench.interfaces.cli._common import JsonOption, emit, open_runtime
from workbench.interfaces.cli._parse import parse_date

app = typer.Typer(no_args_is_help=True)


@app.command("verify")
def verify(
    complete: Annotated[
        bool,
        typer.Option(
            "--complete",
            help="Also replay the ledger against the chain: every user, key, account state, "
            "order, order event, fill, job, alert rule and handled alert has its record.",
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Recompute every hash; name the first record that does not check out."""
    from workbench.ops import audit, audit_completeness

    if complete:
        replayed = audit_completeness.completeness(open_runtime())
        emit(replayed.to_dict(), as_json, show.audit_completeness)
        ok = replayed.ok
    else:
        result = audit.verify(open_runtime())
        emit(result.__dict__, as_json, show.audit_verification)
        ok = result.ok
    if not ok:
        raise typer.Exit(1)


@app.command("show")
def show_records(
    kind: Annotated[str | None, typer.Option("--kind", help="Kind prefix, e.g. order.")] = None,
    actor: Annotated[str | None, typer.Option("--actor", help="Exactly this actor.")] = None,
    start: Annotated[str | None, typer.Option("--start", help="From YYYY-MM-DD (UTC).")] = None,
    end: Annotated[str | None, typer.Option("--end", help="To YYYY-MM-DD (UTC).")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=100_000)] = 50,
    as_json: JsonOption = False,
) -> None:
    """Audit records, newest first, filtered by kind, actor and dates."""
    from workbench.ops import audit

    rows = audit.records(
        open_runtime(),
        kind=kind,
        actor=actor,
        start=parse_date(start, "--start"),
        end=parse_date(end, "--end"),
        limit=limit,
    )
    emit(rows, as_json, show.audit_records)
