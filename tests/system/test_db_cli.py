"""``workbench db`` as an operator runs it: the installed command, in a fresh process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.system

WORKBENCH = str(Path(sys.executable).with_name("workbench"))


def _run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [WORKBENCH, *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


@pytest.fixture
def env(ledger_url: str) -> dict[str, str]:
    return {**os.environ, "WB_LEDGER_URL": ledger_url}


def test_upgrade_back_up_and_restore_the_ledger(env: dict[str, str], tmp_path: Path) -> None:
    current = _run("db", "current", "--json", env=env)
    assert current.returncode == 0, current.stderr
    assert json.loads(current.stdout)["current"] is None

    assert _run("db", "upgrade", env=env).returncode == 0
    status = json.loads(_run("db", "current", "--json", env=env).stdout)
    assert status["up_to_date"] is True

    backup = tmp_path / "ledger.zip"
    made = _run("db", "backup", str(backup), "--json", env=env)
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["revision"] == status["head"]

    restored = _run("db", "restore", str(backup), "--yes", env=env)
    assert restored.returncode == 0, restored.stderr
    assert "restored" in restored.stdout


def test_a_bad_backup_is_one_line_on_stderr_and_exit_1(env: dict[str, str], tmp_path: Path) -> None:
    garbage = tmp_path / "ledger.zip"
    garbage.write_bytes(b"PK not really")
    result = _run("db", "restore", str(garbage), "--yes", env=env)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        f"error: {garbage} is not a workbench ledger backup: not a zip archive"
    ]


def test_the_db_group_loads_without_sqlalchemy() -> None:
    """``workbench --help`` must stay fast: the ledger's libraries load only inside commands."""
    code = (
        "import sys\n"
        "from workbench.interfaces.cli.app import app\n"
        "for args in (['--help'], ['db', '--help']):\n"
        "    try:\n"
        "        app(args)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'sqlalchemy', 'alembic'}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip().splitlines()[-1] == "[]"
