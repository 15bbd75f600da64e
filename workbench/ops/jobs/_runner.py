"""Where jobs run: ``JobRunner``, one per runtime (``rt.jobs``), holds a Dask client.

Without ``WB_JOBS__SCHEDULER`` it starts, on the first job, a ``LocalCluster`` of
``WB_JOBS__WORKERS`` worker processes (``threads_per_worker`` each; no dashboard), and stops it
when the runtime closes; with it, it connects to that scheduler. Each job is one Dask task
(``_work.run_job``). The client's callbacks never touch the ledger on Dask's event loop: the
bookkeeping (a finished job's row, the bus events of claims and progress) runs on one thread of
its own.

Closing the runner (the API's shutdown) marks the jobs it was running ``interrupted`` before it
stops the cluster, so a job is never left ``running`` by a process that is gone; a process that
died without closing leaves that to the next start-up on its host (``ops.jobs.recover``), or,
once its lease runs out, to any API process's heartbeat (``ops.jobs.tend``).
"""

from __future__ import annotations

import importlib
import logging
import os
import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Literal

from workbench.core.errors import ConfigError
from workbench.model import JobState
from workbench.model.jobs import ACTIVE_STATES
from workbench.ops.jobs._store import move, publish, this_host
from workbench.ops.jobs._work import EVENT_TOPIC, one_line, run_job

if TYPE_CHECKING:
    from workbench.runtime import Runtime

__all__ = ["JobRunner"]

_log = logging.getLogger("workbench.jobs")


class JobRunner:
    def __init__(self, rt: Runtime) -> None:
        self._rt = rt
        #: names this process in the rows of the jobs it runs: ``host:pid:token``
        self.identity = f"{this_host()}:{os.getpid()}:{secrets.token_hex(4)}"
        self._lock = threading.Lock()
        self._client: Any = None
        self._cluster: Any = None
        self._futures: dict[int, Any] = {}
        self._closed = False
        self._books = ThreadPoolExecutor(max_workers=1, thread_name_prefix="workbench-jobs")

    @property
    def where(self) -> str:
        settings = self._rt.settings.jobs
        return settings.scheduler or f"a local Dask cluster of {settings.workers} worker(s)"

    def health(self) -> tuple[Literal["ok", "warn", "fail"], str]:
        """How the job workers stand, for ``/readyz``; never starts a cluster."""
        with self._lock:
            closed, client, running = self._closed, self._client, len(self._futures)
        if closed:
            return "fail", "the job runner is closed: the process is shutting down"
        if client is None:
            return "ok", f"idle: {self.where} starts on the first job"
        try:
            workers = len(client.scheduler_info().get("workers", {}))
        except Exception as error:  # the scheduler went away
            return "fail", f"the Dask scheduler does not answer: {type(error).__name__}"
        if workers == 0:
            return "warn", f"{self.where}: no worker connected, {running} job(s) waiting"
        return "ok", f"{self.where}: {workers} worker(s), {running} job(s) running here"

    def running(self) -> list[int]:
        with self._lock:
            return sorted(self._futures)

    def submit(self, job_id: int, attempt: int, kind: str, parameters: dict[str, Any]) -> None:
        client = self._connected()
        future = client.submit(
            run_job, job_id, attempt, kind, parameters, self._rt.settings, pure=False, retries=0
        )
        with self._lock:
            self._futures[job_id] = future
        future.add_done_callback(lambda done: self._book(self._finished, job_id, done))

    def cancel(self, job_id: int) -> None:
        """Drop the job's task: a queued one never starts; a running one stops at its next
        progress step (its row already says ``canceled``)."""
        with self._lock:
            future = self._futures.pop(job_id, None)
        if future is not None:
            future.cancel()

    def close(self) -> None:
        """Mark the jobs still running here ``interrupted``, then stop the client and cluster."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            left, self._futures = sorted(self._futures), {}
        for job_id in left:
            try:
                move(
                    self._rt,
                    job_id,
                    JobState.INTERRUPTED,
                    only_from=ACTIVE_STATES,
                    error="the API process stopped while the job ran: resubmit it",
                )
            except Exception as error:  # the ledger may be gone; start-up recovers the row
                _log.warning("job %s not marked interrupted: %s", job_id, error)
        self._books.shutdown(wait=True)
        client, cluster, self._client, self._cluster = self._client, self._cluster, None, None
        if client is not None:
            client.close(timeout=10)
        if cluster is not None:
            cluster.close(timeout=10)

    # -- Dask ------------------------------------------------------------------------------
    def _connected(self) -> Any:
        with self._lock:
            if self._closed:
                raise ConfigError("the job runner is closed: the process is shutting down")
            if self._client is None:
                self._client = self._connect()
                self._client.subscribe_topic(EVENT_TOPIC, self._heard)
            return self._client

    def _connect(self) -> Any:
        from workbench.strategy._vbt import ensure_numba_cache

        ensure_numba_cache()  # worker processes inherit it: each compiles at most once
        distributed: Any = importlib.import_module("distributed")
        settings = self._rt.settings.jobs
        if settings.scheduler is not None:
            try:
                return distributed.Client(settings.scheduler, timeout="10s")
            except OSError as error:  # the address stays in the log, as settings do
                _log.warning("no Dask scheduler at %s: %s", settings.scheduler, error)
                raise ConfigError(
                    "no Dask scheduler answers at WB_JOBS__SCHEDULER (the server's log names "
                    "it): jobs cannot run until it does"
                ) from error
        self._cluster = distributed.LocalCluster(
            n_workers=settings.workers,
            threads_per_worker=settings.threads_per_worker,
            processes=True,
            dashboard_address=":0",  # a free port: None means 8787, taken by any other cluster
        )
        client = distributed.Client(self._cluster)
        from workbench.ops.jobs._quiet import QuietHeartbeat

        client.register_plugin(QuietHeartbeat())  # our scheduler: its workers only
        return client

    # -- bookkeeping, on the runner's own thread ---------------------------------------------
    def _book(self, work: Any, *args: Any) -> None:
        try:
            self._books.submit(self._safely, work, *args)
        except RuntimeError:  # shut down: close() has marked what was left
            return

    @staticmethod
    def _safely(work: Any, *args: Any) -> None:
        try:
            work(*args)
        except Exception:
            _log.exception("job bookkeeping failed")

    def _finished(self, job_id: int, future: Any) -> None:
        with self._lock:
            ours = self._futures.get(job_id) is future
            if not ours:
                return  # canceled, or the runner closed: the row says so already
            del self._futures[job_id]
        if future.cancelled():
            return
        try:
            outcome = future.result()
        except Exception as error:  # the task never ran: a worker died, a pickling failure
            outcome = {"state": JobState.FAILED.value, "error": one_line(error)}
        if outcome["state"] == JobState.SUCCEEDED.value:
            move(
                self._rt,
                job_id,
                JobState.SUCCEEDED,
                only_from=frozenset({JobState.RUNNING}),
                progress=1.0,
                message="done",
                result_id=outcome["result_id"],
                result_kind=outcome["result_kind"],
                result=outcome["result"],
            )
        elif outcome["state"] == JobState.FAILED.value:
            move(
                self._rt,
                job_id,
                JobState.FAILED,
                only_from=ACTIVE_STATES,
                error=outcome["error"],
            )

    def _heard(self, event: Any) -> None:
        """A claim or progress step from a worker (on Dask's event loop: hand it over)."""
        _, message = event
        if isinstance(message, dict) and message.get("job_id") in self._futures:
            claimed = "progress" not in message
            self._book(self._announce, int(message["job_id"]), claimed)

    def _announce(self, job_id: int, claimed: bool) -> None:
        from workbench.ops.jobs._store import find_row, info_of

        with self._rt.ledger.session(read_only=True) as session:
            info = info_of(find_row(session, job_id))
        publish(self._rt, info, JobState.QUEUED if claimed else JobState.RUNNING)
