"""Request guard: refuse what no endpoint can handle before any view or schema sees it.

Runs before every request (issue 15, item 3):

1. **Authentication first.** An endpoint that needs a bearer token answers 401 before its body or
   preconditions are looked at — an anonymous caller learns nothing from 422/428 answers.
2. **Text the database cannot store.** NUL bytes (PostgreSQL rejects them in text) and lone UTF-16
   surrogates (not encodable as UTF-8) anywhere in the JSON body, the query string, form fields
   or uploaded file names → 422; in a header → 400 (malformed); in a path segment → 404 (no
   resource has such a name).
3. **Deeply nested JSON** → 400 (the parser would otherwise recurse until RecursionError).
4. **Integers beyond the columns' range**: path ids go through :class:`BoundedIntConverter`
   (beyond int4 → 404, no such row can exist); query and body integers are bounded by
   ``BaseSchema`` (→ 422); pagination pages by :func:`bounded_pagination_schema`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from flask import Flask, current_app, request
from flask_smorest import abort
from flask_smorest.pagination import (
    _pagination_parameters_schema_factory as _smorest_pagination_schema,
)
from flask_smorest.spec.plugins import integerconverter2paramschema
from marshmallow.validate import Range
from werkzeug.routing import IntegerConverter

INT32_MAX = 2**31 - 1
MAX_JSON_DEPTH = 32
FORBIDDEN_TEXT = re.compile("[\x00\ud800-\udfff]")
FORBIDDEN_MESSAGE = "不能包含空字符（NUL）或无效的Unicode代理字符。"


class BoundedIntConverter(IntegerConverter):
    """``<int:…>`` limited to int4: every id column is a PostgreSQL ``integer``."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", INT32_MAX)
        super().__init__(map, *args, **kwargs)


def int_param_schema(converter: IntegerConverter) -> dict[str, Any]:
    """The path parameter's schema in the spec: an id in int4's range."""
    return integerconverter2paramschema(converter)  # type: ignore[no-any-return]


def bounded_pagination_schema(page: int, page_size: int, max_page_size: int) -> Any:
    """flask-smorest's pagination arguments with an upper bound on ``page`` (→ 422, not an
    OFFSET overflow in the database)."""
    schema = _smorest_pagination_schema(page, page_size, max_page_size)
    schema._declared_fields["page"].validators = [
        Range(min=1, max=INT32_MAX, error="页码应在1至2147483647之间。")
    ]
    return schema


def install_pagination_bound() -> None:
    """Make ``@blp.paginate()`` use :func:`bounded_pagination_schema` (idempotent)."""
    from flask_smorest import pagination

    pagination._pagination_parameters_schema_factory = bounded_pagination_schema


_PUBLIC_BY_OPERATION = "request_guard_public"


def _is_public(endpoint: str | None) -> bool | None:
    """True for endpoints documented with ``security=[{}]``; None when not an API operation.

    Read from the view's documentation once per endpoint and method, then from a table kept on
    the app: the routes are fixed when the app is built, so the answer never changes."""
    if endpoint is None:
        return None
    known: dict[tuple[str, str], bool | None] = current_app.extensions.setdefault(
        _PUBLIC_BY_OPERATION, {}
    )
    operation = (endpoint, request.method)
    if operation not in known:
        known[operation] = _documented_public(endpoint)
    return known[operation]


def _documented_public(endpoint: str) -> bool | None:
    view = current_app.view_functions.get(endpoint)
    view_class = getattr(view, "view_class", None)
    if view_class is None:
        return None
    method = getattr(view_class, request.method.lower(), None)
    doc = getattr(method, "_apidoc", None)
    if doc is None:
        return None
    security = doc.get("manual_doc", {}).get("security")
    return security is not None and all(not item for item in security)


def _strings(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every string (keys included) in a parsed JSON document, with its dotted path; iterative."""
    stack: list[tuple[Any, str]] = [(value, path)]
    while stack:
        current, where = stack.pop()
        if isinstance(current, str):
            yield where, current
        elif isinstance(current, dict):
            for key, item in current.items():
                child = f"{where}.{key}" if where else str(key)
                if isinstance(key, str):
                    yield child, key
                stack.append((item, child))
        elif isinstance(current, list):
            for index, item in enumerate(current):
                stack.append((item, f"{where}.{index}" if where else str(index)))


def json_depth(value: Any) -> int:
    """Nesting depth of a parsed JSON document (a scalar is 0), without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        current, depth = stack.pop()
        if isinstance(current, dict):
            stack.extend((item, depth + 1) for item in current.values())
            deepest = max(deepest, depth + 1)
        elif isinstance(current, list):
            stack.extend((item, depth + 1) for item in current)
            deepest = max(deepest, depth + 1)
    return deepest


def _refuse_text(location: str, field: str, status: int = 422) -> None:
    errors = {location: {field: [FORBIDDEN_MESSAGE]}}
    abort(status, message="请求中含有无法保存的字符。", errors=errors)


def _check_json_body() -> None:
    raw = request.get_data(cache=True)
    if not raw:
        return
    try:
        document = json.loads(raw)
    except RecursionError:
        abort(400, message=f"JSON嵌套层数过多（最多{MAX_JSON_DEPTH}层）。")
    except ValueError:
        return  # flask-smorest answers 400 for malformed JSON itself
    if json_depth(document) > MAX_JSON_DEPTH:
        abort(400, message=f"JSON嵌套层数过多（最多{MAX_JSON_DEPTH}层）。")
    for where, text in _strings(document):
        if FORBIDDEN_TEXT.search(text):
            _refuse_text("json", where or "_body")


def guard_request() -> None:
    if request.method == "OPTIONS":
        return
    if _is_public(request.endpoint) is False:
        from requests_service.api.auth import current_actor

        current_actor()  # 401 before the body, the preconditions or the roles are checked
    if FORBIDDEN_TEXT.search(request.path):
        abort(404, message="未找到该资源。")
    _check_headers_and_query()
    if request.is_json:
        _check_json_body()
    elif request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        _check_form()


def _check_headers_and_query() -> None:
    for name, value in request.headers.items():
        if FORBIDDEN_TEXT.search(str(value)):
            _refuse_text("headers", name, 400)  # a malformed header, not a field value
    for key, value in request.args.items(multi=True):
        if FORBIDDEN_TEXT.search(key) or FORBIDDEN_TEXT.search(value):
            _refuse_text("query", key)


def _check_form() -> None:
    for key, value in request.form.items(multi=True):
        if FORBIDDEN_TEXT.search(key) or FORBIDDEN_TEXT.search(value):
            _refuse_text("form", key)
    for key, upload in request.files.items(multi=True):
        if FORBIDDEN_TEXT.search(key) or FORBIDDEN_TEXT.search(upload.filename or ""):
            _refuse_text("files", key)


def init_app(app: Flask) -> None:
    """Install the bounded ``int`` converter (before routes are registered) and the guard."""
    app.url_map.converters["int"] = BoundedIntConverter
    app.before_request(guard_request)
