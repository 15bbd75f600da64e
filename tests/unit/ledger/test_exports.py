"""The ledger's curated public API stays honest."""

from __future__ import annotations

import pytest

import workbench.ledger as ledger

pytestmark = pytest.mark.requirement("REP-03")


def test_every_exported_name_exists_and_is_the_ledgers() -> None:
    for name in ledger.__all__:
        value = getattr(ledger, name)
        module = getattr(value, "__module__", "workbench.ledger")
        assert module.startswith("workbench.ledger"), (name, module)


def test_the_public_api_is_exported() -> None:
    assert {"Ledger", "BackupInfo", "RestoreInfo", "Base", "OrderRow", "append_audit"} <= set(
        ledger.__all__
    )
    assert ledger.__all__ == sorted(ledger.__all__, key=lambda n: (not n.isupper(), n))
