"""Working-day calendar for statutory periods (工作日历).

Every period in the Regulations on Open Government Information (《政府信息公开条例》) is counted in
working days (工作日): Monday to Friday, except the days off that the State Council General Office
announces each year, plus the official make-up working days (调休上班日), which may fall on a
Saturday or Sunday.

The arrangement of a year is *data*, loaded from the State Council notice (国务院办公厅关于××年部分
节假日安排的通知); make-up days are never inferred by rule. For a year without a loaded notice the
calendar falls back to a *provisional* baseline — weekends plus the rule-based holidays of the
``holidays`` package, without make-up days — so that a due date can still be computed, but every
result that relies on such a day must be shown as 预计 (rules.md §i).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from typing import Any

import holidays

from requests_service.domain.errors import CalendarHorizonExceeded, RuleViolation

__all__ = [
    "MAX_SUPPORTED_DATE",
    "MIN_SUPPORTED_DATE",
    "WorkingCalendar",
    "YearArrangement",
    "horizon_warning",
    "load_bundled_arrangements",
    "validate_arrangement",
]

# The Regulations date from 2008 and the `holidays` lunar tables stop after 2100, so anything
# outside this window is a typo or an attack rather than a real case.
MIN_SUPPORTED_DATE = date(2000, 1, 1)
MAX_SUPPORTED_DATE = date(2100, 12, 31)

# Precomputed window; 2015..2040 covers every realistic case, and the window grows on demand.
_DEFAULT_FIRST_YEAR = 2015
_DEFAULT_LAST_YEAR = 2040
# Growing by several years at once keeps rebuilds rare when a caller walks far ahead.
_GROW_YEARS = 5


def _parse_iso_date(value: Any, field: str) -> date:
    if not isinstance(value, str) or len(value) != 10:
        raise RuleViolation(
            f"日期格式错误，应为YYYY-MM-DD：{field}", field=field, value=repr(value)
        )
    if not (value[:4].isdigit() and value[5:7].isdigit() and value[8:].isdigit()):
        raise RuleViolation(f"日期格式错误，应为YYYY-MM-DD：{field}", field=field, value=value)
    if not value.isascii() or value[4] != "-" or value[7] != "-":
        raise RuleViolation(f"日期格式错误，应为YYYY-MM-DD：{field}", field=field, value=value)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise RuleViolation(f"日期不存在：{field}", field=field, value=value) from None


@dataclass(frozen=True)
class YearArrangement:
    """The State Council holiday arrangement of one calendar year.

    ``days_off`` lists every day of every holiday block (weekends inside a block included);
    ``makeup_workdays`` lists the Saturdays/Sundays that are working days (调休上班日).
    ``source_ref`` names the notice the data was transcribed from.
    """

    year: int
    days_off: tuple[date, ...]
    makeup_workdays: tuple[date, ...]
    source_ref: str

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> YearArrangement:
        """Parse the bundled JSON shape; malformed data raises ``RuleViolation``."""
        if not isinstance(d, Mapping):
            raise RuleViolation("节假日安排数据应为对象", field="arrangement")
        year = d.get("year")
        if not isinstance(year, int) or isinstance(year, bool):
            raise RuleViolation("节假日安排缺少有效的年份", field="year", value=repr(year))
        source_ref = d.get("source_ref")
        if not isinstance(source_ref, str) or not source_ref.strip():
            raise RuleViolation("节假日安排缺少来源文件（source_ref）", field="source_ref")
        lists: dict[str, tuple[date, ...]] = {}
        for key in ("days_off", "makeup_workdays"):
            raw = d.get(key)
            if not isinstance(raw, list):
                raise RuleViolation(f"节假日安排字段应为日期列表：{key}", field=key)
            lists[key] = tuple(_parse_iso_date(v, f"{key}[{i}]") for i, v in enumerate(raw))
        return cls(
            year=year,
            days_off=lists["days_off"],
            makeup_workdays=lists["makeup_workdays"],
            source_ref=source_ref,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "source_ref": self.source_ref,
            "days_off": [d.isoformat() for d in self.days_off],
            "makeup_workdays": [d.isoformat() for d in self.makeup_workdays],
        }


def _duplicates(days: Iterable[date]) -> list[str]:
    seen: set[date] = set()
    dupes: set[date] = set()
    for d in days:
        (dupes if d in seen else seen).add(d)
    return sorted(d.isoformat() for d in dupes)


def validate_arrangement(a: YearArrangement) -> None:
    """Reject an arrangement that cannot be a State Council notice.

    Rules: every date lies in ``a.year``; no day is listed twice; a make-up working day is always a
    Saturday or Sunday (a weekday is a working day anyway); no day is both off and a make-up day.
    """
    if not MIN_SUPPORTED_DATE.year <= a.year <= MAX_SUPPORTED_DATE.year:
        raise RuleViolation(
            f"年份超出工作日历支持范围（{MIN_SUPPORTED_DATE.year}—{MAX_SUPPORTED_DATE.year}年）",
            field="year",
            year=a.year,
        )
    outside = sorted({d.isoformat() for d in (*a.days_off, *a.makeup_workdays) if d.year != a.year})
    if outside:
        raise RuleViolation(f"日期不属于{a.year}年", field="dates", dates=outside)
    dupes_off = _duplicates(a.days_off)
    if dupes_off:
        raise RuleViolation("放假日期重复", field="days_off", dates=dupes_off)
    dupes_makeup = _duplicates(a.makeup_workdays)
    if dupes_makeup:
        raise RuleViolation("调休上班日期重复", field="makeup_workdays", dates=dupes_makeup)
    weekdays = sorted(d.isoformat() for d in a.makeup_workdays if d.weekday() < 5)
    if weekdays:
        raise RuleViolation("调休上班日应为周六或周日", field="makeup_workdays", dates=weekdays)
    both = sorted(d.isoformat() for d in set(a.days_off) & set(a.makeup_workdays))
    if both:
        raise RuleViolation("同一日期不能既放假又调休上班", field="dates", dates=both)


def load_bundled_arrangements() -> list[YearArrangement]:
    """Load and validate every ``requests_service/data/calendar/*.json`` file, sorted by year."""
    out: list[YearArrangement] = []
    for entry in resources.files("requests_service.data.calendar").iterdir():
        if not entry.name.endswith(".json"):
            continue
        arrangement = YearArrangement.from_dict(json.loads(entry.read_text(encoding="utf-8")))
        validate_arrangement(arrangement)
        out.append(arrangement)
    return sorted(out, key=lambda a: a.year)


def _check_supported(d: date) -> None:
    if not MIN_SUPPORTED_DATE <= d <= MAX_SUPPORTED_DATE:
        raise RuleViolation(
            f"日期超出工作日历支持范围（{MIN_SUPPORTED_DATE.isoformat()}至"
            f"{MAX_SUPPORTED_DATE.isoformat()}）",
            field="date",
            value=d.isoformat(),
        )


@dataclass(frozen=True)
class _Tables:
    """One immutable snapshot of the precomputed window, swapped atomically when it grows.

    ``le[i]`` = number of working days with ordinal <= ``base + i``; ``wd`` = ascending ordinals of
    the working days in the window. These turn counting into two array look-ups.
    """

    base: int
    end: int
    le: list[int]
    wd: list[int]
    working: bytes


class WorkingCalendar:
    """Working-day arithmetic over official and provisional years.

    Official years are those whose ``YearArrangement`` was given; every other year uses the
    provisional baseline (weekends + ``holidays.China`` rule-based days, no make-up days).
    Counting follows rules.md §b: the start day is never counted (Civil Code Art. 201, applied by
    analogy), so ``add_working_days(d, n)`` is the n-th working day strictly after ``d``.
    """

    def __init__(self, arrangements: Iterable[YearArrangement]) -> None:
        by_year: dict[int, YearArrangement] = {}
        for a in arrangements:
            validate_arrangement(a)
            if a.year in by_year:
                raise RuleViolation(f"{a.year}年的节假日安排重复载入", field="year", year=a.year)
            by_year[a.year] = a
        self._arrangements = by_year
        self._official = frozenset(by_year)
        self._year_cache: dict[int, tuple[frozenset[date], frozenset[date]]] = {}
        first = min(_DEFAULT_FIRST_YEAR, *by_year) if by_year else _DEFAULT_FIRST_YEAR
        last = max(_DEFAULT_LAST_YEAR, *by_year) if by_year else _DEFAULT_LAST_YEAR
        self._tables = self._build(first, last)

    # -- construction -------------------------------------------------------------------------

    def _year_days(self, year: int) -> tuple[frozenset[date], frozenset[date]]:
        cached = self._year_cache.get(year)
        if cached is not None:
            return cached
        arrangement = self._arrangements.get(year)
        if arrangement is not None:
            result = (frozenset(arrangement.days_off), frozenset(arrangement.makeup_workdays))
        else:
            # Make-up days are deliberately ignored: they are only known from the notice.
            result = (frozenset(holidays.country_holidays("CN", years=year)), frozenset())
        self._year_cache[year] = result
        return result

    def _build(self, first_year: int, last_year: int) -> _Tables:
        first_year = max(first_year, MIN_SUPPORTED_DATE.year)
        last_year = min(last_year, MAX_SUPPORTED_DATE.year)
        base = date(first_year, 1, 1).toordinal()
        end = date(last_year, 12, 31).toordinal()
        working = bytearray(end - base + 1)
        for year in range(first_year, last_year + 1):
            off, makeup = self._year_days(year)
            start = date(year, 1, 1)
            for i in range(366 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 365):
                d = start + timedelta(days=i)
                if (d.weekday() < 5 and d not in off) or d in makeup:
                    working[d.toordinal() - base] = 1
        le: list[int] = []
        wd: list[int] = []
        count = 0
        for i, flag in enumerate(working):
            if flag:
                count += 1
                wd.append(base + i)
            le.append(count)
        return _Tables(base=base, end=end, le=le, wd=wd, working=bytes(working))

    def _grow_to(self, ordinal: int) -> _Tables:
        t = self._tables
        first = date.fromordinal(t.base).year
        last = date.fromordinal(t.end).year
        year = date.fromordinal(ordinal).year
        if year < first:
            first = year - _GROW_YEARS
        elif year > last:
            last = year + _GROW_YEARS
        self._tables = self._build(first, last)
        return self._tables

    def _tables_for(self, *days: date) -> _Tables:
        t = self._tables
        for d in days:
            o = d.toordinal()
            if not t.base <= o <= t.end:
                _check_supported(d)
                t = self._grow_to(o)
        return t

    # -- queries ------------------------------------------------------------------------------

    @property
    def official_years(self) -> frozenset[int]:
        return self._official

    @property
    def horizon(self) -> date | None:
        """Last day of the latest officially loaded year (None when nothing is loaded).

        Gaps between official years are not hidden by this value: callers that need to know
        whether a particular stretch is official use ``range_is_provisional``; the warning uses
        ``horizon_from(today)``, which stops at the first gap.
        """
        return date(max(self._official), 12, 31) if self._official else None

    def horizon_from(self, today: date) -> date | None:
        """Last day of the contiguous run of official years containing ``today`` (or None)."""
        if today.year not in self._official:
            return None
        year = today.year
        while year + 1 in self._official:
            year += 1
        return date(year, 12, 31)

    def is_official(self, d: date) -> bool:
        """True when ``d`` lies in a year whose State Council arrangement is loaded."""
        return d.year in self._official

    def is_working_day(self, d: date) -> bool:
        """Working status of ``d``; provisional for non-official years (see ``is_official``)."""
        t = self._tables_for(d)
        return bool(t.working[d.toordinal() - t.base])

    def is_working_day_strict(self, d: date) -> bool:
        """Like ``is_working_day`` but refuses to guess: a non-official year raises
        ``CalendarHorizonExceeded`` so no caller receives an estimate unknowingly (rules.md §i)."""
        if d.year not in self._official:
            horizon = self.horizon
            raise CalendarHorizonExceeded(
                f"{d.year}年国务院节假日安排尚未载入，无法确定{d.isoformat()}是否为工作日",
                date=d.isoformat(),
                horizon=horizon.isoformat() if horizon else None,
            )
        return self.is_working_day(d)

    def add_working_days(self, d: date, n: int) -> date:
        """The n-th working day strictly after ``d`` (``d`` itself is never counted); n == 0 -> d.

        Whether ``d`` is a working day does not matter: counting starts the next day (rules.md §b).
        """
        if n <= 0:
            if n == 0:
                return d
            raise RuleViolation("工作日数不能为负数", field="n", value=n)
        t = self._tables
        o = d.toordinal()
        if not t.base <= o <= t.end:
            t = self._tables_for(d)
        i = t.le[o - t.base] + n - 1
        while i >= len(t.wd):
            if t.end >= MAX_SUPPORTED_DATE.toordinal():
                raise RuleViolation(
                    "计算结果超出工作日历支持范围", field="n", date=d.isoformat(), n=n
                )
            t = self._grow_to(t.end + 1)
            i = t.le[o - t.base] + n - 1
        return date.fromordinal(t.wd[i])

    def subtract_working_days(self, d: date, n: int) -> date:
        """The n-th working day strictly before ``d``; n == 0 -> d. Inverse of
        ``add_working_days`` on working days: ``subtract(add(d, n), n) == d`` when ``d`` works."""
        if n <= 0:
            if n == 0:
                return d
            raise RuleViolation("工作日数不能为负数", field="n", value=n)
        t = self._tables_for(d)
        while True:
            o = d.toordinal()
            before = t.le[o - t.base] - t.working[o - t.base]
            i = before - n
            if i >= 0:
                return date.fromordinal(t.wd[i])
            if t.base <= MIN_SUPPORTED_DATE.toordinal():
                raise RuleViolation(
                    "计算结果超出工作日历支持范围", field="n", date=d.isoformat(), n=n
                )
            t = self._grow_to(t.base - 1)

    def working_days_between(self, a: date, b: date) -> int:
        """Number of working days in the half-open interval (a, b]; 0 when b <= a."""
        if b <= a:
            return 0
        t = self._tables
        oa = a.toordinal()
        ob = b.toordinal()
        if oa < t.base or ob > t.end:
            t = self._tables_for(a, b)
        return t.le[ob - t.base] - t.le[oa - t.base]

    def range_is_provisional(self, a: date, b: date) -> bool:
        """True when any day in (a, b] lies in a non-official year; False when b <= a."""
        if b <= a:
            return False
        first = a.year + 1 if (a.month, a.day) == (12, 31) else a.year
        official = self._official
        if first == b.year:
            return first not in official
        return any(y not in official for y in range(first, b.year + 1))


def horizon_warning(calendar: WorkingCalendar, today: date, min_days: int = 60) -> str | None:
    """Chinese warning for administrators when official calendar data runs out soon.

    The State Council usually publishes next year's arrangement in early–mid November; until it
    is loaded, due dates beyond the horizon are only provisional (rules.md §i).
    """
    horizon = calendar.horizon_from(today)
    if horizon is None:
        return (
            f"{today.year}年国务院节假日安排尚未载入，当前计算的答复期限均为预计日期，"
            "请尽快载入官方安排。"
        )
    remaining = (horizon - today).days
    if remaining >= min_days:
        return None
    return (
        f"工作日历的官方安排仅载入至{horizon.isoformat()}（距今{remaining}天），"
        f"请尽快载入{horizon.year + 1}年国务院节假日安排；此后的到期日均为预计日期。"
    )
