"""The one permission table. Every face (CLI, API, MCP, notebooks) asks ``can``."""

from __future__ import annotations

from enum import StrEnum

from workbench.model.enums import Role

__all__ = ["Permission", "can", "permissions_of", "within"]


class Permission(StrEnum):
    READ_PORTFOLIO = "read_portfolio"
    READ_REPORTS = "read_reports"
    READ_MARKET_DATA = "read_market_data"
    RUN_ANALYSIS = "run_analysis"
    RUN_BACKTESTS = "run_backtests"
    WRITE_MARKET_DATA = "write_market_data"
    TRADE = "trade"
    MANAGE_ALERT_RULES = "manage_alert_rules"
    MANAGE_USERS = "manage_users"
    MANAGE_API_KEYS = "manage_api_keys"
    SET_TRADING_STATE = "set_trading_state"
    MANAGE_CONFIG = "manage_config"


_VIEWER = frozenset({Permission.READ_PORTFOLIO, Permission.READ_REPORTS})
_ANALYST = _VIEWER | {
    Permission.READ_MARKET_DATA,
    Permission.RUN_ANALYSIS,
    Permission.RUN_BACKTESTS,
    Permission.WRITE_MARKET_DATA,
}
_TRADER = _ANALYST | {Permission.TRADE, Permission.MANAGE_ALERT_RULES}
_ADMIN = _TRADER | {
    Permission.MANAGE_USERS,
    Permission.MANAGE_API_KEYS,
    Permission.SET_TRADING_STATE,
    Permission.MANAGE_CONFIG,
}

_TABLE: dict[Role, frozenset[Permission]] = {
    Role.VIEWER: _VIEWER,
    Role.ANALYST: frozenset(_ANALYST),
    Role.TRADER: frozenset(_TRADER),
    Role.ADMIN: frozenset(_ADMIN),
}


def permissions_of(role: Role | str) -> frozenset[Permission]:
    return _TABLE[Role(role)]


def can(role: Role | str, permission: Permission | str) -> bool:
    return Permission(permission) in permissions_of(role)


def within(role: Role | str, cap: Role | str) -> bool:
    """Whether ``role`` may do nothing that ``cap`` may not (an API key's role against its
    user's): read off the table, so the order of roles is never written twice."""
    return permissions_of(role) <= permissions_of(cap)
