"""A venue's keys as the runtime needs them: opened from their sealed row (the use cases that
store, list, reseal and delete them are ``workbench.ops.broker_keys``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import sqlalchemy as sa

from workbench.ledger.models import BrokerCredentialRow

if TYPE_CHECKING:
    from workbench.core.sealing import Sealer
    from workbench.ledger.ledger import Ledger

__all__ = ["open_credentials"]


def open_credentials(
    ledger: Ledger, venue: str, sealer: Callable[[], Sealer]
) -> tuple[str, str] | None:
    """(key id, secret key) stored for ``venue``, or None when none are stored (then no sealing
    key is asked for: a deployment that keeps its keys in the environment needs none)."""
    with ledger.session(read_only=True) as session:
        row = session.scalar(
            sa.select(BrokerCredentialRow).where(BrokerCredentialRow.venue == venue)
        )
        if row is None:
            return None
        what, opener = f"the stored {venue} keys", sealer()
        return opener.open(row.api_key_sealed, what=what), opener.open(
            row.secret_key_sealed, what=what
        )
