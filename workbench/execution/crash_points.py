"""Named places in the order path where a crash-safety test kills its own subprocess.

The OMS passes ``after_intent`` (the intent committed, nothing sent), ``after_send`` (the
broker has the order, the ledger does not know) and ``mid_fill`` (a fill written, its
transaction not committed); the tests restart there and check that the broker's orders and
the ledger agree, with no duplicate ``client_order_id`` (docs/execution.md).
"""

from __future__ import annotations

import os
import signal

__all__ = ["CRASH_VARIABLE", "crash_point"]

#: set to a crash point's name in a test's subprocess to SIGKILL it there (crash-safety tests)
CRASH_VARIABLE = "WB_TEST_CRASH_AT"


def crash_point(name: str) -> None:
    if os.environ.get(CRASH_VARIABLE) == name:
        os.kill(os.getpid(), signal.SIGKILL)
