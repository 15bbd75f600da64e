"""Fakes and helpers for tests of code built on the workbench. They ship with the package so
users' own tests can use them; nothing in the engines imports this package."""

from workbench.testing.alpaca_stub import AlpacaDataStub, RecordedRequest
from workbench.testing.brokers import FlakyBroker
from workbench.testing.clocks import HandClock
from workbench.testing.generated import generated_bars
from workbench.testing.json_documents import SNAKE_CASE, json_keys, odd_json_keys
from workbench.testing.lakes import copy_lake
from workbench.testing.servers import PrivatePostgres, PrivateRedis, postgres_binaries
from workbench.testing.waiting import free_port, wait_until
from workbench.testing.websocket import next_ws_message

__all__ = [
    "SNAKE_CASE",
    "AlpacaDataStub",
    "FlakyBroker",
    "HandClock",
    "PrivatePostgres",
    "PrivateRedis",
    "RecordedRequest",
    "copy_lake",
    "free_port",
    "generated_bars",
    "json_keys",
    "next_ws_message",
    "odd_json_keys",
    "postgres_binaries",
    "wait_until",
]
