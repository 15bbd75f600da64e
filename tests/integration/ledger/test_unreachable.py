"""A ledger whose database server does not answer is one ``StoreUnavailable`` naming the server
(password masked) and saying nothing was written; other database errors pass unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from workbench.core.errors import ConfigError, StoreUnavailable
from workbench.ledger import Ledger
from workbench.testing import free_port

pytestmark = pytest.mark.requirement("DEP-08")


def test_a_server_that_does_not_answer_is_store_unavailable() -> None:
    url = f"postgresql+psycopg://wb:s3cret-pass@127.0.0.1:{free_port()}/ledger"
    with (
        Ledger.from_url(url) as ledger,
        pytest.raises(StoreUnavailable) as caught,
        ledger.session() as session,
    ):
        session.execute(sa.text("select 1"))
    assert isinstance(caught.value, ConfigError)  # every face already maps it: 503, exit 1
    assert "nothing of this request was written" in caught.value.message
    (problem,) = caught.value.problems
    assert "127.0.0.1" in problem and "s3cret-pass" not in problem


def test_an_error_of_the_statement_is_not_taken_for_an_outage(tmp_path: Path) -> None:
    with (
        Ledger.from_url(f"sqlite:///{tmp_path / 'ledger.db'}") as ledger,
        pytest.raises(sa.exc.OperationalError),
        ledger.session() as session,
    ):
        session.execute(sa.text("select * from no_such_table"))
