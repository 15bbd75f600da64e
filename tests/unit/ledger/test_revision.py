"""The head revision the ledger checks without Alembic is Alembic's own head."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from workbench.ledger import Ledger
from workbench.ledger.migrate import alembic_config
from workbench.ledger.revision import HEAD_REVISION

pytestmark = pytest.mark.requirement("DEP-05")


def test_the_head_constant_is_the_head_of_the_shipped_migrations() -> None:
    scripts = ScriptDirectory.from_config(alembic_config())
    assert scripts.get_heads() == [HEAD_REVISION]


def test_a_new_ledger_has_no_revision_and_upgrade_brings_it_to_head(tmp_path: Path) -> None:
    with Ledger.from_url(f"sqlite:///{tmp_path / 'ledger.db'}") as ledger:
        assert ledger.current() is None
        ledger.upgrade()
        assert ledger.current() == ledger.head() == HEAD_REVISION
        ledger.upgrade()  # at head: one read, nothing migrated
        assert ledger.current() == HEAD_REVISION
