"""Migrations from an empty database to head, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from workbench.core.errors import DataError
from workbench.ledger import Base, Ledger, migrate
from workbench.ledger.engine import maintenance

pytestmark = pytest.mark.requirement("DEP-05")


def _tables(ledger: Ledger) -> set[str]:
    return set(sa.inspect(ledger.engine).get_table_names()) - {"alembic_version"}


def test_an_empty_database_has_no_revision_until_upgraded(ledger_url: str) -> None:
    with Ledger.from_url(ledger_url) as ledger:
        assert ledger.current() is None
        assert ledger.head() == "0007"
        ledger.upgrade()
        assert ledger.current() == ledger.head()
        assert _tables(ledger) == set(Base.metadata.tables)


def test_upgrade_again_changes_nothing(ledger: Ledger) -> None:
    before = sa.inspect(ledger.engine).get_table_names()
    ledger.upgrade()
    ledger.upgrade("head")
    assert ledger.current() == ledger.head()
    assert sa.inspect(ledger.engine).get_table_names() == before


def test_the_migrated_schema_is_exactly_the_models(ledger: Ledger) -> None:
    with ledger.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_downgrade_to_base_removes_every_table_and_upgrade_rebuilds_it(ledger: Ledger) -> None:
    # restore replays the schema through the downgrades, so they must be exact
    with maintenance(ledger.engine) as connection:
        migrate.downgrade(connection, "base")
    assert _tables(ledger) == set()
    assert ledger.current() is None
    ledger.upgrade()
    with ledger.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_a_failed_migration_leaves_the_database_as_it_was(ledger_url: str) -> None:
    with Ledger.from_url(ledger_url) as ledger:
        try:
            with maintenance(ledger.engine) as connection:
                migrate.upgrade(connection)
                raise RuntimeError("power cut after the last CREATE TABLE")
        except RuntimeError:
            pass
        assert ledger.current() is None
        assert _tables(ledger) == set()


def test_two_processes_upgrading_a_fresh_database_at_once_both_succeed(ledger_url: str) -> None:
    ledgers = [Ledger.from_url(ledger_url) for _ in range(2)]
    errors: list[BaseException] = []

    def upgrade(ledger: Ledger) -> None:
        try:
            ledger.upgrade()
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=upgrade, args=(ledger,)) for ledger in ledgers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert ledgers[0].current() == ledgers[0].head()
    for ledger in ledgers:
        ledger.dispose()


def test_a_ledger_migrated_by_a_newer_workbench_is_left_alone(ledger: Ledger) -> None:
    with maintenance(ledger.engine) as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '0999'"))
    with pytest.raises(DataError, match="revision 0999, which this workbench does not know"):
        ledger.upgrade()
    assert ledger.current() == "0999"
    assert not ledger.knows("0999")


def test_an_unknown_target_revision_is_a_data_error(ledger: Ledger) -> None:
    with pytest.raises(DataError, match="cannot upgrade the ledger to 'nonsense'"):
        ledger.upgrade("nonsense")
    assert ledger.current() == ledger.head()
