"""Domain errors. Adapters map each class to one HTTP status (see api/errors.py).

Messages are in Simplified Chinese because officers and applicants read them.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base class; ``message`` is shown to the user, ``details`` is machine-readable."""

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(DomainError):
    """The thing does not exist, or the caller may not know that it exists (404)."""


class InvalidTransition(DomainError):
    """A lifecycle action is not allowed from the case's current state (409)."""


class Conflict(DomainError):
    """The request collides with stored state: duplicates, already done, stale version (409)."""


class RuleViolation(DomainError):
    """The input is well-formed but breaks a statutory or business rule (422)."""


class Forbidden(DomainError):
    """The actor's role does not allow this action (403)."""


class CalendarHorizonExceeded(DomainError):
    """A date lies beyond the last officially loaded calendar day."""


class TooLarge(DomainError):
    """An upload or input exceeds its size limit (413)."""


class UnsupportedType(DomainError):
    """An upload's type is not accepted (415)."""


class Unavailable(DomainError):
    """A needed service (queue, renderer, fonts) failed; nothing was changed (503)."""
