"""What time it is, for the whole service: UTC instants and the statutory calendar date.

The clock is a replaceable object held in a context variable rather than read from the system
at each call site, so a test, a back-dated import or a replayed job can fix "now" for everything
it calls (``with use_clock(FixedClock(...))``) without threading a parameter through every
service. Production uses :class:`SystemClock`.

Legal dates are calendar days in Beijing time, the one legal time of the PRC, whatever zone the
server runs in; that is why the zone is a constant and not a setting.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

LEGAL_ZONE = ZoneInfo("Asia/Shanghai")


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class FixedClock:
    """A clock that stands still until moved; for tests and replays."""

    instant: datetime

    def __post_init__(self) -> None:
        if self.instant.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")

    @classmethod
    def on_legal_date(cls, day: date, at: time = time(10, 0)) -> FixedClock:
        """Beijing-time ``at`` on ``day`` (10:00 by default, well inside office hours)."""
        return cls(datetime.combine(day, at, tzinfo=LEGAL_ZONE))

    def now(self) -> datetime:
        return self.instant

    def advance(self, delta: timedelta) -> None:
        self.instant += delta


_SYSTEM_CLOCK = SystemClock()
_current: ContextVar[Clock | None] = ContextVar("requests_service_clock", default=None)


def current_clock() -> Clock:
    return _current.get() or _SYSTEM_CLOCK


@contextmanager
def use_clock(clock: Clock) -> Iterator[Clock]:
    """Make ``clock`` the current clock for the code run inside the ``with`` block."""
    token = _current.set(clock)
    try:
        yield clock
    finally:
        _current.reset(token)


def utcnow() -> datetime:
    return current_clock().now().astimezone(UTC)


def legal_date(moment: datetime) -> date:
    return moment.astimezone(LEGAL_ZONE).date()


def legal_today() -> date:
    """Today's statutory date (Beijing time) by the current clock."""
    return legal_date(current_clock().now())
