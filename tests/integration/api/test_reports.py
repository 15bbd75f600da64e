"""Recorded reports are listed and downloaded with their media type; only files inside
``<home>/reports`` are served, whatever the id, the ledger row or a link in the folder says."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from workbench.ledger import ReportRow
from workbench.ops import report
from workbench.runtime import Runtime

pytestmark = pytest.mark.requirement("INT-03")

BASE = "/api/v1/reports"


def _recorded(rt: Runtime, path: Path | str, fmt: str = "json") -> int:
    """A ledger row pointing at ``path``, as a tampered or moved ledger would hold it."""
    with rt.ledger.session() as session:
        row = ReportRow(kind="quality", format=fmt, params={}, path=str(path), run_id=None)
        session.add(row)
        session.flush()
        return int(row.id)


def test_reports_are_listed_a_page_at_a_time_and_downloaded(
    client: TestClient, runtime: Runtime
) -> None:
    made = [report.generate(runtime, "quality", fmt=fmt) for fmt in ("json", "html", "csv")]
    listed = client.get(BASE).json()
    assert [r["id"] for r in listed] == [m.id for m in reversed(made)]
    assert listed[0]["file_name"] == Path(made[-1].path).name
    assert "path" not in listed[0]  # the server's folders are not the client's business
    paged = client.get(BASE, params={"limit": 1, "offset": 1}).json()
    assert [r["id"] for r in paged] == [made[1].id]
    assert client.get(BASE, params={"limit": 201}).status_code == 422
    assert client.get(BASE, params={"kind": "astrology"}).status_code == 422

    as_json = client.get(f"{BASE}/{made[0].id}")
    assert as_json.status_code == 200
    assert as_json.headers["content-type"] == "application/json"
    assert as_json.content == Path(made[0].path).read_bytes()
    assert "attachment" in as_json.headers["content-disposition"]
    as_html = client.get(f"{BASE}/{made[1].id}")
    assert as_html.headers["content-type"] == "text/html; charset=utf-8"
    assert as_html.content == Path(made[1].path).read_bytes()
    folder = client.get(f"{BASE}/{made[2].id}")
    assert folder.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(folder.content)).namelist()
    assert sorted(names) == sorted(p.name for p in Path(made[2].path).iterdir())


@pytest.mark.parametrize(
    "where",
    [
        lambda home: "/etc/passwd",
        lambda home: str(home / "reports" / ".." / "ledger.db"),
        lambda home: "../../../../etc/passwd",
        lambda home: str(home / "reports"),
    ],
    ids=["absolute", "dot-dot-into-the-home", "relative-dot-dot", "the-folder-itself"],
)
def test_a_row_pointing_outside_the_reports_folder_is_not_served(
    client: TestClient, runtime: Runtime, sample_home: Path, where: Any
) -> None:
    (sample_home / "reports").mkdir(exist_ok=True)
    number = _recorded(runtime, where(sample_home))
    response = client.get(f"{BASE}/{number}")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert "outside the reports folder" in response.json()["detail"]
    assert "root:" not in response.text


def test_a_link_in_the_reports_folder_to_a_file_outside_is_not_followed(
    client: TestClient, runtime: Runtime, sample_home: Path
) -> None:
    secret = sample_home / "secret.txt"
    secret.write_text("not for the API")
    reports = sample_home / "reports"
    reports.mkdir(exist_ok=True)
    (reports / "innocent.json").symlink_to(secret)
    folder = reports / "folder-csv"
    folder.mkdir()
    (folder / "table.csv").symlink_to(secret)
    for path, fmt in ((reports / "innocent.json", "json"), (folder, "csv")):
        response = client.get(f"{BASE}/{_recorded(runtime, path, fmt)}")
        assert response.status_code == 404
        assert "not for the API" not in response.text


def test_ids_that_try_to_climb_out_are_refused(client: TestClient, runtime: Runtime) -> None:
    report.generate(runtime, "quality", fmt="json")
    for attempt in (
        "..%2F..%2Fetc%2Fpasswd",
        "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "%252e%252e%252fetc%252fpasswd",
        "..%5C..%5Cledger.db",
        "1%00.json",
        "0",
        "-1",
        "99999999999999999999999",
    ):
        response = client.get(f"{BASE}/{attempt}")
        assert response.status_code in (404, 422), attempt
        assert response.headers["content-type"] == "application/problem+json"
        assert "root:" not in response.text


@pytest.mark.anyio
async def test_a_raw_dot_dot_path_never_reaches_a_file(app: FastAPI, runtime: Runtime) -> None:
    """httpx normalises ``..`` away, so the request goes to the app as a server would pass it
    on: the raw path in the ASGI scope."""
    from tests.integration.api.conftest import key_for

    key = key_for(runtime, "viewer").encode()
    for raw in (b"/api/v1/reports/../../etc/passwd", b"/api/v1/reports/1/../../../ledger.db"):
        status, body = await _raw_get(app, raw, key)
        assert status in (401, 404, 422)
        assert b"root:" not in body and b"SQLite" not in body


async def _raw_get(app: FastAPI, raw_path: bytes, key: bytes) -> tuple[int, bytes]:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": raw_path.decode(),
        "raw_path": raw_path,
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), (b"authorization", b"Bearer " + key)],
        "server": ("127.0.0.1", 80),
        "client": ("127.0.0.1", 50000),
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return int(status), body
