"""How every assistant (MCP) tool call runs: who calls, whether they may, the answer cut to fit
an assistant's context, and a record of the call in the audit chain.

A tool is listed, and runs, only when its permission is in the caller's role and, for trading
and state-changing tools, the configuration enables them (``Settings.mcp.trading_enabled``).
Everything a tool does acts as ``mcp:<username>``, so risk-gate rules scoped to assistants
apply, and the audit chain tells an assistant's acts from a person's.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from workbench.core.errors import AuthError, PermissionDenied, WorkbenchError
from workbench.ledger import append_audit
from workbench.model import Permission, Role, can
from workbench.model.plain import to_plain
from workbench.ops.auth import Principal, authenticate

if TYPE_CHECKING:
    from workbench.runtime import Runtime

__all__ = [
    "ACTOR_PREFIX",
    "Answer",
    "actor_of",
    "call",
    "fit",
    "local_principal",
    "may_use",
    "principal_for",
    "record_read",
    "record_refusal",
]

#: every act of an assistant is done as ``mcp:<username>``
ACTOR_PREFIX = "mcp:"
#: room kept for the envelope around ``data`` (summary, paging note, links)
_ENVELOPE = 600
_AUDIT_TEXT = 300
#: arguments never written to the audit chain (a token there could be replayed by a reader)
_SECRET_ARGUMENTS = ("confirmation_token",)
_REDACTED = "<redacted>"


@dataclass
class Answer:
    """A tool's answer: a one-line summary with the key numbers, the data (cut to fit), and
    resource links to the whole of a large result."""

    summary: str
    data: Any = None
    links: list[str] = field(default_factory=list)
    truncated: bool = False
    paging: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "summary": self.summary,
            "data": self.data,
            "links": self.links,
            "truncated": self.truncated,
            "paging": self.paging,
        }


def actor_of(principal: Principal) -> str:
    return f"{ACTOR_PREFIX}{principal.user}"


def local_principal() -> Principal:
    """Who a development stdio server without an API key acts as: a read-only analyst."""
    return Principal(user="local", role=Role.ANALYST, via="key")


def principal_for(rt: Runtime, credential: str | None) -> Principal:
    """The caller of one request, from its bearer token or API key (checked on every call, so
    a revoked key or a lowered role takes effect at once)."""
    if not credential:
        raise AuthError("no credentials: send Authorization: Bearer <access token or API key>")
    return authenticate(rt, credential)


def may_use(rt: Runtime, principal: Principal, permission: Permission, *, trading: bool) -> bool:
    """Whether a tool needing ``permission`` is listed for (and runs for) this caller."""
    if trading and not rt.settings.mcp.trading_enabled:
        return False
    return can(principal.role, permission)


def call(
    rt: Runtime,
    principal: Principal,
    tool: str,
    arguments: Mapping[str, Any],
    work: Callable[[], Answer],
    *,
    permission: Permission,
    trading: bool = False,
) -> dict[str, Any]:
    """Run one tool call: refuse what the caller may not do, cut the answer to the configured
    size, and record tool, arguments, caller and outcome in the audit chain (refusals too)."""
    actor = actor_of(principal)
    try:
        if trading and not rt.settings.mcp.trading_enabled:
            raise PermissionDenied(f"{tool} is disabled: the MCP face is read-only here")
        if not can(principal.role, permission):
            raise PermissionDenied(
                f"{principal.user} ({principal.role.value}) may not {permission.value}"
            )
        answer = fit(work(), rt.settings.mcp.max_answer_chars)
    except WorkbenchError as error:
        _record(rt, tool, arguments, actor, f"refused: {error.message}")
        raise
    _record(rt, tool, arguments, actor, answer["summary"])
    return answer


def record_refusal(
    rt: Runtime, principal: Principal, tool: str, arguments: Mapping[str, Any], message: str
) -> None:
    """Audit a call refused before its tool ran (arguments that fail the input schema, a tool
    the caller does not have), so every call is in the chain, not only those that ran."""
    _record(rt, tool, arguments, actor_of(principal), f"refused: {message}")


def record_read(rt: Runtime, principal: Principal, uri: str, outcome: str) -> None:
    """Audit one read of a resource link (a page of bars, a backtest's trades, a report)."""
    with rt.ledger.session() as session:
        append_audit(
            session,
            kind="mcp.resource",
            actor=actor_of(principal),
            payload={"uri": uri[:_AUDIT_TEXT], "outcome": outcome[:_AUDIT_TEXT]},
        )


def _record(rt: Runtime, tool: str, arguments: Mapping[str, Any], actor: str, outcome: str) -> None:
    plain = {k: _short(to_plain(v)) for k, v in arguments.items() if k not in _SECRET_ARGUMENTS}
    plain.update({k: _REDACTED for k in _SECRET_ARGUMENTS if k in arguments})
    with rt.ledger.session() as session:
        append_audit(
            session,
            kind="mcp.tool",
            actor=actor,
            payload={"tool": tool, "arguments": plain, "outcome": outcome[:_AUDIT_TEXT]},
        )


def _short(value: Any) -> Any:
    text = json.dumps(value, default=str)
    return value if len(text) <= _AUDIT_TEXT else text[:_AUDIT_TEXT] + "..."


def fit(answer: Answer, limit: int) -> dict[str, Any]:
    """The answer as plain data whose JSON is at most ``limit`` characters: the longest list
    in the data is halved until it fits (saying how many items were kept, and how to page),
    and data that still does not fit is cut as text."""
    result = answer.to_dict()
    result["data"] = to_plain(result["data"])
    if _size(result) <= limit:
        return result
    result["summary"] = result["summary"][:300]
    result["truncated"] = True
    hint = answer.paging or "ask for less (a shorter range, a lower limit) or page with offset"
    links = " or read the resource links page by page" if answer.links else ""
    cut: list[str] = []

    def note() -> None:
        said = "; ".join(cut[-3:])
        result["paging"] = f"cut to {limit} characters ({said}): {hint}{links}"[:400]

    note()
    while _size(result) > limit:
        found = _longest_list(result["data"])
        if found is None or len(found[1]) <= 1:
            break
        path, items = found
        kept = len(items) // 2
        cut.append(f"{'.'.join(path) or 'data'}: first {kept} of {len(items)}")
        _replace(result, path, items[:kept])
        note()
    if _size(result) > limit:
        text = json.dumps(result["data"], default=str)
        result["data"] = None
        room = limit - _size(result) - _ENVELOPE
        result["data"] = {"text": text[: max(room // 2, 0)]}  # escaping may double it
        cut.append("the data as text, cut")
        note()
    while _size(result) > limit and result["links"]:
        result["links"].pop()
    return result


def _size(value: Any) -> int:
    return len(json.dumps(value, indent=2, default=str))


def _longest_list(
    data: Any, path: tuple[str, ...] = ()
) -> tuple[tuple[str, ...], list[Any]] | None:
    best: tuple[tuple[str, ...], list[Any]] | None = None
    if isinstance(data, list):
        best = (path, data)
    elif isinstance(data, dict):
        for key, value in data.items():
            found = _longest_list(value, (*path, str(key)))
            if found is not None and (best is None or _size(found[1]) > _size(best[1])):
                best = found
    return best


def _replace(result: dict[str, Any], path: tuple[str, ...], items: list[Any]) -> None:
    if not path:
        result["data"] = items
        return
    holder = result["data"]
    *parents, last = path
    for key in parents:
        holder = holder[key]
    holder[last] = items
