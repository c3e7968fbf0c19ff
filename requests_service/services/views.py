"""Stored records with figures computed for display, without writing onto ORM objects."""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace
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


class Record(SimpleNamespace):
    """A row read for display (a Core ``select`` of the columns a view shows, not an ORM
    entity): its columns as attributes, related rows as nested records. Nothing is loaded on
    access, nothing is tracked or flushed (issue 16: building entities, their identity map
    entries and instance state cost more than the statement on the read hot paths)."""


def record(names: Sequence[str], values: Sequence[Any]) -> Record:
    """A record of ``names`` to ``values`` (a row's slice, in the select's column order)."""
    return Record(**dict(zip(names, values, strict=True)))
