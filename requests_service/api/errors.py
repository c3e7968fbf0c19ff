"""One JSON error shape (flask-smorest's): {"code", "status", "message", "errors"}."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from requests_service.domain.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidTransition,
    NotFound,
    RuleViolation,
    TooLarge,
    Unavailable,
    UnsupportedType,
)
from requests_service.safe_logging import describe_exception

log = logging.getLogger(__name__)

STATUS: tuple[tuple[type[DomainError], int], ...] = (
    (NotFound, 404),
    (Forbidden, 403),
    (InvalidTransition, 409),
    (Conflict, 409),
    (RuleViolation, 422),
    (TooLarge, 413),
    (UnsupportedType, 415),
    (Unavailable, 503),
    (DomainError, 422),
)

# Default Chinese messages for the HTTP errors that carry none of their own.
DEFAULT_MESSAGES = {
    400: "请求格式无效（例如JSON无法解析）。",
    401: "未认证：请在Authorization头中提供有效的Bearer令牌。",
    403: "无权执行此操作。",
    404: "未找到该资源。",
    405: "不支持该请求方法。",
    409: "与现有数据冲突。",
    412: "数据已被他人修改（If-Match与当前版本不符），请刷新后重试。",
    413: "上传文件过大。",
    415: "不支持的文件类型。",
    422: "请求参数校验未通过。",
    428: "此操作需要If-Match请求头（先GET获取ETag）。",
    429: "请求过于频繁，请稍后再试（见Retry-After）。",
    500: "服务器内部错误，请稍后重试。",
}


def error_payload(code: int, message: str, errors: Any = None) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "code": code,
        "status": HTTP_STATUS_CODES.get(code, "Error"),
        "message": message,
    }
    if errors:
        payload["errors"] = errors
    return payload


def handle_domain_error(exc: DomainError) -> tuple[dict[str, Any], int]:
    code = next(status for cls, status in STATUS if isinstance(exc, cls))
    errors = exc.details.get("fields") if exc.details else None
    payload = error_payload(code, exc.message, errors)
    extra = {k: v for k, v in (exc.details or {}).items() if k != "fields"}
    if extra:
        payload["details"] = extra
    return payload, code


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(DomainError, handle_domain_error)

    smorest_handler = app.error_handler_spec[None][None].get(HTTPException)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Any:
        data = getattr(exc, "data", None)
        if data is None or "message" not in data:
            exc.data = dict(data or {})  # type: ignore[attr-defined]
            exc.data["message"] = DEFAULT_MESSAGES.get(exc.code or 500, exc.name)  # type: ignore[attr-defined]
        if smorest_handler is not None:
            response = smorest_handler(exc)
            # Keep the exception's own headers (405's Allow, 429's Retry-After); flask-smorest's
            # handler only keeps those passed to abort().
            body, code, headers = response
            extra = {k: v for k, v in exc.get_headers() if k.lower() != "content-type"}
            return body, code, {**extra, **dict(headers or {})}
        return error_payload(exc.code or 500, exc.data["message"]), exc.code  # type: ignore[attr-defined]

    @app.errorhandler(IntegrityError)
    def _integrity(exc: IntegrityError) -> Any:
        # No driver-specific parsing: any constraint hit means the request collided with data.
        log.info("integrity error: %s", type(exc.orig).__name__)
        return error_payload(409, "与现有数据冲突（唯一性或关联约束），未做任何修改。"), 409

    @app.errorhandler(StaleDataError)
    def _stale(_exc: StaleDataError) -> Any:
        return error_payload(409, "案件已被他人同时修改，请刷新后重试。"), 409

    @app.errorhandler(OperationalError)
    def _operational(exc: OperationalError) -> Any:
        log.error("database unavailable: %s", type(exc.orig).__name__)
        return error_payload(503, "数据库暂时不可用，请稍后重试。"), 503

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Any:
        # Never leak SQL or tracebacks to clients; the log keeps the stack but not the message
        # (it may quote personal data from the request).
        log.error("unhandled error: %s", describe_exception(exc))
        return error_payload(500, DEFAULT_MESSAGES[500]), 500
