"""One JSON error shape (flask-smorest's): {"code", "status", "message", "errors"}."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from typing import Any

import marshmallow as ma
from flask import Flask
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from requests_service.api.limits import retry_after_seconds
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


# A stable machine-readable reason per HTTP status, for errors that name none of their own.
DEFAULT_REASONS = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "gone",
    412: "precondition_failed",
    413: "too_large",
    415: "unsupported_type",
    422: "validation_failed",
    428: "precondition_required",
    500: "internal_error",
    503: "unavailable",
}
DOMAIN_REASONS: tuple[tuple[type[DomainError], str], ...] = (
    (NotFound, "not_found"),
    (Forbidden, "forbidden"),
    (InvalidTransition, "invalid_transition"),
    (Conflict, "conflict"),
    (RuleViolation, "rule_violation"),
    (TooLarge, "too_large"),
    (UnsupportedType, "unsupported_type"),
    (Unavailable, "unavailable"),
    (DomainError, "rule_violation"),
)
MALFORMED_JSON = "请求体不是有效的JSON（无法解析），请检查引号、逗号和括号，并使用UTF-8编码。"


class ErrorSchema(ma.Schema):
    """The one error body of every endpoint (4xx and 5xx)."""

    code = ma.fields.Integer(required=True, metadata={"description": "HTTP状态码"})
    status = ma.fields.String(required=True, metadata={"description": "HTTP状态名（英文）"})
    message = ma.fields.String(required=True, metadata={"description": "中文说明，可直接展示"})
    reason = ma.fields.String(
        required=True,
        metadata={
            "description": (
                "稳定的机器可读原因码，例如 invalid_transition、validation_failed、"
                "precondition_failed、not_found、malformed_json"
            )
        },
    )
    errors = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.List(ma.fields.String()),
        metadata={
            "description": (
                "逐字段的错误（扁平：嵌套字段用点号连接，如 applicant.id_number、items.0）"
            )
        },
    )
    details = ma.fields.Dict(
        keys=ma.fields.String(),
        metadata={"description": "附加的机器可读信息（如当前状态、允许的状态）"},
    )


_LOCATIONS = ("json", "query", "headers", "files", "form", "path")


def flatten_errors(errors: Any, prefix: str = "") -> dict[str, list[str]]:
    """``{"json": {"applicant": {"name": ["…"]}}}`` → ``{"applicant.name": ["…"]}``.

    The request location level (json, query, headers, files, form) is dropped.
    """
    if isinstance(errors, dict):
        return _merge(
            flatten_errors(value, _field_name(prefix, str(key))) for key, value in errors.items()
        )
    if isinstance(errors, list | tuple):
        if all(isinstance(item, str) for item in errors):
            return {prefix or "_schema": list(errors)}
        return _merge(flatten_errors(item, prefix) for item in errors)
    if errors is not None:
        return {prefix or "_schema": [str(errors)]}
    return {}


def _field_name(prefix: str, key: str) -> str:
    if not prefix and key in _LOCATIONS:
        return ""
    if key == "_schema":
        return prefix
    return f"{prefix}.{key}" if prefix else key


def _merge(parts: Iterable[dict[str, list[str]]]) -> dict[str, list[str]]:
    flat: dict[str, list[str]] = {}
    for part in parts:
        for field, messages in part.items():
            flat.setdefault(field, []).extend(messages)
    return flat


def error_payload(
    code: int,
    message: str,
    errors: Any = None,
    *,
    reason: str | None = None,
    details: dict[str, Any] | None = None,
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "code": code,
        "status": HTTP_STATUS_CODES.get(code, "Error"),
        "message": message,
        "reason": reason or DEFAULT_REASONS.get(code, "error"),
    }
    if errors:
        payload["errors"] = flatten_errors(errors)
    if details:
        payload["details"] = details
    return payload


def handle_domain_error(exc: DomainError) -> tuple[dict[str, Any], int]:
    code = next(status for cls, status in STATUS if isinstance(exc, cls))
    extra = dict(exc.details or {})
    errors = extra.pop("fields", None)
    field = extra.pop("field", None)
    if field and not errors:
        # The deadline calculator names one offending field: the same place as every error.
        errors = {str(field): [exc.message]}
    reason = extra.pop("reason", None) or next(
        name for cls, name in DOMAIN_REASONS if isinstance(exc, cls)
    )
    return error_payload(code, exc.message, errors, reason=reason, details=extra or None), code


def _is_malformed_json(exc: HTTPException, data: dict[str, Any]) -> bool:
    if exc.code != 400:
        return False
    messages = data.get("messages") or data.get("errors") or {}
    if isinstance(messages, dict) and "json" in messages:
        return any("Invalid JSON" in str(m) for m in messages["json"] or [])
    return "JSON" in (exc.description or "") and "message" not in data


def _error_headers(exc: HTTPException, code: int, data: dict[str, Any]) -> dict[str, str]:
    """The exception's own headers (405's Allow, 429's Retry-After) under the ones passed to
    abort(); a 429 from the limiter gets its Retry-After here (see ``api/limits.py``)."""
    headers = {k: v for k, v in exc.get_headers() if k.lower() != "content-type"}
    headers.update(dict(data.get("headers") or {}))
    if code == 429 and "Retry-After" not in headers:
        wait = retry_after_seconds()
        if wait is not None:
            headers["Retry-After"] = str(wait)
    valid_methods = getattr(exc, "valid_methods", None)
    if code == 405 and valid_methods:
        headers["Allow"] = ", ".join(valid_methods)
    return headers


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(DomainError, handle_domain_error)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Any:
        code = exc.code or 500
        data = dict(getattr(exc, "data", None) or {})
        headers = _error_headers(exc, code, data)
        if _is_malformed_json(exc, data):
            return error_payload(400, MALFORMED_JSON, reason="malformed_json"), 400, headers
        message = data.get("message") or DEFAULT_MESSAGES.get(code, exc.name)
        errors = data.get("errors") or data.get("messages")
        reason = data.get("reason")
        if code == 422 and errors and message == DEFAULT_MESSAGES[422]:
            message = "请求参数校验未通过，请按errors中列出的字段修改。"
        return error_payload(code, message, errors, reason=reason), code, headers

    @app.errorhandler(IntegrityError)
    def _integrity(exc: IntegrityError) -> Any:
        # No driver-specific parsing: any constraint hit means the request collided with data.
        log.info("integrity error: %s", type(exc.orig).__name__)
        return error_payload(
            409, "与现有数据冲突（唯一性或关联约束），未做任何修改。", reason="integrity_conflict"
        ), 409

    @app.errorhandler(StaleDataError)
    def _stale(_exc: StaleDataError) -> Any:
        return error_payload(
            409, "案件已被他人同时修改，请刷新后重试。", reason="concurrent_update"
        ), 409

    @app.errorhandler(OperationalError)
    def _operational(exc: OperationalError) -> Any:
        log.error("database unavailable: %s", type(exc.orig).__name__)
        message = "数据库暂时不可用，请稍后重试。"
        return error_payload(503, message, reason="database_unavailable"), 503

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Any:
        # Never leak SQL or tracebacks to clients; the log keeps the stack but not the message
        # (it may quote personal data from the request).
        log.error("unhandled error: %s", describe_exception(exc))
        return error_payload(500, DEFAULT_MESSAGES[500]), 500


class JsonErrorsMiddleware:
    """Last line of defence under gunicorn: an exception escaping Flask becomes JSON, not HTML."""

    def __init__(self, wsgi_app: Any) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        try:
            return self.wsgi_app(environ, start_response)
        except Exception:
            log.exception("error outside the Flask handlers")
            body = json.dumps(error_payload(500, DEFAULT_MESSAGES[500]), ensure_ascii=False)
            data = body.encode("utf-8")
            start_response(
                "500 INTERNAL SERVER ERROR",
                [("Content-Type", "application/json"), ("Content-Length", str(len(data)))],
                sys.exc_info(),
            )
            return [data]


def document_errors(api: Any) -> None:
    """Declare the error responses every generated client must parse: 401/403/404 on officer
    operations, 409 on every change, 412/428 where If-Match is checked, 422 on every input."""
    spec = api.spec
    components = spec.to_dict().get("components", {}).get("responses", {})
    for name, _code, description in (
        ("CONFLICT", 409, "与当前状态或现有数据冲突（reason说明原因，如invalid_transition）"),
        ("UNAUTHORIZED", 401, "未认证或令牌无效"),
        ("FORBIDDEN", 403, "当前角色无权执行"),
        ("NOT_FOUND", 404, "不存在，或无权知道其存在"),
        ("PRECONDITION_FAILED", 412, "If-Match与当前版本不符（数据已被他人修改）"),
        ("UNPROCESSABLE_CONTENT", 422, "参数校验未通过（errors逐字段说明）"),
    ):
        if name not in components:
            spec.components.response(
                name,
                {
                    "description": description,
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                    },
                },
            )
    for path, operations in spec._paths.items():
        for method, operation in operations.items():
            if method in ("get", "post", "put", "patch", "delete"):
                _declare_error_responses(path, method, operation)


def _declare_error_responses(path: str, method: str, operation: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    for code in _expected_error_codes(path, method, operation):
        if code not in responses:
            responses[code] = {"$ref": f"#/components/responses/{_RESPONSE_NAMES[code]}"}
        elif "content" not in responses[code] and "$ref" not in responses[code]:
            responses[code]["content"] = {
                "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
            }


def _expected_error_codes(path: str, method: str, operation: dict[str, Any]) -> list[str]:
    wanted = ["422"] if method != "get" or operation.get("parameters") else []
    if method != "get":
        wanted.append("409")
    if operation.get("security") != []:
        wanted += ["401", "403"]
    if "{" in path:
        wanted.append("404")
    if "If-Match" in json.dumps(operation.get("parameters", [])) or "412" in operation["responses"]:
        wanted.append("412")
    return wanted


_RESPONSE_NAMES = {
    "401": "UNAUTHORIZED",
    "403": "FORBIDDEN",
    "404": "NOT_FOUND",
    "409": "CONFLICT",
    "412": "PRECONDITION_FAILED",
    "422": "UNPROCESSABLE_CONTENT",
}
