"""What a route asks FastAPI for: the one runtime of the process (``RuntimeDep``).

The app holds one ``Runtime`` (thread-safe: docs/architecture.md) from start-up to shutdown;
sync routes run on the thread pool and share it."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from workbench.runtime import Runtime

__all__ = ["RuntimeDep", "get_runtime"]


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
