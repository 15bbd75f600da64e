"""Keeps a stopping API's log free of a Dask worker's shutdown traceback.

When the API stops while a job runs, its ``LocalCluster`` retires the workers and closes the
scheduler. A worker busy in a grid (numba holding the GIL) hears of it late, and its next
heartbeat to the scheduler, already gone, is logged by ``distributed.worker`` with a full
traceback, though nothing went wrong: the runner has marked the job ``interrupted`` and the
worker is killed seconds later. The scheduler of a ``LocalCluster`` lives in the API process,
so for its workers that failure can only mean the process is stopping. ``QuietHeartbeat``, a
worker plugin registered on those workers only, keeps the line and drops the traceback; every
other record of the worker is untouched. Hand-written: Dask has no setting for it.
"""

from __future__ import annotations

import logging
from typing import Any

from distributed.diagnostics.plugin import WorkerPlugin

__all__ = ["QuietHeartbeat", "drop_heartbeat_traceback"]

HEARTBEAT_FAILED = "Failed to communicate with scheduler during heartbeat"
WORKER_LOGGER = "distributed.worker"


def drop_heartbeat_traceback(record: logging.LogRecord) -> bool:
    """A logging filter: the heartbeat failure keeps its line but loses its traceback."""
    if str(record.msg).startswith(HEARTBEAT_FAILED):
        record.exc_info = None
        record.exc_text = None
        record.msg = f"{HEARTBEAT_FAILED} (the scheduler has stopped)"
    return True


class QuietHeartbeat(WorkerPlugin):
    name = "workbench-quiet-heartbeat"

    def setup(self, worker: Any) -> None:
        logger = logging.getLogger(WORKER_LOGGER)
        if drop_heartbeat_traceback not in logger.filters:
            # kept past teardown: the late heartbeat comes while the worker is closing
            logger.addFilter(drop_heartbeat_traceback)
