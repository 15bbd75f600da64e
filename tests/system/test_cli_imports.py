"""What a read command loads: its whole code path in a real process, then the list of modules.

The timings are ``benchmarks/bench_cli.py``'s business; this guards their main cause. No read
command, and no order, loads vectorbt, numba, Alembic or matplotlib (a backtest, a migration, a
chart); the paper book loads no exchange-calendars (the sessions come from a cache file, see
``workbench.data.calendar``); a command that reads only the ledger loads no pandas. What remains, and why:

- SQLAlchemy, in every command that reads the ledger (``trade``, ``audit``, ``monitor health``);
- pandas, pyarrow and DuckDB, in the commands that read the lake into frames or compute on them
  (``data show``, ``analyze performance``); ``data list`` prints DuckDB's rows as they come
  (pyarrow and DuckDB, no pandas);
- pyarrow (no pandas) in ``trade account``, ``trade positions``, ``trade orders`` and
  ``trade submit``: the paper book prices positions from the lake's bars read as Arrow tables;
- nothing of scipy, scikit-learn, skfolio, TA-Lib or plotly in ``analyze performance`` (pandas
  computes it);
- only the named command group's module of ``workbench.interfaces.cli`` (the groups load
  when named);
- no numpy in ``monitor health`` (the monitoring package's names load on first use; its quote
  pipeline and price cache need numpy, a health check does not);
- no ``pyarrow.compute`` in the paper book's commands (slow to import; only the lake's writes
  use it) and no SQLAlchemy PostgreSQL dialect in any command on the embedded SQLite ledger
  (the JSON columns pick JSONB only on a PostgreSQL connection).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.system, pytest.mark.requirement("INT-02", "PRF-05", "PRF-07", "PRF-08")]

NEVER = ("vectorbt", "numba", "alembic", "matplotlib")

#: run the CLI in this process on the given arguments, then write the modules it loaded
PROBE = """
import json, sys
from workbench.interfaces.cli.app import main
out, sys.argv = sys.argv[1], ["workbench", *sys.argv[2:]]
try:
    main()
except SystemExit as stop:
    code = stop.code
else:
    code = 0
with open(out, "w") as file:
    json.dump({"code": code, "modules": sorted(sys.modules)}, file)
"""


def loaded_by(tmp_path: Path, *args: str) -> set[str]:
    """The top-level packages that ``workbench *args`` loaded."""
    return {name.split(".")[0] for name in modules_of(tmp_path, *args)}


def modules_of(tmp_path: Path, *args: str) -> set[str]:
    """Every module that ``workbench *args`` loaded, by its full name."""
    out = tmp_path / "modules.json"
    subprocess.run(
        [sys.executable, "-c", PROBE, str(out), *args],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        check=True,
        timeout=300,
    )
    found = json.loads(out.read_text())
    assert found["code"] in (0, None), f"workbench {' '.join(args)} exited {found['code']}"
    return set(found["modules"])


@pytest.fixture
def traded_home(home: Path) -> Path:
    """The sample home with one filled paper order, so account and positions have rows."""
    workbench = str(Path(sys.executable).with_name("workbench"))
    subprocess.run(
        [workbench, "trade", "submit", "AAPL", "--side", "buy", "--qty", "5"],
        capture_output=True,
        env=dict(os.environ),
        check=True,
        timeout=300,
    )
    return home


@pytest.mark.parametrize(
    "command",
    [
        ("trade", "account"),
        ("trade", "positions"),
        ("trade", "orders"),
        ("monitor", "health"),
        ("data", "list"),
        ("data", "show", "AAPL", "--tail", "5"),
        ("analyze", "performance", "AAPL"),
    ],
    ids=" ".join,
)
def test_a_read_command_loads_no_backtest_migration_or_chart_engine(
    traded_home: Path, tmp_path: Path, command: tuple[str, ...]
) -> None:
    loaded = loaded_by(tmp_path, *command)
    assert not loaded & set(NEVER), sorted(loaded & set(NEVER))


@pytest.mark.parametrize("command", [("audit", "verify"), ("monitor", "health")], ids=" ".join)
def test_a_command_that_reads_only_the_ledger_loads_no_pandas(
    traded_home: Path, tmp_path: Path, command: tuple[str, ...]
) -> None:
    loaded = loaded_by(tmp_path, *command)
    assert "sqlalchemy" in loaded  # it did read the ledger
    assert not loaded & {"pandas", "alembic"}, sorted(loaded & {"pandas", "alembic"})


def test_data_list_loads_no_pandas_nor_the_other_command_groups(home: Path, tmp_path: Path) -> None:
    modules = modules_of(tmp_path, "data", "list")
    assert "duckdb" in modules  # it did query the lake
    assert "pandas" not in modules
    groups = {m for m in modules if m.startswith("workbench.interfaces.cli.")}
    assert "workbench.interfaces.cli.data" in groups
    others = {"trade", "strategy", "analyze", "serve", "report", "exchange"}
    assert not {f"workbench.interfaces.cli.{g}" for g in others} & groups, sorted(groups)


def test_monitor_health_loads_no_numpy(traded_home: Path, tmp_path: Path) -> None:
    loaded = loaded_by(tmp_path, "monitor", "health")
    assert "sqlalchemy" in loaded  # it did read the ledger
    assert "numpy" not in loaded


@pytest.mark.parametrize(
    "command",
    [
        ("trade", "account"),
        ("trade", "positions"),
        ("trade", "orders"),
        ("trade", "submit", "AAPL", "--side", "sell", "--qty", "1"),
        ("monitor", "health"),
        ("audit", "verify"),
    ],
    ids=" ".join,
)
def test_a_sqlite_ledger_loads_no_postgresql_dialect_nor_pyarrow_compute(
    traded_home: Path, tmp_path: Path, command: tuple[str, ...]
) -> None:
    modules = modules_of(tmp_path, *command)
    assert "sqlalchemy.orm" in modules  # it did read the ledger
    heavy = {"sqlalchemy.dialects.postgresql", "pyarrow.compute"}
    assert not modules & heavy, sorted(modules & heavy)


@pytest.mark.parametrize(
    "command",
    [("trade", "account"), ("trade", "submit", "AAPL", "--side", "sell", "--qty", "1")],
    ids=" ".join,
)
def test_the_paper_book_opens_without_alembic_or_exchange_calendars(
    traded_home: Path, tmp_path: Path, command: tuple[str, ...]
) -> None:
    loaded = loaded_by(tmp_path, *command)
    heavy = set(NEVER) | {"exchange_calendars"}
    assert not loaded & heavy, sorted(loaded & heavy)


@pytest.mark.parametrize(
    "command",
    [
        ("trade", "account"),
        ("trade", "positions"),
        ("trade", "orders"),
        ("trade", "submit", "AAPL", "--side", "sell", "--qty", "1"),
    ],
    ids=" ".join,
)
def test_the_paper_book_reads_its_bars_without_pandas(
    traded_home: Path, tmp_path: Path, command: tuple[str, ...]
) -> None:
    loaded = loaded_by(tmp_path, *command)
    assert "pyarrow" in loaded  # it did read the lake's bars
    assert "pandas" not in loaded


def test_performance_is_computed_with_pandas_alone(traded_home: Path, tmp_path: Path) -> None:
    loaded = loaded_by(tmp_path, "analyze", "performance", "AAPL")
    heavy = {"scipy", "skfolio", "sklearn", "talib", "plotly", "statsmodels"}
    assert "pandas" in loaded
    assert not loaded & heavy, sorted(loaded & heavy)


def test_a_new_ledger_is_migrated_on_first_use(home: Path, tmp_path: Path) -> None:
    loaded = loaded_by(tmp_path, "trade", "orders")
    assert "alembic" in loaded  # the first command of a home creates its ledger
    assert (home / "ledger.db").is_file()
