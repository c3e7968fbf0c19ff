"""ETags from the case's version counter, so two officers cannot overwrite each other."""

from __future__ import annotations

from typing import Any, Protocol

from flask import request
from flask_smorest import abort
from flask_smorest.etag import EtagMixin


class Case(Protocol):
    """Whatever carries a case's identity and optimistic-lock version."""

    @property
    def id(self) -> int: ...

    @property
    def version(self) -> int: ...


def case_etag_data(case: Case) -> dict[str, Any]:
    return {"id": case.id, "version": case.version}


def case_etag(case: Case) -> str:
    etag: str = EtagMixin._generate_etag(case_etag_data(case))
    return etag


# An If-Match value as RFC 9110 spells it: "*" or a list of (weak or strong) quoted tags. A
# well-formed but stale tag is a failed precondition (412), not a malformed request.
ETAG_LIST_SCHEMA = {
    "type": "string",
    "pattern": '^(?:\\*|(?:W/)?"[!#-~]*"(?:, ?(?:W/)?"[!#-~]*")*)$',
}

IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "schema": ETAG_LIST_SCHEMA,
    "description": "案件的ETag（GET /cases/{id}返回）；不符时返回412，防止覆盖他人的修改",
}


def check_if_match(case: Case) -> None:
    """For POST actions: If-Match is optional, but a stale one is refused with 412.

    (flask-smorest checks If-Match itself only for PUT/PATCH/DELETE.)
    """
    if request.if_match and case_etag(case) not in request.if_match:
        abort(
            412,
            message="案件已被他人修改（If-Match与当前版本不符），请刷新后重试。",
            reason="precondition_failed",
        )
