"""``workbench jobs``: the jobs queued through the API (backtests, grids, walk-forwards,
reports): list, show, cancel. The operator of the home sees every user's jobs."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from workbench.interfaces.cli._common import JsonOption, actor, console, emit, open_runtime
from workbench.interfaces.cli._render import table

app = typer.Typer(no_args_is_help=True)

JobArgument = Annotated[int, typer.Argument(help="The job's id.", min=1)]


@app.command("list")
def list_jobs(
    state: Annotated[str | None, typer.Option(help="queued, running, succeeded...")] = None,
    kind: Annotated[str | None, typer.Option(help="backtest, optimize, walk_forward...")] = None,
    limit: Annotated[int, typer.Option(help="At most this many (1 to 200).")] = 50,
    as_json: JsonOption = False,
) -> None:
    """Jobs, newest first."""
    from workbench.ops import jobs

    found = jobs.jobs(open_runtime(), jobs.operator(actor()), state=state, kind=kind, limit=limit)
    emit([job.to_dict() for job in found], as_json, _render_list)


@app.command("show")
def show(job_id: JobArgument, as_json: JsonOption = False) -> None:
    """One job: parameters, state, progress, result reference, error."""
    from workbench.ops import jobs

    emit(jobs.job(open_runtime(), job_id, jobs.operator(actor())).to_dict(), as_json, _render)


@app.command("cancel")
def cancel(job_id: JobArgument, as_json: JsonOption = False) -> None:
    """Cancel a queued or running job."""
    from workbench.ops import jobs

    emit(jobs.cancel(open_runtime(), job_id, jobs.operator(actor())).to_dict(), as_json, _render)


def _render_list(found: list[dict[str, Any]]) -> None:
    rows = [
        (j["id"], j["kind"], j["owner"], j["state"], f"{j['progress']:.0%}", j["created_at"])
        for j in found
    ]
    table("Jobs", ["id", "kind", "owner", "state", "progress", "created"], rows)


def _render(job: dict[str, Any]) -> None:
    console.print(f"job {job['id']}: {job['kind']} by {job['owner']}, {job['state']}")
    console.print(f"  progress {job['progress']:.0%} {job['message'] or ''}".rstrip())
    if job["result_id"] is not None:
        console.print(f"  result: {job['result_kind']} {job['result_id']}")
    if job["error"]:
        console.print(f"  error: {job['error']}")
