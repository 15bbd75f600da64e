"""Several processes on one lake: readers never fail and never see half a write; a writer killed
mid-write leaves the previous data intact, and the next writer cleans up after it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from workbench.data import Lake
from workbench.testing import generated_bars

pytestmark = pytest.mark.requirement("DAT-04")

ROWS = 20_000  # one partition: GEN0, bars_1m, year 2023
PARTITION = Path("bars_1m") / "symbol=GEN0" / "year=2023"

# Version v of the partition: generated bars with every price times v and volume v, so one
# read tells which version it saw and whether all of it came from that version.
COMMON = f"""
import json, sys, time
from pathlib import Path
from workbench.data import Lake
from workbench.testing import generated_bars

ROWS = {ROWS}
BASE = generated_bars(1, ROWS, start="2023-01-02 14:30")

def version(v):
    frame = BASE.copy()
    for column in ("open", "high", "low", "close"):
        frame[column] = frame[column] * v
    frame["volume"] = float(v)
    return frame
"""

READER = (
    COMMON
    + """
lake = Lake(Path(sys.argv[1]))
ready, done = Path(sys.argv[2]), Path(sys.argv[3])
seen, problems, reads, sums = {}, [], 0, 0
ready.touch()
while not done.exists() or reads < 5:
    reads += 1
    try:
        bars = lake.bars("GEN0", timeframe="1m")
        # DuckDB over the same partition: re-run by the catalog if the file changed under it
        (count, low, high), = lake.sql(
            "select count(*), min(volume), max(volume) from lake('bars_1m')"
        ).itertuples(index=False)
    except Exception as error:  # a reader must never fail
        problems.append(f"read {reads}: {error!r}")
        continue
    if (count, low) != (ROWS, high):
        problems.append(f"sql {reads}: {count} rows, volumes {low}..{high}")
    volumes = set(bars["volume"])
    if len(bars) != ROWS or len(volumes) != 1:
        problems.append(f"read {reads}: {len(bars)} rows, volumes {sorted(volumes)[:5]}")
        continue
    v = volumes.pop()
    if not (bars["close"].to_numpy() == BASE["close"].to_numpy() * v).all():
        problems.append(f"read {reads}: closes are not all from version {v}")
    seen[int(v)] = seen.get(int(v), 0) + 1
    time.sleep(0.002)  # leave the writer some of the two cores a test machine may have
print(json.dumps({"reads": reads, "seen": seen, "problems": problems[:5]}))
"""
)

WRITER = (
    COMMON
    + """
lake = Lake(Path(sys.argv[1]))
readers = [Path(p) for p in sys.argv[3:]]
while not all(p.exists() for p in readers):
    time.sleep(0.01)
for i in range(int(sys.argv[2])):
    report = lake.ingest(version(2 if i % 2 == 0 else 1), "bars_1m", upsert=True)
    assert report.replaced == ROWS, report
print(json.dumps({"writes": int(sys.argv[2])}))
"""
)

STUCK_WRITER = (
    COMMON
    + """
import os, time
marker = Path(sys.argv[2])
real_replace = os.replace

def stuck(source, target):
    # the temporary file is complete and fsynced; die here, before the rename
    marker.write_text(str(source))
    time.sleep(600)

os.replace = stuck
Lake(Path(sys.argv[1])).ingest(version(2), "bars_1m", upsert=True)
"""
)

LOOPING_WRITER = (
    COMMON
    + """
lake = Lake(Path(sys.argv[1]))
started = Path(sys.argv[2])
i = 0
while True:
    lake.ingest(version(2 + i % 2), "bars_1m", upsert=True)
    started.touch()
    i += 1
"""
)


def version(v: int) -> pd.DataFrame:
    frame = generated_bars(1, ROWS, start="2023-01-02 14:30")
    for column in ("open", "high", "low", "close"):
        frame[column] = frame[column] * v
    frame["volume"] = float(v)
    return frame


def spawn(tmp_path: Path, name: str, code: str, *args: object) -> subprocess.Popen[str]:
    script = tmp_path / f"{name}.py"
    script.write_text(code)
    return subprocess.Popen(
        [sys.executable, str(script), *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen[str], timeout: float = 60) -> dict:
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, err
    return json.loads(out)


def wait_for(path: Path, process: subprocess.Popen[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if process.poll() is not None:
            raise AssertionError(f"child exited early: {process.stderr.read()}")
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.01)


def kill(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)  # reaps it and closes its pipes


def assert_version(lake: Lake, v: int) -> None:
    bars = lake.bars("GEN0", timeframe="1m")
    assert len(bars) == ROWS
    assert set(bars["volume"]) == {float(v)}
    expected = version(v)
    assert (bars["close"].to_numpy() == expected["close"].to_numpy()).all()


@pytest.fixture
def lake(tmp_path: Path) -> Lake:
    lake = Lake(tmp_path / "lake")
    lake.ingest(version(1), "bars_1m")
    return lake


def test_readers_see_the_old_or_the_new_partition_never_a_mix(lake: Lake, tmp_path: Path) -> None:
    done = tmp_path / "done"
    ready = [tmp_path / "ready-1", tmp_path / "ready-2"]
    readers = [spawn(tmp_path, f"reader{i}", READER, lake.root, ready[i], done) for i in (0, 1)]
    writer = spawn(tmp_path, "writer", WRITER, lake.root, 10, *ready)
    try:
        assert finish(writer) == {"writes": 10}
    finally:
        done.touch()
    results = [finish(reader) for reader in readers]
    for result in results:
        assert result["problems"] == []
        assert result["reads"] >= 5
    seen = {v for result in results for v in result["seen"]}
    assert seen == {"1", "2"}  # the readers really ran while the partition changed
    assert_version(lake, 1)  # the tenth write put version 1 back


def test_a_writer_killed_before_its_rename_leaves_the_old_data(lake: Lake, tmp_path: Path) -> None:
    marker = tmp_path / "stuck"
    writer = spawn(tmp_path, "stuck", STUCK_WRITER, lake.root, marker)
    try:
        wait_for(marker, writer)
    finally:
        kill(writer)
    leftover = Path(marker.read_text())
    assert leftover.exists()
    assert leftover.parent == lake.root / PARTITION
    assert leftover.stat().st_size > 0
    assert_version(lake, 1)  # the reader ignores the temporary file

    started = time.monotonic()
    report = lake.ingest(version(3), "bars_1m", upsert=True)  # the dead writer's lock is gone
    assert time.monotonic() - started < 10
    assert report.replaced == ROWS
    assert not leftover.exists()
    assert [p.name for p in (lake.root / PARTITION).iterdir() if p.suffix == ".tmp"] == []
    assert_version(lake, 3)


def test_a_writer_killed_at_any_moment_leaves_complete_data(lake: Lake, tmp_path: Path) -> None:
    started = tmp_path / "started"
    writer = spawn(tmp_path, "looping", LOOPING_WRITER, lake.root, started)
    try:
        wait_for(started, writer)
        time.sleep(0.15)  # somewhere inside a later write
    finally:
        kill(writer)
    bars = lake.bars("GEN0", timeframe="1m")
    assert len(bars) == ROWS
    (v,) = set(bars["volume"])
    assert v in (2.0, 3.0)
    assert_version(lake, int(v))
    lake.ingest(version(4), "bars_1m", upsert=True)
    assert_version(lake, 4)
    assert sorted(os.listdir(lake.root / PARTITION)) == [".lock", "part-0.parquet"]
