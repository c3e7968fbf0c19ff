"""Stored records with figures computed for display, without writing onto ORM objects."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

T = TypeVar("T")


class Annotated(Generic[T]):
    """A record plus computed attributes; every other attribute read falls through to the record.

    Serialisers read attributes, so a view can add e.g. the allowed actions of a case without
    setting attributes the ORM model does not declare (and without the risk of them being
    flushed or leaking into another request through the identity map).
    """

    def __init__(self, record: T, **computed: Any) -> None:
        self.record = record
        self.__dict__.update(computed)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.record, name)
