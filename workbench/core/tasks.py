"""Stopping asyncio tasks without hiding the caller's own cancellation.

The usual ``task.cancel(); with suppress(CancelledError): await task`` also swallows a
cancellation of the *caller* that lands while it waits, and ``asyncio.gather`` (3.11) raises a
cancelled child's CancelledError in place of the caller's own, so an anyio cancel scope above
fails to recognise its cancellation and lets it escape. ``asyncio.wait`` does neither: it raises
only when the caller itself is cancelled, and leaves each task's outcome in the task.
"""

from __future__ import annotations

import asyncio
from typing import Any

__all__ = ["cancel_and_wait"]


async def cancel_and_wait(*tasks: asyncio.Future[Any], errors: bool = True) -> None:
    """Cancel ``tasks`` and wait until each has ended.

    A task that ends with an error other than its cancellation raises it here (the first such),
    unless ``errors`` is false: then every outcome is retrieved and dropped.
    """
    for task in tasks:
        task.cancel()
    if not tasks:
        return
    await asyncio.wait(tasks)
    failures = [e for t in tasks if not t.cancelled() and (e := t.exception()) is not None]
    if failures and errors:
        raise failures[0]
