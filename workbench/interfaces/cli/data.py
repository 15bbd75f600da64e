"""``workbench data``: the market-data lake."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from workbench.interfaces.cli import _render
from workbench.interfaces.cli._common import JsonOption, console, emit, open_runtime, progress_bar
from workbench.interfaces.cli._parse import parse_date, parse_pairs, parse_symbols

app = typer.Typer(no_args_is_help=True)

StartOption = Annotated[
    str | None, typer.Option("--start", help="First date, YYYY-MM-DD (inclusive).")
]
EndOption = Annotated[str | None, typer.Option("--end", help="Last date, YYYY-MM-DD (inclusive).")]
TimeframeOption = Annotated[
    str, typer.Option("--timeframe", "-t", help="Bar timeframe: 1m 5m 15m 30m 1h 1d.")
]


@app.command("load-sample")
def load_sample(as_json: JsonOption = False) -> None:
    """Load the bundled real market data into the lake (idempotent)."""
    from workbench.ops import data as ops

    with progress_bar(not as_json) as progress:
        result = ops.load_sample(open_runtime(), progress)
    emit([r.to_dict() for r in result.reports], as_json, lambda _: _render.ingests(result.reports))


@app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(help="A .csv, .csv.gz or .parquet file.")],
    dataset: Annotated[
        str, typer.Option(help="bars_1d, bars_1m, ..., quotes or trades.")
    ] = "bars_1d",
    symbol: Annotated[
        str | None, typer.Option(help="Symbol of every row, if the file has no symbol column.")
    ] = None,
    column_map: Annotated[
        str | None, typer.Option("--map", help="Rename columns: 'Px=close,Day=timestamp'.")
    ] = None,
    tz: Annotated[
        str | None, typer.Option(help="Timezone of naive timestamps, e.g. America/New_York.")
    ] = None,
    policy: Annotated[str | None, typer.Option(help="reject (default), drop or warn.")] = None,
    upsert: Annotated[bool, typer.Option(help="Replace stored rows that differ.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Validate a file and add it to the lake; a rejected file writes nothing."""
    from workbench.ops import data as ops

    with progress_bar(not as_json) as progress:
        report = ops.import_file(
            open_runtime(),
            file,
            dataset=dataset,
            symbol=symbol,
            mapping=parse_pairs(column_map, "--map"),
            tz=tz,
            policy=policy,
            upsert=upsert,
            progress=progress,
        )
    emit(report.to_dict(), as_json, lambda _: _render.ingests([report]))


@app.command("fetch")
def fetch(
    symbols: Annotated[str, typer.Option("--symbols", help="Comma-separated symbols.")],
    start: StartOption = None,
    end: EndOption = None,
    timeframe: TimeframeOption = "1d",
    as_json: JsonOption = False,
) -> None:
    """Fetch bars from Alpaca for the sessions the lake is missing."""
    from workbench.ops import data as ops

    first, last = parse_date(start, "--start"), parse_date(end, "--end")
    if first is None or last is None:
        raise typer.BadParameter("fetch needs --start and --end")
    with progress_bar(not as_json) as progress:
        report = ops.fetch(
            open_runtime(),
            parse_symbols(symbols),
            first,
            last,
            timeframe=timeframe,
            progress=progress,
        )
    payload: dict[str, Any] = {
        "dataset": report.dataset,
        "requested": report.requested,
        "rows_fetched": report.rows_fetched,
        "rows_written": report.rows_written,
    }
    emit(
        payload,
        as_json,
        lambda p: console.print(
            f"{report.dataset}: fetched {p['rows_fetched']} rows, wrote {p['rows_written']}"
        ),
    )


@app.command("list")
def list_coverage(
    dataset: Annotated[str | None, typer.Option(help="Only this dataset.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Datasets and symbols in the lake, with first/last bar, rows and missing sessions."""
    from workbench.ops import data as ops

    rows = ops.coverage_rows(open_runtime(), dataset)
    emit(rows, as_json, _render.coverage)


@app.command("show")
def show(
    symbol: Annotated[str, typer.Argument(help="The symbol, e.g. AAPL.")],
    start: StartOption = None,
    end: EndOption = None,
    timeframe: TimeframeOption = "1d",
    tail: Annotated[int, typer.Option(help="Show the last N bars (0 for all).")] = 20,
    as_json: JsonOption = False,
) -> None:
    """A symbol's bars."""
    from workbench.ops import data as ops

    frame = ops.show(
        open_runtime(),
        symbol,
        start=parse_date(start, "--start"),
        end=parse_date(end, "--end"),
        timeframe=timeframe,
        tail=tail or None,
    )
    emit(frame, as_json, lambda f: _render.bars(symbol.upper(), f))


@app.command("quality")
def quality(
    dataset: Annotated[str, typer.Option(help="Dataset to check.")] = "bars_1d",
    symbols: Annotated[str | None, typer.Option("--symbols", help="Only these symbols.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Run every validation rule over what the lake holds."""
    from workbench.ops import data as ops

    report = ops.quality(open_runtime(), dataset, parse_symbols(symbols) if symbols else None)
    emit(report.to_dict(), as_json, lambda _: _render.quality(report))
