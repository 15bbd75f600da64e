"""``workbench run``: the daily job on the configured defaults, then the API and dashboards."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from workbench.interfaces.cli._common import JsonOption, console, emit, err_console

if TYPE_CHECKING:
    from workbench.ops.serving import FacesStarted


def run(
    serve: Annotated[
        bool,
        typer.Option(help="After the pipeline, serve the API and the dashboards until Ctrl+C."),
    ] = True,
    sessions: Annotated[
        int, typer.Option(help="Sessions the paper run replays (126: about six months).")
    ] = 126,
    api_port: Annotated[int, typer.Option(help="Loopback port of the API.")] = 8000,
    dashboards_port: Annotated[int, typer.Option(help="Loopback port of the dashboards.")] = 8866,
    as_json: JsonOption = False,
) -> None:
    """The daily job (what `make run` does): run notebooks/workflows/daily_pipeline.ipynb
    through papermill on the workbench kernel, then serve the API and the dashboards.

    On the configured home (WB_HOME, default ~/.workbench; on the embedded default: bundled
    data, SQLite ledger, paper broker) the pipeline loads the sample into an empty lake,
    validates, analyses, takes signals through the risk gate, trades a replayed paper run,
    evaluates the monitoring rules and writes the daily report with the run's parity. The
    executed notebook and its JSON summary are kept under <home>/runs/daily/ (a failed run as
    *.failed.ipynb). A summary is printed (--json: the summary as JSON on stdout).

    Then the API and the Voila dashboards listen on 127.0.0.1 (ports 8000 and 8866) until
    Ctrl+C or SIGTERM, which stops both and exits 0. A taken port is an error before the
    pipeline starts: free it or pick another with --api-port / --dashboards-port.
    --no-serve stops after the pipeline (for CI)."""
    from workbench.ops import daily, serving

    if serve:
        serving.require_free_ports(api_port, dashboards_port)
    show_progress = not as_json and err_console.is_terminal
    done = daily.run_pipeline(sessions=sessions, show_progress=show_progress)
    emit(done.to_dict(), as_json, _print)
    if serve:
        serving.serve_api_and_dashboards(
            api_port=api_port,
            dashboards_port=dashboards_port,
            on_ready=lambda started: _serving(started, err=as_json),
        )
        typer.echo("API and dashboards stopped", err=True)


def _print(data: dict[str, Any]) -> None:
    from workbench.interfaces.cli import _render_trade

    console.print(
        f"[bold]Daily pipeline[/] ran in {data['seconds']:.1f} s on {data['home']}", highlight=False
    )
    if data["loaded"]:
        console.print(f"Loaded the bundled sample: {data['loaded']:,} bars.")
    console.print(
        f"Signals now: {data['signal_orders']} order(s), "
        f"{sum(1 for g in data['gate'] if g['approved'])} passing the risk gate.",
        highlight=False,
    )
    _render_trade.run_summary(data["run"])
    pnl = float(data["run"]["final_equity"]) - float(data["run"]["initial_equity"])
    console.print(f"P&L: {pnl:+,.2f}", highlight=False)
    alerts = ", ".join(f"{name} {count}" for name, count in data["alerts"].items())
    console.print(f"Alerts raised over the run's sessions: {alerts or 'no rules'}", highlight=False)
    console.print("[bold]Parity with its backtest[/]:")
    for line in data["parity"]["explanations"]:
        console.print(f"  {line}", highlight=False)
    console.print(f"Daily report: {data['report']['path']}", highlight=False)
    console.print(f"Executed notebook: {data['notebook']}", highlight=False)
    console.print(f"Its summary: {data['summary_path']}", highlight=False)


def _serving(started: FacesStarted, *, err: bool) -> None:
    typer.echo(f"API:        {started.api_url} (docs at {started.api_url}/docs)", err=err)
    typer.echo(f"Dashboards: {started.dashboards_url}", err=err)
    typer.echo("Serving until Ctrl+C, which stops both.", err=err)
