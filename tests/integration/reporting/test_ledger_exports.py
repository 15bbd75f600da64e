"""Ledger exports and recorded reports on SQLite and PostgreSQL: the same paper session, the
same date filters, the same rows."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd
import pytest

from workbench.core.config import load_settings
from workbench.ops import report
from workbench.runtime import Runtime

pytestmark = pytest.mark.requirement("REP-03")


@pytest.fixture
def rt(
    ledger_url: str,
    sample_lake: Path,
    paper_session: ModuleType,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Runtime]:
    home = tmp_path_factory.mktemp("export-home")
    (home / "lake").symlink_to(sample_lake, target_is_directory=True)
    settings = load_settings(home=home, ledger_url=ledger_url, **paper_session.session_settings())
    with Runtime.from_settings(settings) as runtime:
        paper_session.write_paper_session(runtime)
        yield runtime
        runtime.data.close()


def read(path: Path, fmt: str) -> pd.DataFrame:
    if fmt == "csv":
        return pd.read_csv(path)
    if fmt == "parquet":
        return pd.read_parquet(path)
    return pd.DataFrame(json.loads(path.read_text()))


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet"])
def test_exports_filter_by_new_york_dates(rt: Runtime, tmp_path: Path, fmt: str) -> None:
    december = {"start": date(2017, 12, 1), "end": date(2017, 12, 31)}
    orders = report.export(rt, "orders", fmt=fmt, out=tmp_path / f"orders.{fmt}", **december)
    frame = read(Path(orders.path), fmt)
    assert orders.rows == len(frame) == 2  # the XOM trim and the rejected AAPL buy
    assert sorted(frame["status"]) == ["filled", "rejected"]
    fills = report.export(rt, "fills", fmt=fmt, out=tmp_path / f"fills.{fmt}", **december)
    only = read(Path(fills.path), fmt)
    assert list(only["symbol"]) == ["XOM"] and list(only["side"]) == ["sell"]
    every = read(Path(report.export(rt, "fills", fmt=fmt, out=tmp_path / f"all.{fmt}").path), fmt)
    bought = every[(every["symbol"] == "XOM") & (every["side"] == "buy")]["qty"].astype(float).sum()
    assert float(only["qty"].iloc[0]) == float(bought // 2)  # half the XOM, whole shares


@pytest.mark.parametrize("table", ["orders", "fills", "positions", "audit"])
def test_every_ledger_table_exports_whole(rt: Runtime, tmp_path: Path, table: str) -> None:
    rows = {"orders": 7, "fills": 5, "positions": 4, "audit": audit_rows(rt)}[table]
    result = report.export(rt, table, fmt="parquet", out=tmp_path / f"{table}.parquet")
    frame = pd.read_parquet(result.path)
    assert result.rows == len(frame) == rows
    assert frame["id"].is_monotonic_increasing


def audit_rows(rt: Runtime) -> int:
    import sqlalchemy as sa

    from workbench.ledger import AuditRecordRow

    with rt.ledger.session(read_only=True) as session:
        return int(session.scalar(sa.select(sa.func.count()).select_from(AuditRecordRow)) or 0)


def test_audit_export_keeps_the_hash_chain(rt: Runtime, tmp_path: Path) -> None:
    result = report.export(rt, "audit", fmt="json", out=tmp_path / "audit.json")
    records: list[dict[str, Any]] = json.loads(Path(result.path).read_text())
    assert [r["seq"] for r in records] == list(range(1, audit_rows(rt) + 1))
    assert all(r["prev_hash"] == p["hash"] for p, r in itertools.pairwise(records))
    kinds = {r["kind"] for r in records}
    assert {"order.intent", "risk.decision", "fill"} <= kinds, kinds


def test_a_report_is_recorded_with_its_run(rt: Runtime, tmp_path: Path) -> None:
    made = report.generate(rt, "execution", fmt="json", out=tmp_path / "e.json", run_id=1)
    assert made.run_id == 1 and made.params == {"run_id": 1, "format": "json"}
    document = json.loads(Path(made.path).read_text())
    metrics = {m["key"]: m["value"] for s in document["sections"] for m in s["metrics"]}
    assert metrics["orders"] == 7 and metrics["fills"] == 5
    assert [r.id for r in report.reports(rt)] == [made.id]
