"""What typed commands share: the marker of a field a partial update (PATCH) leaves alone."""

from __future__ import annotations

from enum import Enum
from typing import Final

__all__ = ["UNSET", "Unset"]


class Unset(Enum):
    """Not sent: unlike ``None``, which clears a field, an unset field keeps its value.
    Services test ``isinstance(value, Unset)`` so type checkers narrow what remains."""

    UNSET = "unset"

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = Unset.UNSET
