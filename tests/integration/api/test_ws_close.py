"""A ``/ws`` client that leaves ends its session cleanly: the server's handler returns (or
is cancelled by whoever runs it) without a stray cancellation escaping to the caller."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.integration.api.conftest import key_for
from workbench.runtime import Runtime


def test_clients_that_leave_end_their_sessions_cleanly(app: FastAPI, runtime: Runtime) -> None:
    key = key_for(runtime, "trader")
    with TestClient(app, base_url="http://127.0.0.1") as client:
        for _ in range(40):
            # Starlette's session cancels the handler's scope as the block closes: a
            # cancellation the handler let escape in place of the scope's own fails the exit
            with client.websocket_connect("ws://127.0.0.1/ws") as ws:
                ws.send_json({"type": "auth", "token": key})
                assert ws.receive_json()["type"] == "welcome"
                ws.send_json({"type": "subscribe", "channels": ["orders"]})
                assert ws.receive_json()["type"] == "subscribed"
