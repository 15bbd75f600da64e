"""Who calls and how a tool call runs, shared by every tool: the caller is found from the
request (the HTTP ``Authorization`` header) or from the identity the stdio server was started
with, and each call goes through ``ops.assistant.calls.call``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel, Field

from workbench.core.errors import WorkbenchError
from workbench.model import Permission
from workbench.ops.assistant import calls
from workbench.ops.assistant.calls import Answer
from workbench.ops.auth import Principal
from workbench.runtime import Runtime

__all__ = ["Face", "ToolAnswer", "credential_from_headers"]


class ToolAnswer(BaseModel):
    """Every tool's structured answer."""

    summary: str = Field(description="one line: what was done and the key numbers")
    data: Any = Field(default=None, description="the result, cut to the configured size")
    links: list[str] = Field(
        default_factory=list, description="resource links to the whole result, read in pages"
    )
    truncated: bool = Field(default=False, description="true when data was cut to fit")
    paging: str | None = Field(default=None, description="how to get the rest")


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

    def run(
        self,
        ctx: Context,
        tool: str,
        arguments: Mapping[str, Any],
        work: Callable[[Principal], Answer],
        *,
        permission: Permission,
        trading: bool = False,
    ) -> ToolAnswer:
        """One tool call; a refusal or bad input comes back as a tool error saying why."""
        try:
            principal = self.principal(_headers(ctx))
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
        return ToolAnswer.model_validate(answer)


def _headers(ctx: Context) -> Mapping[str, str] | None:
    try:
        return ctx.headers
    except ValueError:  # outside a request (a direct call in-process)
        return None
