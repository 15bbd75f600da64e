"""Runtimes over one shared ledger (SQLite or PostgreSQL): two of them stand for two processes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from workbench.core.config import load_settings
from workbench.runtime import Runtime

JWT_SECRET = "integration-test-secret-" + "x" * 40


@pytest.fixture
def make_runtime(ledger_url: str, tmp_path: Path) -> Iterator[Callable[..., Runtime]]:
    """A new runtime over the test's ledger each call; ``api`` overrides API settings."""
    opened: list[Runtime] = []

    def make(**api: Any) -> Runtime:
        settings = load_settings(
            home=tmp_path / "home",
            ledger_url=ledger_url,
            api={"jwt_secret": JWT_SECRET, **api},
        )
        runtime = Runtime.from_settings(settings)
        opened.append(runtime)
        return runtime

    yield make
    for runtime in opened:
        runtime.close()
