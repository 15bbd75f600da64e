"""Floor 2: transactional state in SQL. Orders, order events, fills, positions, cash, the audit
chain, users, API keys, alert rules, alerts and their notifications, runs and reports, as typed
SQLAlchemy models; Alembic migrations shipped inside the package; backup and restore.

SQLite (WAL) is the embedded default at ``<home>/ledger.db``; PostgreSQL is the production store
(``WB_LEDGER_URL``). Both run the same migrations and the same tests.

``BackupInfo`` and ``RestoreInfo`` load on first use (PEP 562): their module imports Alembic,
which a command that only reads the ledger never needs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from workbench.ledger.audit import (
    GENESIS_HASH,
    AuditVerification,
    append_audit,
    chain_hash,
    hold_audit_lock,
    verify_audit_chain,
)
from workbench.ledger.credentials import open_credentials
from workbench.ledger.ledger import Ledger
from workbench.ledger.models import (
    AccountRow,
    AlertRow,
    AlertRuleRow,
    ApiKeyRow,
    AuditRecordRow,
    Base,
    BrokerCredentialRow,
    CashMovementRow,
    DayOpeningRow,
    FillRow,
    JobRow,
    LoginThrottleRow,
    McpConfirmationRow,
    NotificationRow,
    OrderEventRow,
    OrderRow,
    PositionRow,
    RefreshTokenRow,
    ReportRow,
    RunRow,
    UserRow,
)
from workbench.ledger.sqltypes import exact_sums, row_id

if TYPE_CHECKING:
    from workbench.ledger.backup import BackupInfo, RestoreInfo

__all__ = [
    "GENESIS_HASH",
    "AccountRow",
    "AlertRow",
    "AlertRuleRow",
    "ApiKeyRow",
    "AuditRecordRow",
    "AuditVerification",
    "BackupInfo",
    "Base",
    "BrokerCredentialRow",
    "CashMovementRow",
    "DayOpeningRow",
    "FillRow",
    "JobRow",
    "Ledger",
    "LoginThrottleRow",
    "McpConfirmationRow",
    "NotificationRow",
    "OrderEventRow",
    "OrderRow",
    "PositionRow",
    "RefreshTokenRow",
    "ReportRow",
    "RestoreInfo",
    "RunRow",
    "UserRow",
    "append_audit",
    "chain_hash",
    "exact_sums",
    "hold_audit_lock",
    "open_credentials",
    "row_id",
    "verify_audit_chain",
]


def __getattr__(name: str) -> Any:
    if name in {"BackupInfo", "RestoreInfo"}:
        from workbench.ledger import backup

        return getattr(backup, name)
    raise AttributeError(f"module 'workbench.ledger' has no attribute {name!r}")
