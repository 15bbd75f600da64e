"""Where the chunks of a sweep run: in this process, or on Dask.

``LocalExecutor`` runs them one after another. ``DaskExecutor`` runs them on a
``dask.distributed`` cluster: a ``LocalCluster`` it starts (and stops) itself, or an existing
scheduler (``tcp://host:8786``) whose workers have the workbench installed. The bars are sent
to every worker once; each chunk returns only its figures, so what crosses the network is
small. Results come back in submission order, so a sweep gives the same table either way.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any, Protocol, TypeVar

from workbench.core.errors import ConfigError, ValidationError
from workbench.core.progress import Progress
from workbench.strategy._vbt import ensure_numba_cache

__all__ = ["DaskExecutor", "Executor", "LocalExecutor", "make_executor"]

Item = TypeVar("Item")
Shared = TypeVar("Shared")
Out = TypeVar("Out")


class Executor(Protocol):
    def map(
        self,
        function: Callable[[Item, Shared], Out],
        items: Sequence[Item],
        shared: Shared,
        progress: Progress | None = None,
    ) -> list[Out]:
        """``[function(item, shared) for item in items]``, in order."""
        ...

    def close(self) -> None: ...


class LocalExecutor:
    def map(
        self,
        function: Callable[[Item, Shared], Out],
        items: Sequence[Item],
        shared: Shared,
        progress: Progress | None = None,
    ) -> list[Out]:
        results = []
        for done, item in enumerate(items, start=1):
            results.append(function(item, shared))
            if progress is not None:
                progress(done, len(items), f"chunk {done}/{len(items)}")
        return results

    def close(self) -> None:
        return None

    def __repr__(self) -> str:
        return "LocalExecutor()"


class DaskExecutor:
    """Runs chunks on Dask. Without ``address`` it starts a ``LocalCluster`` of ``n_workers``
    (threads in this process with ``processes=False``, else worker processes)."""

    def __init__(
        self,
        address: str | None = None,
        *,
        n_workers: int = 2,
        threads_per_worker: int = 1,
        processes: bool = False,
    ) -> None:
        if n_workers < 1 or threads_per_worker < 1:
            raise ValidationError("a Dask cluster needs at least one worker with one thread")
        self.address = address
        self.n_workers = n_workers
        self.threads_per_worker = threads_per_worker
        self.processes = processes
        self._client: Any = None
        self._cluster: Any = None

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = self._connect()
        return self._client

    def _connect(self) -> Any:
        ensure_numba_cache()  # worker processes inherit it: each compiles at most once
        distributed: Any = importlib.import_module("distributed")

        if self.address is not None:
            try:
                return distributed.Client(self.address, timeout="10s")
            except OSError as exc:
                raise ConfigError(f"no Dask scheduler at {self.address}: {exc}") from exc
        self._cluster = distributed.LocalCluster(
            n_workers=self.n_workers,
            threads_per_worker=self.threads_per_worker,
            processes=self.processes,
            dashboard_address=None,  # no web server: tests and CI run several at once
        )
        return distributed.Client(self._cluster)

    def map(
        self,
        function: Callable[[Item, Shared], Out],
        items: Sequence[Item],
        shared: Shared,
        progress: Progress | None = None,
    ) -> list[Out]:
        as_completed: Any = importlib.import_module("distributed").as_completed
        client = self.client
        # one copy of the bars on every worker, instead of one per task
        remote = client.scatter(shared, broadcast=True)
        futures = [client.submit(function, item, remote, pure=False) for item in items]
        for done, _ in enumerate(as_completed(futures), start=1):
            if progress is not None:
                progress(done, len(items), f"chunk {done}/{len(items)} on Dask")
        return [future.result() for future in futures]

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    def __enter__(self) -> DaskExecutor:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        where = self.address or f"LocalCluster({self.n_workers} workers)"
        return f"DaskExecutor({where})"


def make_executor(workers: int | None = None, scheduler: str | None = None) -> Executor:
    """Dask at ``scheduler`` if given, a Dask ``LocalCluster`` of ``workers`` worker processes
    if more than one is asked for, else this process."""
    if scheduler:
        return DaskExecutor(scheduler)
    if workers is not None and workers > 1:
        return DaskExecutor(n_workers=workers, processes=True)
    return LocalExecutor()
