"""Logging without personal data: exception descriptions that never quote the request."""

from __future__ import annotations

import traceback


def describe_exception(exc: BaseException) -> str:
    """The exception's type and stack (file, line, function) without its message or locals.

    Exception messages may quote request data: a driver error carries the SQL statement and its
    values, a ValueError may repeat the input. Personal data (names, ID numbers, phones,
    addresses) must never reach the log, so only the code location is kept.
    """
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        frames = traceback.extract_tb(current.__traceback__)
        where = " <- ".join(
            f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}:{f.name}" for f in reversed(frames)
        )
        parts.append(f"{type(current).__module__}.{type(current).__qualname__} at {where or '?'}")
        current = current.__cause__ or current.__context__
    return " | caused by ".join(parts)
