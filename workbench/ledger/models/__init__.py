"""The ledger's tables as typed SQLAlchemy models, one module per concern.

Row classes end in ``Row`` so they never shadow the vocabulary of ``workbench.model``
(``OrderRow`` is how an ``Order`` is stored, not a second order type).
"""

from workbench.ledger.models.access import (
    ApiKeyRow,
    BrokerCredentialRow,
    LoginThrottleRow,
    RefreshTokenRow,
    UserRow,
)
from workbench.ledger.models.assistant import McpConfirmationRow
from workbench.ledger.models.audit import AuditRecordRow
from workbench.ledger.models.base import NAMING_CONVENTION, Base
from workbench.ledger.models.jobs import JobRow
from workbench.ledger.models.monitoring import AlertRow, AlertRuleRow, NotificationRow
from workbench.ledger.models.research import ReportRow, RunRow
from workbench.ledger.models.trading import (
    AccountRow,
    CashMovementRow,
    DayOpeningRow,
    FillRow,
    OrderEventRow,
    OrderRow,
    PositionRow,
)

__all__ = [
    "NAMING_CONVENTION",
    "AccountRow",
    "AlertRow",
    "AlertRuleRow",
    "ApiKeyRow",
    "AuditRecordRow",
    "Base",
    "BrokerCredentialRow",
    "CashMovementRow",
    "DayOpeningRow",
    "FillRow",
    "JobRow",
    "LoginThrottleRow",
    "McpConfirmationRow",
    "NotificationRow",
    "OrderEventRow",
    "OrderRow",
    "PositionRow",
    "RefreshTokenRow",
    "ReportRow",
    "RunRow",
    "UserRow",
]
