"""Who calls and how a tool call runs, shared by every tool: the caller is found from the
request (the HTTP ``Authorization`` header) or from the identity the stdio server was started
with, and each call goes through ``ops.assistant.calls.call``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel

from workbench.core.errors import WorkbenchError
from workbench.model import Permission
from workbench.ops.assistant import calls
from workbench.ops.assistant.calls import Answer
from workbench.ops.auth import Principal
from workbench.runtime import Runtime

__all__ = ["Face", "credential_from_headers"]


A = TypeVar("A", bound=BaseModel)


def credential_from_headers(headers: Mapping[str, str] | None) -> str | None:
    if headers is None:
        return None
    return headers.get("authorization") or headers.get("x-api-key")


@dataclass(frozen=True)
class Face:
    """``credential``: the stdio server's API key (None on HTTP, where each request brings
    its own); ``local``: a development stdio server without a key, acting read-only."""

    runtime: Runtime
    credential: str | None = None
    local: bool = False

    def principal(self, headers: Mapping[str, str] | None) -> Principal:
        if self.local:
            return calls.local_principal()
        given = self.credential or credential_from_headers(headers)
        return calls.principal_for(self.runtime, given)

    def caller(self, ctx: Context) -> Principal:
        return self.principal(_headers(ctx))

    def run(
        self,
        shape: type[A],
        ctx: Context,
        tool: str,
        arguments: Mapping[str, Any],
        work: Callable[[Principal], Answer],
        *,
        permission: Permission,
        trading: bool = False,
    ) -> A:
        """One tool call answered as ``shape`` (the tool's ``ToolAnswer[...]``); a refusal or
        bad input comes back as a tool error saying why."""
        try:
            principal = self.caller(ctx)
            answer = calls.call(
                self.runtime,
                principal,
                tool,
                arguments,
                lambda: work(principal),
                permission=permission,
                trading=trading,
            )
        except WorkbenchError as error:
            raise ToolError(error.message) from None
        return shape.model_validate(answer)


def _headers(ctx: Context) -> Mapping[str, str] | None:
    try:
        return ctx.headers
    except ValueError:  # outside a request (a direct call in-process)
        return None
