"""Enums whose members carry the Chinese label users read, next to the value the API stores."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Self

__all__ = ["LabelledEnum"]


class LabelledEnum(StrEnum):
    """A str enum declared as ``MEMBER = "value", "标签"``: the value is what the API and the
    database hold, ``.label`` what letters and pages print.  One declaration per member keeps a
    new member from going out without its label (a parallel mapping could forget it)."""

    _value_: str
    _label: str

    if TYPE_CHECKING:
        # ``Kind("value")`` is a lookup by value; the two-argument form below only runs while
        # the class body is being built, so type checkers see the lookup's signature.
        def __new__(cls, value: str) -> Self: ...

    else:

        def __new__(cls, value: str, label: str) -> Self:
            member = str.__new__(cls, value)
            member._value_ = value
            member._label = label
            return member

    @property
    def label(self) -> str:
        return self._label

    @classmethod
    def label_of(cls, value: str | None) -> str | None:
        """The label of a stored value; None for none (or one outside the enum)."""
        if not value:
            return None
        try:
            return cls(value).label
        except ValueError:
            return None
