"""Working-day calendar: official 2025/2026 data, provisional years, fast arithmetic.

The fast calendar is checked against a deliberately naive reference (rules.md §b) that steps one
calendar day at a time and reads the arrangement data directly, not the precomputed tables.
"""

from __future__ import annotations

import json
import time
from datetime import date, timedelta
from functools import cache
from importlib import resources

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from requests_service.domain.calendar import (
    WorkingCalendar,
    YearArrangement,
    horizon_warning,
    load_bundled_arrangements,
    validate_arrangement,
)
from requests_service.domain.errors import CalendarHorizonExceeded, RuleViolation

D = date.fromisoformat
ARRANGEMENTS = {a.year: a for a in load_bundled_arrangements()}
CAL = WorkingCalendar(ARRANGEMENTS.values())


@cache
def _baseline_days_off(year: int) -> frozenset[date]:
    return frozenset(holidays.China(years=year))


def reference_is_working(d: date) -> bool:
    a = ARRANGEMENTS.get(d.year)
    if a is not None:
        return d in a.makeup_workdays or (d.weekday() < 5 and d not in a.days_off)
    return d.weekday() < 5 and d not in _baseline_days_off(d.year)


def add_wd_reference(d: date, n: int) -> date:
    """rules.md §b: step forward one calendar day at a time, counting only working days."""
    counted = 0
    while counted < n:
        d += timedelta(days=1)
        if reference_is_working(d):
            counted += 1
    return d


def wd_between_reference(a: date, b: date) -> int:
    """rules.md §b: number of working days in (a, b]."""
    n = 0
    d = a
    while d < b:
        d += timedelta(days=1)
        n += reference_is_working(d)
    return n


def arrangement(year: int = 2030, off: tuple[str, ...] = (), makeup: tuple[str, ...] = ()):
    return YearArrangement(
        year=year,
        days_off=tuple(D(x) for x in off),
        makeup_workdays=tuple(D(x) for x in makeup),
        source_ref="测试",
    )


# -- bundled data ---------------------------------------------------------------------------------


def test_bundled_years_are_2025_and_2026_with_sources() -> None:
    assert sorted(ARRANGEMENTS) == [2025, 2026]
    assert "国办发明电〔2024〕12号" in ARRANGEMENTS[2025].source_ref
    assert "2025-11-04" in ARRANGEMENTS[2026].source_ref


@pytest.mark.parametrize("year", [2025, 2026])
def test_bundled_data_agrees_with_holidays_package_every_day(year: int) -> None:
    # rules.md §i: holidays 0.109 (holidays + weekend_workdays) matches the notices for 2025/2026.
    cn = holidays.China(years=year)
    makeup = {d for d in cn.weekend_workdays if d.year == year}
    d = date(year, 1, 1)
    while d.year == year:
        expected = d in makeup or (d.weekday() < 5 and d not in cn)
        assert CAL.is_working_day(d) is expected, d
        d += timedelta(days=1)


@pytest.mark.parametrize("year", [2025, 2026])
def test_bundled_json_round_trips_through_dataclass(year: int) -> None:
    raw = json.loads(
        resources.files("requests_service.data.calendar")
        .joinpath(f"{year}.json")
        .read_text("utf-8")
    )
    assert YearArrangement.from_dict(raw).to_dict() == raw


@pytest.mark.parametrize(
    ("day", "working"),
    [
        ("2025-01-01", False),  # New Year, Wednesday
        ("2025-01-26", True),  # Sunday make-up day
        ("2025-01-28", False),  # Spring Festival block starts
        ("2025-02-04", False),
        ("2025-02-08", True),  # Saturday make-up day
        ("2025-04-27", True),  # Sunday make-up day
        ("2025-05-05", False),
        ("2025-06-02", False),
        ("2025-09-28", True),
        ("2025-10-08", False),
        ("2025-10-11", True),
        ("2026-01-02", False),
        ("2026-01-04", True),  # Sunday make-up day
        ("2026-02-14", True),
        ("2026-02-23", False),  # Monday inside the 9-day Spring Festival block
        ("2026-02-28", True),
        ("2026-04-06", False),
        ("2026-05-05", False),
        ("2026-05-09", True),
        ("2026-06-19", False),
        ("2026-09-20", True),
        ("2026-09-25", False),
        ("2026-10-07", False),
        ("2026-10-10", True),
        ("2026-11-25", True),  # ordinary Wednesday
        ("2026-11-28", False),  # ordinary Saturday
    ],
)
def test_known_days_of_2025_and_2026(day: str, working: bool) -> None:
    assert CAL.is_working_day(D(day)) is working
    assert CAL.is_working_day_strict(D(day)) is working
    assert CAL.is_official(D(day))


# -- arithmetic -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        ("2026-03-02", 20, "2026-03-30"),
        ("2026-06-15", 20, "2026-07-14"),
        ("2026-05-06", 20, "2026-06-02"),  # Sat 9 May counts
        ("2026-09-14", 20, "2026-10-16"),
        ("2025-09-26", 20, "2025-10-30"),
        ("2026-03-10", 7, "2026-03-19"),
        ("2026-05-19", 15, "2026-06-09"),
        ("2026-11-28", 1, "2026-11-30"),  # start on a Saturday: counting starts next working day
        ("2026-09-30", 1, "2026-10-08"),
    ],
)
def test_add_working_days_examples(start: str, n: int, expected: str) -> None:
    assert CAL.add_working_days(D(start), n) == D(expected)


def test_add_zero_working_days_returns_start_even_on_holiday() -> None:
    assert CAL.add_working_days(D("2026-10-01"), 0) == D("2026-10-01")


def test_add_negative_working_days_is_rejected() -> None:
    with pytest.raises(RuleViolation):
        CAL.add_working_days(D("2026-10-01"), -1)


def test_working_days_between_is_half_open() -> None:
    assert CAL.working_days_between(D("2026-03-02"), D("2026-03-30")) == 20
    assert CAL.working_days_between(D("2026-03-02"), D("2026-03-02")) == 0
    assert CAL.working_days_between(D("2026-03-30"), D("2026-03-02")) == 0
    assert CAL.working_days_between(D("2026-09-30"), D("2026-10-08")) == 1


def test_subtract_working_days() -> None:
    assert CAL.subtract_working_days(D("2026-03-30"), 20) == D("2026-03-02")
    assert CAL.subtract_working_days(D("2026-10-08"), 1) == D("2026-09-30")
    assert CAL.subtract_working_days(D("2026-10-05"), 0) == D("2026-10-05")


def test_window_grows_lazily_in_both_directions() -> None:
    cal = WorkingCalendar(ARRANGEMENTS.values())
    assert cal.add_working_days(D("2048-06-01"), 30) == add_wd_reference(D("2048-06-01"), 30)
    assert cal.add_working_days(D("2003-06-01"), 30) == add_wd_reference(D("2003-06-01"), 30)
    assert cal.working_days_between(D("2003-01-01"), D("2048-12-31")) == wd_between_reference(
        D("2003-01-01"), D("2048-12-31")
    )


@pytest.mark.parametrize("day", ["1999-12-31", "2101-01-01"])
def test_dates_outside_supported_range_are_rejected(day: str) -> None:
    with pytest.raises(RuleViolation):
        CAL.is_working_day(D(day))


def test_result_beyond_supported_range_is_rejected() -> None:
    with pytest.raises(RuleViolation):
        CAL.add_working_days(D("2100-12-20"), 30)
    with pytest.raises(RuleViolation):
        CAL.subtract_working_days(D("2000-01-10"), 30)


# -- provisional years ----------------------------------------------------------------------------


def test_2027_is_provisional_weekends_and_rule_based_holidays_only() -> None:
    assert CAL.official_years == frozenset({2025, 2026})
    assert not CAL.is_official(D("2027-01-04"))
    assert CAL.is_working_day(D("2027-01-04"))
    assert not CAL.is_working_day(D("2027-01-01"))  # rule-based New Year
    assert not CAL.is_working_day(D("2027-10-01"))
    # No make-up days are guessed: every 2027 Saturday and Sunday is a day off.
    d = D("2027-01-02")
    while d.year == 2027:
        assert not CAL.is_working_day(d)
        d += timedelta(days=7)


def test_strict_calendar_refuses_non_official_years() -> None:
    with pytest.raises(CalendarHorizonExceeded) as exc:
        CAL.is_working_day_strict(D("2027-01-04"))
    assert exc.value.details["horizon"] == "2026-12-31"
    with pytest.raises(CalendarHorizonExceeded):
        CAL.is_working_day_strict(D("2024-06-03"))


def test_range_is_provisional() -> None:
    assert not CAL.range_is_provisional(D("2026-03-02"), D("2026-12-31"))
    assert CAL.range_is_provisional(D("2026-12-10"), D("2027-01-08"))
    assert not CAL.range_is_provisional(D("2027-01-08"), D("2026-12-10"))
    # The start day itself is never counted, so a 2024-12-31 start does not rely on 2024.
    assert not CAL.range_is_provisional(D("2024-12-31"), D("2025-02-01"))
    assert CAL.range_is_provisional(D("2024-12-30"), D("2025-02-01"))


def test_horizon_and_warning_when_next_year_missing() -> None:
    assert CAL.horizon == D("2026-12-31")
    assert CAL.horizon_from(D("2026-11-25")) == D("2026-12-31")
    message = horizon_warning(CAL, D("2026-11-25"))
    assert message is not None
    assert "2027" in message
    assert "2026-12-31" in message
    assert horizon_warning(CAL, D("2026-09-01")) is None


def test_horizon_warning_when_today_not_official() -> None:
    message = horizon_warning(CAL, D("2027-01-05"))
    assert message is not None
    assert "2027年国务院节假日安排尚未载入" in message


def test_horizon_from_stops_at_gap_between_official_years() -> None:
    cal = WorkingCalendar([*ARRANGEMENTS.values(), arrangement(2028)])
    assert cal.horizon == D("2028-12-31")
    assert cal.horizon_from(D("2026-11-25")) == D("2026-12-31")
    assert horizon_warning(cal, D("2026-11-25")) is not None


def test_loading_next_year_removes_warning_and_provisional_flag() -> None:
    cal = WorkingCalendar([*ARRANGEMENTS.values(), arrangement(2027, makeup=("2027-02-20",))])
    assert horizon_warning(cal, D("2026-11-25")) is None
    assert not cal.range_is_provisional(D("2026-12-10"), D("2027-01-08"))
    assert cal.is_working_day(D("2027-02-20"))
    assert cal.is_working_day_strict(D("2027-01-01"))  # not listed as off in the test data


def test_empty_calendar_is_entirely_provisional() -> None:
    cal = WorkingCalendar([])
    assert cal.horizon is None
    assert cal.horizon_from(D("2026-11-25")) is None
    assert cal.range_is_provisional(D("2026-01-01"), D("2026-01-02"))
    assert horizon_warning(cal, D("2026-11-25")) is not None


# -- validation -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "field", "dates"),
    [
        (arrangement(off=("2031-01-01",)), "dates", ["2031-01-01"]),
        (arrangement(off=("2030-01-01", "2030-01-01")), "days_off", ["2030-01-01"]),
        (arrangement(makeup=("2030-01-05", "2030-01-05")), "makeup_workdays", ["2030-01-05"]),
        (arrangement(makeup=("2030-01-07",)), "makeup_workdays", ["2030-01-07"]),  # a Monday
        (arrangement(off=("2030-01-05",), makeup=("2030-01-05",)), "dates", ["2030-01-05"]),
    ],
)
def test_validate_arrangement_rejects_bad_data(a: YearArrangement, field: str, dates: list) -> None:
    with pytest.raises(RuleViolation) as exc:
        validate_arrangement(a)
    assert exc.value.details["field"] == field
    assert exc.value.details["dates"] == dates
    with pytest.raises(RuleViolation):
        WorkingCalendar([a])


def test_validate_arrangement_accepts_bundled_data() -> None:
    for a in ARRANGEMENTS.values():
        validate_arrangement(a)


def test_duplicate_year_is_rejected() -> None:
    with pytest.raises(RuleViolation):
        WorkingCalendar([arrangement(2030), arrangement(2030)])


@pytest.mark.parametrize(
    "raw",
    [
        [],
        {"year": "2030", "source_ref": "x", "days_off": [], "makeup_workdays": []},
        {"year": True, "source_ref": "x", "days_off": [], "makeup_workdays": []},
        {"year": 2030, "source_ref": "", "days_off": [], "makeup_workdays": []},
        {"year": 2030, "source_ref": "x", "days_off": "2030-01-01", "makeup_workdays": []},
        {"year": 2030, "source_ref": "x", "days_off": ["2030-1-1"], "makeup_workdays": []},
        {"year": 2030, "source_ref": "x", "days_off": ["2030-02-30"], "makeup_workdays": []},
        {"year": 2030, "source_ref": "x", "days_off": ["２０３０-01-01"], "makeup_workdays": []},
        {"year": 2030, "source_ref": "x", "days_off": [20300101], "makeup_workdays": []},
        {"year": 2030, "source_ref": "x", "days_off": []},
    ],
)
def test_from_dict_rejects_malformed_data(raw: object) -> None:
    with pytest.raises(RuleViolation):
        YearArrangement.from_dict(raw)  # type: ignore[arg-type]


# -- properties -----------------------------------------------------------------------------------

dates = st.dates(min_value=date(2018, 1, 1), max_value=date(2035, 12, 31))
counts = st.integers(min_value=0, max_value=120)


@given(dates, st.integers(min_value=1, max_value=120))
def test_add_working_days_lands_on_a_working_day(d: date, n: int) -> None:
    result = CAL.add_working_days(d, n)
    assert result > d
    assert CAL.is_working_day(result)


@given(dates, counts, counts)
def test_add_working_days_is_monotone_in_n(d: date, n: int, m: int) -> None:
    lo, hi = sorted((n, m))
    assert CAL.add_working_days(d, lo) <= CAL.add_working_days(d, hi)
    if lo < hi:
        assert CAL.add_working_days(d, lo) < CAL.add_working_days(d, hi)


@given(dates, counts)
def test_working_days_between_inverts_add(d: date, n: int) -> None:
    assert CAL.working_days_between(d, CAL.add_working_days(d, n)) == n


@given(dates, counts)
def test_fast_add_equals_reference_stepper(d: date, n: int) -> None:
    assert CAL.add_working_days(d, n) == add_wd_reference(d, n)


@settings(max_examples=50)
@given(dates, dates)
def test_fast_between_equals_reference(a: date, b: date) -> None:
    assert CAL.working_days_between(a, b) == wd_between_reference(a, b)


@given(dates, counts)
def test_subtract_inverts_add(d: date, n: int) -> None:
    end = CAL.add_working_days(d, n)
    back = CAL.subtract_working_days(end, n)
    assert back <= d
    assert CAL.working_days_between(back, d) == 0
    if CAL.is_working_day(d):
        assert back == d


@given(dates)
def test_fast_working_status_equals_reference(d: date) -> None:
    assert CAL.is_working_day(d) is reference_is_working(d)


def test_add_working_days_is_fast() -> None:
    # Generous bound: the benchmark needs >= 20,000 clocks/s, each a handful of these calls.
    start = D("2026-01-01")
    days = [start + timedelta(days=i % 700) for i in range(100_000)]
    t0 = time.perf_counter()
    for d in days:
        CAL.add_working_days(d, 20)
    assert time.perf_counter() - t0 < 2.0
