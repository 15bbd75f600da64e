"""The exchange reads a request body up to its limit, whatever the Content-Length says."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from workbench.exchange.api.auth import _read_body


def _read(declared: bytes, body: bytes, limit: int = 100) -> bytes | None:
    scope: dict[str, Any] = {"type": "http", "headers": [(b"content-length", declared)]}
    messages = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> dict[str, Any]:
        return messages.pop(0)

    return asyncio.run(_read_body(scope, receive, limit))


@pytest.mark.parametrize("declared", [b"\xb9", b"\xb2\xb3", b"", b" 12 ", b"-1", b"1e9"])
def test_a_length_that_is_not_ascii_digits_is_not_trusted_nor_an_error(declared: bytes) -> None:
    assert _read(declared, b'{"qty": "1"}') == b'{"qty": "1"}'


def test_a_declared_or_an_actual_length_over_the_limit_is_refused() -> None:
    assert _read(b"101", b"{}") is None
    assert _read(b"2", b"x" * 101) is None
