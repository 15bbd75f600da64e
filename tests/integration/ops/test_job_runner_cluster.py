"""The job runner's own ``LocalCluster``: its worker processes drop the traceback of the
heartbeat that fails while the API stops (the scheduler, in the API process, is already gone),
and keep every other record as it was."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from workbench.ops.jobs._quiet import HEARTBEAT_FAILED, WORKER_LOGGER, drop_heartbeat_traceback
from workbench.runtime import Runtime

pytestmark = [pytest.mark.slow, pytest.mark.requirement("INT-04")]


def _logged_on_a_worker(message: str) -> str:
    """Logs ``message`` with a traceback through the worker's own logger; returns the text."""
    import io

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger(WORKER_LOGGER)
    logger.addHandler(handler)
    try:
        try:
            raise OSError("Stream is closed")
        except OSError:
            logger.exception(message)
    finally:
        logger.removeHandler(handler)
    return stream.getvalue()


@pytest.fixture
def runtime(sample_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Runtime]:
    monkeypatch.delenv("WB_JOBS__SCHEDULER", raising=False)
    monkeypatch.setenv("WB_JOBS__WORKERS", "1")
    rt = Runtime.from_settings()
    yield rt
    rt.close()


def test_the_runners_workers_log_a_failed_heartbeat_without_its_traceback(
    runtime: Runtime,
) -> None:
    client = runtime.jobs._connected()
    heartbeat = client.run(_logged_on_a_worker, f"{HEARTBEAT_FAILED}.")
    other = client.run(_logged_on_a_worker, "Unexpected exception during heartbeat.")
    [heartbeat_text] = heartbeat.values()
    [other_text] = other.values()
    assert heartbeat_text.strip() == f"{HEARTBEAT_FAILED} (the scheduler has stopped)"
    assert "Traceback" in other_text and "OSError: Stream is closed" in other_text


def test_the_filter_leaves_other_records_alone() -> None:
    record = logging.LogRecord(WORKER_LOGGER, logging.ERROR, __file__, 1, "Other", (), None)
    record.exc_info = (OSError, OSError("x"), None)
    assert drop_heartbeat_traceback(record) is True
    assert record.exc_info is not None and record.msg == "Other"
