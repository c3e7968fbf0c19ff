"""``Prefer: wait=N`` (RFC 7240): a client may ask a call to wait for background work."""

from __future__ import annotations

import re

from flask import current_app, request

_WAIT = re.compile(r"(?:^|[,;\s])wait\s*=\s*(\d{1,4})(?:$|[,;\s])", re.IGNORECASE)

PREFER_PARAM = {
    "name": "Prefer",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "example": "wait=30"},
    "description": (
        "wait=N：最多等待N秒，直到文书签发完成再返回（200）；超时仍未完成则返回202，"
        "之后可GET查询。上限由服务器配置MAX_PREFER_WAIT决定。"
    ),
}


def prefer_wait() -> int:
    """Seconds the client is willing to wait (0 when it did not ask), capped by the server."""
    match = _WAIT.search(request.headers.get("Prefer", ""))
    if not match:
        return 0
    return min(int(match.group(1)), int(current_app.config.get("MAX_PREFER_WAIT", 60)))
