"""Every error the API answers with is an RFC 9457 problem (``application/problem+json``),
mapped here once from ``workbench.core.errors``, FastAPI's request validation and Starlette's
HTTP errors. Anything else is a 500 whose body names an error id and nothing of the cause: the
traceback goes to the server's log under that id, never to the client.
"""

from __future__ import annotations

import logging
import math
import uuid
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from workbench.core.errors import (
    AuthError,
    ConfigError,
    DataError,
    Fatal,
    NotFound,
    PermissionDenied,
    RateLimited,
    Retryable,
    RiskRejected,
    StoreUnavailable,
    ValidationError,
    WorkbenchError,
)
from workbench.model import to_plain

__all__ = [
    "PROBLEM_TYPE",
    "document_problem_type",
    "install_error_handlers",
    "problem",
    "problem_responses",
    "status_of",
]

PROBLEM_TYPE = "application/problem+json"
_log = logging.getLogger("workbench.api")

# most specific first: the first class an error is an instance of decides its status
_STATUS: tuple[tuple[type[WorkbenchError], int], ...] = (
    (ValidationError, 422),
    (RiskRejected, 422),
    (NotFound, 404),
    (DataError, 422),  # input that does not hold together: an order with qty and notional
    (AuthError, 401),
    (PermissionDenied, 403),
    (RateLimited, 429),
    (ConfigError, 503),
    (Retryable, 503),
    (Fatal, 502),
)


_DESCRIBED = {
    400: "the data cannot answer this (too few prices in the range...): the detail says why",
    401: "no credential, or one that is not valid",
    403: "the credential's role may not do this",
    404: "no such thing",
    413: "the request body is too large",
    422: "a parameter or field is not valid: the problem lists each",
    429: "too many requests: Retry-After says when to come back",
    500: "the server failed; its log names the error id",
    503: "a service it needs (the ledger, the job workers) is not available",
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI ``responses`` of a route: ``statuses`` and 500, each a problem body."""
    from workbench.interfaces.api.schemas import ProblemPublic

    return {
        status: {"model": ProblemPublic, "description": _DESCRIBED[status]}
        for status in (*statuses, 500)
    }


def document_problem_type(app: FastAPI) -> None:
    """Every error answer of the OpenAPI document under the media type it is served with,
    ``application/problem+json`` (FastAPI files a response model under ``application/json``),
    so a client or a fuzzer checking content types against the document finds them agree."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        schema = build()
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                for status, response in operation.get("responses", {}).items():
                    content = response.get("content", {})
                    if status[:1] in "45" and "application/json" in content:
                        content[PROBLEM_TYPE] = content.pop("application/json")
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def status_of(error: WorkbenchError) -> int:
    return next((status for kind, status in _STATUS if isinstance(error, kind)), 400)


def problem(
    request: Request,
    status: int,
    detail: str,
    *,
    code: str,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body = {
        "type": f"urn:workbench:problem:{code}",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        "code": code,
        **to_plain(extra),
    }
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_TYPE)


async def _workbench_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, WorkbenchError)
    status = status_of(error)
    headers: dict[str, str] = {}
    if isinstance(error, AuthError):
        headers["WWW-Authenticate"] = 'Bearer realm="workbench"'
    if isinstance(error, RateLimited) and error.retry_after is not None:
        headers["Retry-After"] = str(max(1, math.ceil(error.retry_after)))
    if isinstance(error, StoreUnavailable):  # a database restarting: back in seconds
        headers["Retry-After"] = "1"
    details = error.details if status < 500 else {}  # a server's settings stay in its log
    return problem(request, status, error.message, code=error.code, headers=headers, **details)


async def _request_invalid(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    fields = [_field_problem(item) for item in error.errors()]
    summary = "; ".join(f"{f['field']}: {f['message']}" for f in fields)
    return problem(request, 422, summary, code="invalid_request", errors=fields)


def _field_problem(item: Any) -> dict[str, Any]:
    location = [str(part) for part in item.get("loc", ())]
    found: dict[str, Any] = {"field": ".".join(location), "message": item.get("msg", "invalid")}
    allowed = {k: v for k, v in (item.get("ctx") or {}).items() if k != "error"}
    if allowed:
        found["allowed"] = {k: str(v) for k, v in allowed.items()}
    return found


async def _http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)
    detail = error.detail if isinstance(error.detail, str) else HTTPStatus(error.status_code).phrase
    code = HTTPStatus(error.status_code).phrase.lower().replace(" ", "_")
    headers = dict(error.headers) if error.headers else None
    return problem(request, error.status_code, detail, code=code, headers=headers)


async def _unexpected(request: Request, error: Exception) -> JSONResponse:
    error_id = uuid.uuid4().hex[:12]
    _log.error(
        "unhandled error %s on %s %s",
        error_id,
        request.method,
        request.url.path,
        exc_info=error,
    )
    return problem(
        request,
        500,
        f"the server failed on this request; its log names error {error_id}",
        code="internal_error",
        error_id=error_id,
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(WorkbenchError, _workbench_error)
    app.add_exception_handler(RequestValidationError, _request_invalid)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
