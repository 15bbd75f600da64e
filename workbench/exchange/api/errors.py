"""Every failure as Alpaca's error body ``{"code": <8 digits>, "message": ...}`` (plus the extra
keys Alpaca adds, such as ``available`` or ``related_orders``), mapped once here:

==========================================  ======  ==========
raised                                       status  code
==========================================  ======  ==========
malformed JSON body                          400     40010000
AuthError (missing or wrong keys)            401     40110000
TradingForbidden, PermissionDenied           403     40310000
NotFound (order, position, asset, route)     404     40410000
method not allowed                           405     40510000
request body over ``max_body_bytes``         413     41310000
DuplicateClientOrderId, request schema       422     40010001
InvalidOrder, OrderNotCancelable, DataError  422     42210000
RateLimited                                  429     42910000
anything else (a bug)                        500     50010000
==========================================  ======  ==========

A traceback is never the answer: the last handler turns a bug into a logged 500 with this body.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from workbench.core.errors import (
    AuthError,
    DataError,
    NotFound,
    PermissionDenied,
    RateLimited,
    WorkbenchError,
)
from workbench.exchange.matching.errors import (
    DuplicateClientOrderId,
    InvalidOrder,
    OrderNotCancelable,
    TradingForbidden,
)

__all__ = ["alpaca_error", "install_error_handlers", "status_and_code"]

_log = logging.getLogger(__name__)


def alpaca_error(status: int, code: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"code": code, "message": message, **extra}, status_code=status)


def status_and_code(error: WorkbenchError) -> tuple[int, int]:
    if isinstance(error, AuthError):
        return 401, 40110000
    if isinstance(error, TradingForbidden | PermissionDenied):
        return 403, 40310000
    if isinstance(error, NotFound):
        return 404, 40410000
    if isinstance(error, DuplicateClientOrderId):
        return 422, 40010001
    if isinstance(error, RateLimited):
        return 429, 42910000
    if isinstance(error, InvalidOrder | OrderNotCancelable | DataError):
        return 422, 42210000
    return 422, 42210000


def error_body(error: WorkbenchError) -> dict[str, Any]:
    _, code = status_and_code(error)
    return {"code": code, "message": error.message, **error.details}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(WorkbenchError)
    async def _workbench(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, WorkbenchError)
        status, _ = status_and_code(error)
        return JSONResponse(error_body(error), status_code=status)

    @app.exception_handler(RequestValidationError)
    async def _schema(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RequestValidationError)
        problems = error.errors()
        if any(p.get("type") == "json_invalid" for p in problems):
            return alpaca_error(400, 40010000, "request body format is invalid (malformed JSON)")
        return alpaca_error(422, 40010001, "; ".join(_describe(p) for p in problems))

    @app.exception_handler(HTTPException)
    async def _http(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, HTTPException)
        if error.status_code == 404:
            return alpaca_error(404, 40410000, f"endpoint not found: {request.url.path}")
        if error.status_code == 405:
            return alpaca_error(405, 40510000, "method not allowed")
        return alpaca_error(error.status_code, error.status_code * 100000, str(error.detail))

    @app.exception_handler(Exception)
    async def _bug(request: Request, error: Exception) -> JSONResponse:
        _log.exception("unhandled error on %s %s", request.method, request.url.path)
        return alpaca_error(500, 50010000, "internal server error")


def _describe(problem: dict[str, Any]) -> str:
    where = ".".join(str(p) for p in problem.get("loc", ()) if p not in ("body", "query"))
    message = str(problem.get("msg", "invalid"))
    return f"{where}: {message}" if where else message
