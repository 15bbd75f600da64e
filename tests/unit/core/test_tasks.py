"""``cancel_and_wait``: the tasks end, their errors are told or dropped as asked, and a
cancellation of the caller itself is never swallowed nor replaced by a child's."""

from __future__ import annotations

import asyncio

import anyio
import pytest

from workbench.core.tasks import cancel_and_wait


async def _slow_to_stop(started: asyncio.Event) -> None:
    """Ends its cancellation only after a few loop turns, like a socket flushing."""
    started.set()
    try:
        await asyncio.sleep(3600)
    finally:
        await asyncio.sleep(0.05)


def test_every_task_has_ended_when_it_returns() -> None:
    async def main() -> list[bool]:
        started = asyncio.Event()
        tasks = [asyncio.create_task(_slow_to_stop(started)) for _ in range(3)]
        await started.wait()
        await cancel_and_wait(*tasks)
        return [t.cancelled() for t in tasks]

    assert asyncio.run(main()) == [True, True, True]


def test_a_childs_error_is_raised_or_dropped_as_asked() -> None:
    async def fails_on_stop() -> None:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            raise OSError("socket closed") from None

    async def main(errors: bool) -> None:
        task = asyncio.create_task(fails_on_stop())
        await asyncio.sleep(0)
        await cancel_and_wait(task, errors=errors)

    with pytest.raises(OSError, match="socket closed"):
        asyncio.run(main(errors=True))
    asyncio.run(main(errors=False))  # retrieved: no "exception was never retrieved" warning


def test_the_callers_own_cancellation_goes_through() -> None:
    async def main() -> str:
        started = asyncio.Event()
        child = asyncio.create_task(_slow_to_stop(started))
        await started.wait()
        stopper = asyncio.create_task(cancel_and_wait(child))
        await asyncio.sleep(0.01)  # the stopper is waiting for the child to end
        stopper.cancel("the caller's own")
        try:
            await stopper
        except asyncio.CancelledError as error:
            return str(error.args[0]) if error.args else "a cancellation without its message"
        return "swallowed"

    assert asyncio.run(main()) == "the caller's own"


def test_an_anyio_cancel_scope_recognises_its_cancellation_while_children_stop() -> None:
    """What a WebSocket session met under Starlette's TestClient: the scope is cancelled in
    the loop turn after the session cancelled its own tasks, before they ran. ``gather`` then
    raised a child's message-less CancelledError, which the scope did not take for its own."""

    async def main() -> bool:
        with anyio.CancelScope() as scope:
            children = [asyncio.create_task(asyncio.Event().wait()) for _ in range(3)]
            await asyncio.sleep(0)  # each child waits on its event
            asyncio.get_running_loop().call_soon(scope.cancel)
            await cancel_and_wait(*children, errors=False)
            await asyncio.sleep(3600)  # not reached: the scope's cancel lands in the wait
        return scope.cancelled_caught

    assert asyncio.run(main()) is True
