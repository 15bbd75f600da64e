"""``workbench.ops.db`` and the ``workbench db`` group, on the ledger the settings name."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from workbench.core.errors import DataError
from workbench.interfaces.cli.db import app
from workbench.ledger import AccountRow, Ledger
from workbench.ledger.engine import maintenance
from workbench.ops import db as db_ops
from workbench.runtime import Runtime

pytestmark = pytest.mark.requirement("DEP-05")


@pytest.fixture
def runtime(ledger_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Runtime]:
    monkeypatch.setenv("WB_LEDGER_URL", ledger_url)
    with Runtime.from_settings() as rt:
        yield rt


def test_the_use_cases_migrate_report_back_up_and_restore(runtime: Runtime, tmp_path: Path) -> None:
    status = db_ops.current(runtime)
    assert (status.current, status.up_to_date) == (None, False)

    first = db_ops.upgrade(runtime)
    assert (first.before, first.after, first.changed) == (None, status.head, True)
    assert not db_ops.upgrade(runtime).changed
    assert db_ops.current(runtime).up_to_date

    with Ledger.from_url(runtime.settings.ledger_dsn) as ledger, ledger.session() as session:
        session.add(AccountRow(name="paper", broker="paper"))
    backup = db_ops.backup(runtime, tmp_path / "ledger.zip")
    assert backup.tables["accounts"] == 1
    restored = db_ops.restore(runtime, backup.path)
    assert restored.rows == backup.rows == 1


def test_the_default_ledger_is_sqlite_in_the_home(wb_home: Path) -> None:
    with Runtime.from_settings() as rt:
        status = db_ops.current(rt)
    assert status.url == f"sqlite:///{wb_home / 'ledger.db'}"


@pytest.fixture
def cli(runtime: Runtime) -> CliRunner:
    return CliRunner()


def test_current_and_upgrade_speak_json(cli: CliRunner) -> None:
    before = cli.invoke(app, ["current", "--json"])
    assert before.exit_code == 0, before.output
    assert json.loads(before.stdout)["current"] is None

    upgraded = cli.invoke(app, ["upgrade", "--json"])
    assert json.loads(upgraded.stdout)["changed"] is True

    after = json.loads(cli.invoke(app, ["current", "--json"]).stdout)
    assert after["up_to_date"] is True
    assert after["current"] == after["head"]


def test_backup_and_restore_for_people(cli: CliRunner, tmp_path: Path) -> None:
    cli.invoke(app, ["upgrade"])
    path = tmp_path / "ledger.zip"
    backed_up = cli.invoke(app, ["backup", str(path)])
    assert backed_up.exit_code == 0, backed_up.output
    assert "backed up to" in backed_up.stdout
    assert "accounts" in backed_up.stdout

    declined = cli.invoke(app, ["restore", str(path)], input="n\n")
    assert declined.exit_code == 1
    assert "Replace every row" in declined.stderr

    restored = cli.invoke(app, ["restore", str(path), "--yes", "--json"])
    assert restored.exit_code == 0, restored.output
    assert json.loads(restored.stdout)["revision"] == "0007"


def test_restore_of_garbage_raises_the_workbench_error(cli: CliRunner, tmp_path: Path) -> None:
    garbage = tmp_path / "notes.txt"
    garbage.write_text("not a backup")
    result = cli.invoke(app, ["restore", str(garbage), "--yes"])
    assert result.exit_code == 1
    assert isinstance(result.exception, DataError)
    assert "not a workbench ledger backup" in result.exception.message


def test_restore_of_a_missing_file_is_a_usage_error(cli: CliRunner, tmp_path: Path) -> None:
    result = cli.invoke(app, ["restore", str(tmp_path / "nope.zip"), "--yes"])
    assert result.exit_code == 2


def test_current_says_when_a_newer_workbench_migrated_the_ledger(cli: CliRunner) -> None:
    cli.invoke(app, ["upgrade"])
    with Runtime.from_settings() as rt, Ledger.from_url(rt.settings.ledger_dsn) as ledger:
        with maintenance(ledger.engine) as connection:
            connection.execute(sa.text("UPDATE alembic_version SET version_num = '0999'"))
        status = db_ops.current(rt)
    assert (status.current, status.known, status.up_to_date) == ("0999", False, False)
    shown = cli.invoke(app, ["current"])
    assert "migrated by a newer workbench" in shown.stdout
