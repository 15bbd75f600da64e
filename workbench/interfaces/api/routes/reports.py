"""Recorded reports: the list and a download (``workbench report list``). Only files inside
``<home>/reports`` are served (``ops.report.files``); a folder report comes as a zip."""

from __future__ import annotations

from pathlib import PurePath
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from workbench.interfaces.api.deps import API_PREFIX, RuntimeDep, require
from workbench.interfaces.api.errors import problem_responses
from workbench.interfaces.api.params import ListLimit, Offset, RecordId
from workbench.interfaces.api.schemas_runs import ReportPublic
from workbench.model import Permission, to_plain
from workbench.ops import report
from workbench.ops.report import files

__all__ = ["router"]

router = APIRouter(
    prefix=f"{API_PREFIX}/reports",
    tags=["reports"],
    responses=problem_responses(401, 403, 422),
    dependencies=[Depends(require(Permission.READ_REPORTS))],
)
Kind = Annotated[str | None, Query(max_length=32, description="performance, risk, daily...")]


@router.get("", response_model=list[ReportPublic], summary="Recorded reports, newest first")
def list_reports(
    rt: RuntimeDep, kind: Kind = None, limit: ListLimit = 50, offset: Offset = 0
) -> list[ReportPublic]:
    made = report.reports(rt, kind=kind, limit=limit, offset=offset)
    return [
        ReportPublic.model_validate({**to_plain(r), "file_name": PurePath(r.path).name})
        for r in made
    ]


@router.get(
    "/{report_id}",
    response_class=FileResponse,
    summary="Download a report (a folder report as a zip)",
    responses={
        **problem_responses(404),
        200: {"description": "the report's file", "content": {"application/octet-stream": {}}},
    },
)
def download(rt: RuntimeDep, report_id: RecordId) -> FileResponse:
    found = files.report_file(rt, report_id)
    cleanup = BackgroundTask(found.path.unlink, missing_ok=True) if found.temporary else None
    return FileResponse(
        found.path, media_type=found.media_type, filename=found.filename, background=cleanup
    )
