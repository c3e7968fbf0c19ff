"""Receipt dates (Art. 31) and reply clocks (Art. 30–35), rules.md §b."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from requests_service.domain.calendar import WorkingCalendar, load_bundled_arrangements
from requests_service.domain.channels import (
    Channel,
    receipt_date,
    required_timestamp_field,
    requires_confirmation,
)
from requests_service.domain.deadline_calculator import evaluate_deadline_vector
from requests_service.domain.deadlines import (
    Clock,
    ClockEvent,
    ClockEventType,
    ClockState,
    compute_clock,
    correction_notice_due,
    correction_period_due,
    fee_payment_due,
    third_party_opinion_due,
    validate_extension,
)
from requests_service.domain.errors import DomainError, RuleViolation

D = date.fromisoformat
CAL = WorkingCalendar(load_bundled_arrangements())
CST = timezone(timedelta(hours=8))
T = ClockEventType


def ev(kind: ClockEventType, on: str, **kw: Any) -> ClockEvent:
    if "deferred_due" in kw:
        kw["deferred_due"] = D(kw["deferred_due"])
    return ClockEvent(kind, D(on), **kw)


def clock(receipt: str, *events: ClockEvent, today: str | None = None, **kw: Any) -> Clock:
    return compute_clock(CAL, D(receipt), list(events), today=D(today or receipt), **kw)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


# -- enums ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("enum", [Channel, ClockEventType, ClockState])
def test_every_enum_member_has_a_chinese_label(enum: type) -> None:
    for member in enum:
        assert member.label
        assert any("\u4e00" <= ch <= "\u9fff" for ch in member.label)


def test_enum_values_used_by_vectors() -> None:
    assert {c.value for c in Channel} >= {"in_person", "post_signed", "ordinary_mail", "online"}
    assert ClockState.MET.label == "已按期答复"


# -- receipt date (Art. 31) -----------------------------------------------------------------------


def test_in_person_receipt_is_submission_day() -> None:
    assert receipt_date(Channel.IN_PERSON, submitted_at=at("2026-03-02T10:00:00+08:00")) == D(
        "2026-03-02"
    )


def test_receipt_day_is_taken_in_shanghai_time() -> None:
    # 17:30 UTC on 1 March is 01:30 on 2 March in Beijing.
    assert receipt_date(Channel.IN_PERSON, submitted_at=at("2026-03-01T17:30:00+00:00")) == D(
        "2026-03-02"
    )
    assert receipt_date(
        Channel.IN_PERSON, submitted_at=datetime(2026, 3, 1, 15, 59, tzinfo=UTC)
    ) == D("2026-03-01")


def test_post_signed_receipt_is_signature_day() -> None:
    got = receipt_date(
        Channel.POST_SIGNED,
        submitted_at=at("2026-06-10T00:00:00+08:00"),
        signed_for_at=at("2026-06-15T09:30:00+08:00"),
    )
    assert got == D("2026-06-15")


def test_online_friday_night_confirmed_monday() -> None:
    got = receipt_date(
        Channel.ONLINE,
        submitted_at=at("2026-03-06T23:30:00+08:00"),
        confirmed_at=at("2026-03-09T09:00:00+08:00"),
    )
    assert got == D("2026-03-09")


def test_ordinary_mail_confirmed_on_arrival_day() -> None:
    got = receipt_date(
        Channel.ORDINARY_MAIL,
        letter_arrived_at=at("2026-09-14T11:00:00+08:00"),
        confirmed_at=at("2026-09-14T16:00:00+08:00"),
    )
    assert got == D("2026-09-14")


def test_ordinary_mail_confirmed_a_later_day_counts_from_arrival() -> None:
    got = receipt_date(
        Channel.ORDINARY_MAIL,
        letter_arrived_at=at("2026-09-14T11:00:00+08:00"),
        confirmed_at=at("2026-09-15T09:00:00+08:00"),
    )
    assert got == D("2026-09-14")


@pytest.mark.parametrize(
    ("channel", "field"),
    [
        (Channel.IN_PERSON, "submitted_at"),
        (Channel.POST_SIGNED, "signed_for_at"),
        (Channel.ORDINARY_MAIL, "confirmed_at"),
        (Channel.ONLINE, "confirmed_at"),
        (Channel.FAX, "confirmed_at"),
        (Channel.EMAIL, "confirmed_at"),
    ],
)
def test_missing_required_timestamp_names_the_field(channel: Channel, field: str) -> None:
    assert required_timestamp_field(channel) == field
    assert requires_confirmation(channel) is (field == "confirmed_at")
    with pytest.raises(RuleViolation) as exc:
        receipt_date(channel)
    assert exc.value.details["field"] == field
    assert field in exc.value.message


@pytest.mark.parametrize(
    "kwargs",
    [
        {"signed_for_at": at("2026-06-09T09:00:00+08:00")},
        {"confirmed_at": at("2026-06-09T09:00:00+08:00")},
    ],
)
def test_signature_or_confirmation_before_submission_is_rejected(kwargs: dict) -> None:
    channel = Channel.POST_SIGNED if "signed_for_at" in kwargs else Channel.ONLINE
    with pytest.raises(RuleViolation):
        receipt_date(channel, submitted_at=at("2026-06-10T00:00:00+08:00"), **kwargs)


def test_naive_datetime_is_rejected() -> None:
    with pytest.raises(RuleViolation) as exc:
        receipt_date(Channel.IN_PERSON, submitted_at=datetime(2026, 3, 2, 10, 0))
    assert exc.value.details["field"] == "submitted_at"


def test_unknown_channel_is_rejected() -> None:
    with pytest.raises(RuleViolation):
        receipt_date("pigeon", submitted_at=at("2026-03-02T10:00:00+08:00"))  # type: ignore[arg-type]


# -- plain reply period and correction (Art. 30, 33) ----------------------------------------------


def test_reply_due_is_20_working_days_after_receipt() -> None:
    c = clock("2026-03-02", channel=Channel.IN_PERSON)
    assert c.reply_due == c.original_due == D("2026-03-30")
    assert c.state is ClockState.RUNNING
    assert c.start_date == D("2026-03-02")
    assert not c.provisional
    assert c.explanation == (
        "2026-03-02 收到申请（当面提交），自次日起计算20个工作日 → 2026-03-30",
    )


def test_clock_value_is_a_complete_frozen_dataclass() -> None:
    c = clock(
        "2026-05-11",
        ev(T.THIRD_PARTY_CONSULT_SENT, "2026-05-18"),
        ev(T.THIRD_PARTY_REPLY_RECEIVED, "2026-06-01"),
    )
    assert dataclasses.replace(c) == c  # every field is set
    assert {f.name for f in dataclasses.fields(c)} == set(vars(c))
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.reply_due = None  # type: ignore[misc]


def test_used_and_left_as_of_today() -> None:
    c = clock("2026-03-02", today="2026-03-09")
    assert (c.working_days_used, c.working_days_left) == (5, 15)
    c = clock("2026-03-02", today="2026-03-01")
    assert (c.working_days_used, c.working_days_left) == (0, 20)


def test_running_clock_past_due_is_overdue() -> None:
    c = clock("2026-03-02", today="2026-04-01")
    assert c.state is ClockState.OVERDUE
    assert c.late_by_working_days == 2
    assert c.working_days_left == 0
    assert c.explanation[-1] == "截至2026-04-01已超过答复期限（2026-03-30）2个工作日"


def test_receipt_on_a_holiday_counts_from_next_working_day() -> None:
    assert clock("2026-10-03").reply_due == CAL.add_working_days(D("2026-10-08"), 19)


def test_correction_stops_then_restarts_afresh() -> None:
    requested = ev(T.CORRECTION_REQUESTED, "2026-03-12")
    stopped = clock("2026-03-10", requested, today="2026-03-16")
    assert stopped.state is ClockState.STOPPED
    assert stopped.reply_due is None
    assert stopped.original_due is None
    assert stopped.pause_reason is not None
    assert "补正" in stopped.pause_reason

    c = clock("2026-03-10", requested, ev(T.CORRECTION_RECEIVED, "2026-03-20"), today="2026-03-20")
    assert c.reply_due == D("2026-04-20")
    assert c.start_date == D("2026-03-20")
    assert c.receipt_date == D("2026-03-10")
    assert c.working_days_left == 20
    assert c.explanation[1:] == (
        "2026-03-12 发出补正告知，答复期限停止计算",
        "2026-03-20 收到补正材料，重新起算20个工作日 → 2026-04-20",
    )


def test_late_correction_notice_is_flagged_in_explanation() -> None:
    c = clock(
        "2026-03-02",
        ev(T.CORRECTION_REQUESTED, "2026-03-12"),
        ev(T.CORRECTION_RECEIVED, "2026-03-20"),
    )
    assert "超过条例第三十条规定的7个工作日告知期限2026-03-11" in c.explanation[1]
    assert c.reply_due == D("2026-04-20")


def test_correction_notice_is_one_time() -> None:
    with pytest.raises(RuleViolation):
        clock(
            "2026-03-10",
            ev(T.CORRECTION_REQUESTED, "2026-03-12"),
            ev(T.CORRECTION_RECEIVED, "2026-03-20"),
            ev(T.CORRECTION_REQUESTED, "2026-03-23"),
        )


# -- pauses (Art. 32, 33 para 3, 34; Fee Measures) ------------------------------------------------


def test_third_party_pause_explained_step_by_step() -> None:
    c = clock(
        "2026-05-11",
        ev(T.THIRD_PARTY_CONSULT_SENT, "2026-05-18"),
        ev(T.THIRD_PARTY_REPLY_RECEIVED, "2026-06-01"),
        today="2026-06-02",
        channel=Channel.IN_PERSON,
    )
    assert c.reply_due == D("2026-06-23")
    assert c.original_due == D("2026-06-23")
    assert c.explanation == (
        "2026-05-11 收到申请（当面提交），自次日起计算20个工作日 → 2026-06-08",
        "2026-05-18 发出第三方征求意见函，暂停计时（已用5个工作日）",
        "2026-06-01 收到第三方意见，恢复计时，剩余15个工作日 → 2026-06-23",
    )
    assert len(c.paused_intervals) == 1
    interval = c.paused_intervals[0]
    assert (interval.start, interval.end) == (D("2026-05-18"), D("2026-06-01"))
    assert (c.working_days_used, c.working_days_left) == (6, 14)


def test_open_pause_is_projected_from_today() -> None:
    c = clock("2026-05-11", ev(T.THIRD_PARTY_CONSULT_SENT, "2026-05-18"), today="2026-05-25")
    assert c.state is ClockState.PAUSED
    assert c.pause_reason == "征求第三方或其他机关意见"
    assert (c.working_days_used, c.working_days_left) == (5, 15)
    assert c.reply_due == CAL.add_working_days(D("2026-05-25"), 15)
    assert c.paused_intervals[0].end is None
    # Before the pause began, projection starts at the pause start.
    early = clock("2026-05-11", ev(T.THIRD_PARTY_CONSULT_SENT, "2026-05-18"), today="2026-05-12")
    assert early.reply_due == CAL.add_working_days(D("2026-05-18"), 15)


@pytest.mark.parametrize("end", [T.FEE_PAID, T.FEE_WAIVED])
def test_fee_notice_to_payment_or_waiver_is_not_counted(end: ClockEventType) -> None:
    c = clock("2026-08-03", ev(T.FEE_NOTICE_SENT, "2026-08-10"), ev(end, "2026-08-14"))
    assert c.reply_due == D("2026-09-04")
    assert c.paused_intervals[0].reason_label == "等待缴纳信息处理费"


def test_multiple_pauses_apply_sequentially() -> None:
    c = clock(
        "2026-03-02",
        ev(T.THIRD_PARTY_CONSULT_SENT, "2026-03-06"),  # 4 used
        ev(T.THIRD_PARTY_REPLY_RECEIVED, "2026-03-16"),
        ev(T.FEE_NOTICE_SENT, "2026-03-20"),  # 4 more used (17..20)
        ev(T.FEE_PAID, "2026-03-27"),
    )
    assert c.reply_due == CAL.add_working_days(D("2026-03-27"), 12)
    assert len(c.paused_intervals) == 2


def test_overlapping_pause_reasons_form_one_pause() -> None:
    c = clock(
        "2026-03-02",
        ev(T.THIRD_PARTY_CONSULT_SENT, "2026-03-06"),
        ev(T.FEE_NOTICE_SENT, "2026-03-10"),
        ev(T.THIRD_PARTY_REPLY_RECEIVED, "2026-03-16"),
        ev(T.FEE_PAID, "2026-03-20"),
        today="2026-03-18",
    )
    assert c.reply_due == CAL.add_working_days(D("2026-03-20"), 16)
    assert len(c.paused_intervals) == 1
    assert c.paused_intervals[0].reason_label == "征求第三方或其他机关意见、等待缴纳信息处理费"
    assert "继续暂停" in c.explanation[3]


def test_two_consultations_resume_when_the_last_answers() -> None:
    c = clock(
        "2026-03-02",
        ev(T.THIRD_PARTY_CONSULT_SENT, "2026-03-06"),
        ev(T.THIRD_PARTY_CONSULT_SENT, "2026-03-09"),
        ev(T.THIRD_PARTY_REPLY_RECEIVED, "2026-03-12"),
        today="2026-03-13",
    )
    assert c.state is ClockState.PAUSED


def test_pause_begun_after_due_does_not_revive_period() -> None:
    c = clock(
        "2026-03-02",
        ev(T.THIRD_PARTY_CONSULT_SENT, "2026-04-02"),
        ev(T.THIRD_PARTY_REPLY_RECEIVED, "2026-04-10"),
        today="2026-04-13",
    )
    assert c.reply_due == D("2026-03-30")
    assert c.state is ClockState.OVERDUE
    assert "暂停不影响到期日" in c.explanation[1]


def test_pause_begun_on_due_day_does_not_extend_it() -> None:
    c = clock(
        "2026-03-02",
        ev(T.THIRD_PARTY_CONSULT_SENT, "2026-03-30"),
        ev(T.THIRD_PARTY_REPLY_RECEIVED, "2026-04-10"),
    )
    assert c.reply_due == D("2026-03-30")


# -- extension (Art. 33) --------------------------------------------------------------------------


def test_extension_adds_up_to_20_working_days() -> None:
    c = clock("2026-07-01", ev(T.EXTENSION_APPROVED, "2026-07-20", extra_working_days=20))
    assert c.original_due == D("2026-07-29")
    assert c.reply_due == D("2026-08-26")
    assert c.extended and c.extension_days == 20
    assert c.explanation[-1] == "2026-07-20 批准延期20个工作日 → 2026-08-26"


def test_extension_then_pause_uses_40_day_budget() -> None:
    c = clock(
        "2026-07-01",
        ev(T.EXTENSION_APPROVED, "2026-07-20", extra_working_days=20),
        ev(T.FEE_NOTICE_SENT, "2026-08-03"),  # 23 used
        ev(T.FEE_PAID, "2026-08-07"),
    )
    assert c.reply_due == CAL.add_working_days(D("2026-08-07"), 17)


def test_extension_during_pause_is_allowed() -> None:
    c = clock(
        "2026-07-01",
        ev(T.THIRD_PARTY_CONSULT_SENT, "2026-07-10"),
        ev(T.EXTENSION_APPROVED, "2026-07-20", extra_working_days=10),
        ev(T.THIRD_PARTY_REPLY_RECEIVED, "2026-07-24"),
    )
    assert c.reply_due == CAL.add_working_days(D("2026-07-24"), 30 - 7)


@pytest.mark.parametrize(
    "events",
    [
        [
            ev(T.EXTENSION_APPROVED, "2026-07-10", extra_working_days=5),
            ev(T.EXTENSION_APPROVED, "2026-07-20", extra_working_days=5),
        ],
        [ev(T.EXTENSION_APPROVED, "2026-07-20", extra_working_days=21)],
        [ev(T.EXTENSION_APPROVED, "2026-07-20", extra_working_days=0)],
        [ev(T.EXTENSION_APPROVED, "2026-07-20")],
        [ev(T.EXTENSION_APPROVED, "2026-07-20", extra_working_days=True)],
        [ev(T.EXTENSION_APPROVED, "2026-07-30", extra_working_days=20)],  # after original due
    ],
)
def test_bad_extensions_are_rejected(events: list[ClockEvent]) -> None:
    with pytest.raises(RuleViolation):
        clock("2026-07-01", *events)


def test_validate_extension() -> None:
    c = clock("2026-07-01", today="2026-07-20")
    validate_extension(CAL, c, D("2026-07-29"), 20)
    for on, extra in [(D("2026-07-30"), 20), (D("2026-07-20"), 21), (D("2026-07-20"), 0)]:
        with pytest.raises(RuleViolation):
            validate_extension(CAL, c, on, extra)
    extended = clock("2026-07-01", ev(T.EXTENSION_APPROVED, "2026-07-20", extra_working_days=5))
    with pytest.raises(RuleViolation):
        validate_extension(CAL, extended, D("2026-07-21"), 5)
    withdrawn = clock("2026-07-01", ev(T.WITHDRAWN, "2026-07-02"))
    with pytest.raises(RuleViolation):
        validate_extension(CAL, withdrawn, D("2026-07-03"), 5)
    with pytest.raises(RuleViolation):
        validate_extension(CAL, c, D("2026-06-30"), 5)


# -- Art. 35 reasons and deferral -----------------------------------------------------------------


def test_reasons_request_does_not_pause() -> None:
    c = clock(
        "2026-03-02",
        ev(T.REASONS_REQUESTED, "2026-03-04"),
        ev(T.REASONS_RECEIVED, "2026-03-11"),
        today="2026-03-11",
    )
    assert c.reply_due == D("2026-03-30")
    assert c.state is ClockState.RUNNING


def test_deferred_due_date_replaces_due() -> None:
    c = clock(
        "2026-03-02",
        ev(T.REASONS_REQUESTED, "2026-03-04"),
        ev(T.REASONS_RECEIVED, "2026-03-11"),
        ev(T.DEFERRED_DUE_DATE_SET, "2026-03-12", deferred_due="2026-05-29"),
    )
    assert c.reply_due == D("2026-05-29")
    assert c.deferred_due == D("2026-05-29")
    assert c.original_due == D("2026-03-30")


def test_deferred_due_on_day_off_moves_to_next_working_day() -> None:
    c = clock(
        "2026-03-02",
        ev(T.REASONS_REQUESTED, "2026-03-04"),
        ev(T.REASONS_RECEIVED, "2026-03-11"),
        ev(T.DEFERRED_DUE_DATE_SET, "2026-03-12", deferred_due="2026-05-30"),  # Saturday
    )
    assert c.reply_due == D("2026-06-01")


def test_pause_after_deferral_pushes_it_back() -> None:
    c = clock(
        "2026-03-02",
        ev(T.REASONS_REQUESTED, "2026-03-04"),
        ev(T.REASONS_RECEIVED, "2026-03-11"),
        ev(T.DEFERRED_DUE_DATE_SET, "2026-03-12", deferred_due="2026-05-29"),
        ev(T.FEE_NOTICE_SENT, "2026-03-13"),
        ev(T.FEE_PAID, "2026-03-20"),  # 5 working days not counted
    )
    assert c.reply_due == CAL.add_working_days(D("2026-05-29"), 5)


@pytest.mark.parametrize(
    "events",
    [
        [ev(T.DEFERRED_DUE_DATE_SET, "2026-03-12", deferred_due="2026-05-29")],
        [
            ev(T.REASONS_REQUESTED, "2026-03-04"),
            ev(T.DEFERRED_DUE_DATE_SET, "2026-03-12", deferred_due="2026-05-29"),
        ],
        [
            ev(T.REASONS_REQUESTED, "2026-03-04"),
            ev(T.REASONS_RECEIVED, "2026-03-11"),
            ev(T.DEFERRED_DUE_DATE_SET, "2026-03-12", deferred_due="2026-03-27"),
        ],
        [
            ev(T.REASONS_REQUESTED, "2026-03-04"),
            ev(T.REASONS_RECEIVED, "2026-03-11"),
            ev(T.DEFERRED_DUE_DATE_SET, "2026-03-12"),
        ],
        [ev(T.REASONS_RECEIVED, "2026-03-11")],
    ],
)
def test_bad_deferrals_are_rejected(events: list[ClockEvent]) -> None:
    with pytest.raises(RuleViolation):
        clock("2026-03-02", *events)


# -- ending the clock -----------------------------------------------------------------------------


def test_reply_on_time_is_met() -> None:
    c = clock("2026-03-02", ev(T.REPLY_DELIVERED, "2026-03-30"), today="2026-11-25")
    assert c.state is ClockState.MET
    assert c.late_by_working_days == 0
    assert c.working_days_used == 20
    assert c.working_days_left == 0


def test_late_reply_is_overdue_with_lateness() -> None:
    c = clock("2026-03-02", ev(T.REPLY_DELIVERED, "2026-04-02"), ev(T.CLOSED, "2026-04-03"))
    assert c.state is ClockState.OVERDUE
    assert c.late_by_working_days == 3
    assert "超过答复期限（2026-03-30）3个工作日" in c.explanation[1]


def test_reply_on_weekend_after_friday_due_is_one_day_late() -> None:
    # 2026-03-02 + 20 working days before 2026-03-27 (Friday)? Use a Friday due directly.
    receipt = CAL.subtract_working_days(D("2026-03-27"), 20)
    c = clock(receipt.isoformat(), ev(T.REPLY_DELIVERED, "2026-03-28"))
    assert c.reply_due == D("2026-03-27")
    assert c.state is ClockState.OVERDUE
    assert c.late_by_working_days == 1


def test_reply_during_pause_closes_it_and_is_on_time() -> None:
    c = clock(
        "2026-03-02",
        ev(T.THIRD_PARTY_CONSULT_SENT, "2026-03-06"),
        ev(T.REPLY_DELIVERED, "2026-05-06"),
    )
    assert c.state is ClockState.MET
    assert c.paused_intervals[0].end == D("2026-05-06")


def test_withdrawal_stops_and_only_archiving_may_follow() -> None:
    c = clock("2026-03-02", ev(T.WITHDRAWN, "2026-03-05"), today="2026-11-25")
    assert c.state is ClockState.STOPPED
    assert c.working_days_used == 3
    assert c.working_days_left == 0
    assert clock("2026-03-02", ev(T.WITHDRAWN, "2026-03-05"), ev(T.CLOSED, "2026-03-06"))
    with pytest.raises(RuleViolation):
        clock("2026-03-02", ev(T.WITHDRAWN, "2026-03-05"), ev(T.REPLY_DELIVERED, "2026-03-06"))
    with pytest.raises(RuleViolation):
        clock("2026-03-02", ev(T.CLOSED, "2026-03-05"), ev(T.CLOSED, "2026-03-06"))


def test_no_correction_then_closed_is_stopped() -> None:
    c = clock(
        "2026-03-02",
        ev(T.CORRECTION_REQUESTED, "2026-03-04"),
        ev(T.CLOSED, "2026-04-30"),
    )
    assert c.state is ClockState.STOPPED
    assert c.reply_due is None


# -- inconsistent sequences -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "events",
    [
        [ev(T.THIRD_PARTY_REPLY_RECEIVED, "2026-03-10")],
        [ev(T.FEE_PAID, "2026-03-10")],
        [ev(T.FEE_WAIVED, "2026-03-10")],
        [ev(T.CORRECTION_RECEIVED, "2026-03-10")],
        [
            ev(T.THIRD_PARTY_CONSULT_SENT, "2026-03-10"),
            ev(T.THIRD_PARTY_REPLY_RECEIVED, "2026-03-09"),
        ],
        [ev(T.FEE_NOTICE_SENT, "2026-03-10"), ev(T.FEE_NOTICE_SENT, "2026-03-11")],
        [ev(T.REPLY_DELIVERED, "2026-02-27")],  # before receipt
        [ev(T.FEE_NOTICE_SENT, "2026-03-10", extra_working_days=5)],
        [ev(T.FEE_NOTICE_SENT, "2026-03-10", deferred_due="2026-06-01")],
        [ev(T.CORRECTION_REQUESTED, "2026-03-04"), ev(T.FEE_NOTICE_SENT, "2026-03-10")],
        [ev(T.THIRD_PARTY_CONSULT_SENT, "2026-03-04"), ev(T.CORRECTION_REQUESTED, "2026-03-05")],
        [ev(T.REPLY_DELIVERED, "2026-03-10"), ev(T.FEE_NOTICE_SENT, "2026-03-11")],
        [ev(T.REASONS_REQUESTED, "2026-03-04"), ev(T.REASONS_REQUESTED, "2026-03-05")],
    ],
)
def test_inconsistent_event_sequences_are_rejected(events: list[ClockEvent]) -> None:
    with pytest.raises(RuleViolation) as exc:
        clock("2026-03-02", *events)
    assert exc.value.details["field"].startswith("events[")
    assert any("\u4e00" <= ch <= "\u9fff" for ch in exc.value.message)


def test_bad_argument_types_are_rejected() -> None:
    with pytest.raises(RuleViolation):
        compute_clock(CAL, datetime(2026, 3, 2, tzinfo=UTC), [], today=D("2026-03-02"))
    with pytest.raises(RuleViolation):
        compute_clock(CAL, D("2026-03-02"), [], today=D("2026-03-02"), base_working_days=0)
    with pytest.raises(RuleViolation):
        compute_clock(
            CAL,
            D("2026-03-02"),
            [ClockEvent("nonsense", D("2026-03-03"))],  # type: ignore[arg-type]
            today=D("2026-03-02"),
        )
    with pytest.raises(RuleViolation):
        compute_clock(
            CAL,
            D("2026-03-02"),
            [ClockEvent(T.CLOSED, datetime(2026, 3, 3, tzinfo=UTC))],
            today=D("2026-03-02"),
        )


# -- provisional ----------------------------------------------------------------------------------


def test_due_in_unloaded_year_is_provisional() -> None:
    c = clock("2026-12-10")
    assert c.provisional
    assert c.reply_due == CAL.add_working_days(D("2026-12-10"), 20)
    assert "2027年国务院节假日安排尚未载入" in c.explanation[-1]
    assert not clock("2026-11-02").provisional


def test_pause_reaching_into_unloaded_year_is_provisional() -> None:
    c = clock(
        "2026-11-02",
        ev(T.THIRD_PARTY_CONSULT_SENT, "2026-11-10"),
        ev(T.THIRD_PARTY_REPLY_RECEIVED, "2026-12-15"),
    )
    assert c.provisional


# -- other clocks ---------------------------------------------------------------------------------


def test_other_statutory_periods() -> None:
    assert correction_notice_due(CAL, D("2026-03-10")) == D("2026-03-19")
    assert third_party_opinion_due(CAL, D("2026-05-19")) == D("2026-06-09")
    assert fee_payment_due(CAL, D("2026-08-11")) == D("2026-09-08")
    assert correction_period_due(CAL, D("2026-03-12"), 10) == D("2026-03-26")
    for bad in (0, -1, 251, True):
        with pytest.raises(RuleViolation):
            correction_period_due(CAL, D("2026-03-12"), bad)


# -- JSON adapter ---------------------------------------------------------------------------------

BASE = {"channel": "in_person", "submitted_at": "2026-03-02T10:00:00+08:00", "events": []}


def test_evaluate_returns_json_shapes() -> None:
    out = evaluate_deadline_vector(
        CAL,
        {
            **BASE,
            "events": [
                {"type": "third_party_consult_sent", "date": "2026-03-06"},
                {"type": "third_party_reply_received", "date": "2026-03-16"},
            ],
        },
        today=D("2026-03-17"),
    )
    assert out["receipt_date"] == "2026-03-02"
    assert out["state"] == "running"
    assert out["paused_intervals"] == [
        {"start": "2026-03-06", "end": "2026-03-16", "reason": "征求第三方或其他机关意见"}
    ]
    assert all(isinstance(s, str) for s in out["explanation"])


def test_evaluate_today_from_inputs() -> None:
    out = evaluate_deadline_vector(CAL, {**BASE, "today": "2026-04-01"})
    assert out["state"] == "overdue"


@pytest.mark.parametrize(
    ("inputs", "field"),
    [
        ({**BASE, "channel": "pigeon"}, "channel"),
        ({"submitted_at": BASE["submitted_at"]}, "channel"),
        ({**BASE, "submitted_at": "2026-03-02"}, "submitted_at"),
        ({**BASE, "submitted_at": "2026-03-02T10:00:00"}, "submitted_at"),  # naive
        ({**BASE, "submitted_at": "2026-02-30T10:00:00+08:00"}, "submitted_at"),
        ({**BASE, "submitted_at": 20260302}, "submitted_at"),
        ({"channel": "online", "submitted_at": BASE["submitted_at"]}, "confirmed_at"),
        ({**BASE, "events": {}}, "events"),
        ({**BASE, "events": ["x"]}, "events[0]"),
        ({**BASE, "events": [{"type": "nap", "date": "2026-03-03"}]}, "events[0].type"),
        ({**BASE, "events": [{"type": "closed"}]}, "events[0].date"),
        ({**BASE, "events": [{"type": "closed", "date": "2026-3-3"}]}, "events[0].date"),
        ({**BASE, "events": [{"type": "closed", "date": "２０２６-03-03"}]}, "events[0].date"),
        (
            {
                **BASE,
                "events": [
                    {"type": "extension_approved", "date": "2026-03-03", "extra_working_days": 5.0}
                ],
            },
            "events[0].extra_working_days",
        ),
        ({**BASE, "events": [{"type": "closed", "date": "2026-03-03", "x": 1}]}, "events[0].x"),
        ({**BASE, "surprise": 1}, "surprise"),
        ({**BASE, "query": "moon_phase"}, "query"),
        ({"query": "third_party_opinion_deadline"}, "third_party_received_letter"),
        ({"query": "fee_payment_deadline", "fee_notice_received": "soon"}, "fee_notice_received"),
        (
            {"query": "fee_payment_deadline", "fee_notice_received": "2026-08-11", "channel": "x"},
            "channel",
        ),
        ({**BASE, "today": "yesterday"}, "today"),
        ({**BASE, "submitted_at": "1999-03-02T10:00:00+08:00"}, "date"),
    ],
)
def test_evaluate_rejects_bad_input_naming_the_field(inputs: dict, field: str) -> None:
    with pytest.raises(RuleViolation) as exc:
        evaluate_deadline_vector(CAL, inputs)
    assert exc.value.details["field"] == field


def test_evaluate_rejects_non_mapping() -> None:
    with pytest.raises(RuleViolation):
        evaluate_deadline_vector(CAL, ["channel"])  # type: ignore[arg-type]


json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
date_texts = st.dates(min_value=date(1990, 1, 1), max_value=date(2110, 12, 31)).map(str)
datetime_texts = st.builds(
    lambda d, h, off: f"{d}T{h:02d}:00:00{off}",
    st.dates(min_value=date(1, 1, 2), max_value=date(9999, 12, 30)),
    st.integers(0, 23),
    st.sampled_from(["+08:00", "Z", "-05:00", "+14:00", ""]),
)
event_objects = st.fixed_dictionaries(
    {"type": st.sampled_from([t.value for t in T]) | json_scalars},
    optional={
        "date": date_texts | json_scalars,
        "extra_working_days": st.integers(-5, 30) | json_scalars,
        "deferred_due": date_texts | json_scalars,
    },
)
near_valid = st.fixed_dictionaries(
    {},
    optional={
        "channel": st.sampled_from([c.value for c in Channel]) | json_scalars,
        "submitted_at": datetime_texts | json_scalars,
        "signed_for_at": datetime_texts,
        "letter_arrived_at": datetime_texts,
        "confirmed_at": datetime_texts,
        "events": st.lists(event_objects, max_size=6) | json_values,
        "query": st.sampled_from(
            ["correction_notice_deadline", "third_party_opinion_deadline", "fee_payment_deadline"]
        )
        | json_scalars,
        "third_party_received_letter": date_texts | json_scalars,
        "fee_notice_received": date_texts | json_scalars,
        "today": date_texts | json_scalars,
    },
)


# No deadline: an early example may grow the calendar window to 2100 (~0.1 s, once).
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(near_valid | json_values)
def test_evaluate_never_raises_anything_but_domain_errors(inputs: Any) -> None:
    try:
        out = evaluate_deadline_vector(CAL, inputs)
    except DomainError as exc:
        assert exc.message
        return
    assert isinstance(out, dict)
    assert isinstance(out["explanation"], list)


# -- properties -----------------------------------------------------------------------------------


def reference_due(receipt: date, pauses: list[tuple[date, date]], budget: int) -> date:
    """Independent stepper: count working days after receipt that lie in no pause (S, E]."""
    d = receipt
    counted = 0
    while counted < budget:
        d += timedelta(days=1)
        if CAL.is_working_day(d) and not any(s < d <= e for s, e in pauses):
            counted += 1
    return d


@st.composite
def paused_cases(draw: st.DrawFn) -> tuple[date, list[ClockEvent], list[tuple[date, date]], int]:
    receipt = draw(st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 10, 31)))
    extra = draw(st.integers(0, 20))
    events: list[ClockEvent] = []
    if extra:
        events.append(ClockEvent(T.EXTENSION_APPROVED, receipt, extra_working_days=extra))
    pauses: list[tuple[date, date]] = []
    cursor = receipt
    for _ in range(draw(st.integers(0, 3))):
        start = cursor + timedelta(days=draw(st.integers(0, 25)))
        end = start + timedelta(days=draw(st.integers(0, 40)))
        opener, closer = draw(
            st.sampled_from(
                [
                    (T.THIRD_PARTY_CONSULT_SENT, T.THIRD_PARTY_REPLY_RECEIVED),
                    (T.FEE_NOTICE_SENT, T.FEE_PAID),
                    (T.FEE_NOTICE_SENT, T.FEE_WAIVED),
                ]
            )
        )
        events += [ClockEvent(opener, start), ClockEvent(closer, end)]
        pauses.append((start, end))
        cursor = end
    return receipt, events, pauses, extra


@settings(max_examples=300)
@given(paused_cases())
def test_clock_matches_independent_stepper(case: tuple) -> None:
    receipt, events, pauses, extra = case
    c = compute_clock(CAL, receipt, events, today=receipt)
    assert c.reply_due == reference_due(receipt, pauses, 20 + extra)
    assert c.original_due == reference_due(receipt, pauses, 20)


@settings(max_examples=300)
@given(paused_cases())
def test_a_pause_never_makes_the_due_date_earlier(case: tuple) -> None:
    receipt, events, _, _ = case
    extension = [e for e in events if e.type is T.EXTENSION_APPROVED]
    pause_events = [e for e in events if e.type is not T.EXTENSION_APPROVED]
    full = compute_clock(CAL, receipt, events, today=receipt)
    fewer = compute_clock(CAL, receipt, extension + pause_events[:-2], today=receipt)
    none = compute_clock(CAL, receipt, extension, today=receipt)
    assert full.reply_due is not None and fewer.reply_due is not None
    assert none.reply_due is not None
    assert full.reply_due >= fewer.reply_due >= none.reply_due


@settings(max_examples=300)
@given(paused_cases(), st.integers(0, 400))
def test_due_is_always_a_working_day(case: tuple, days_after: int) -> None:
    receipt, events, _, _ = case
    c = compute_clock(CAL, receipt, events, today=receipt + timedelta(days=days_after))
    assert c.reply_due is not None
    assert CAL.is_working_day(c.reply_due)
    assert c.working_days_used >= 0
    assert c.working_days_left >= 0
    if c.state is ClockState.RUNNING:
        assert c.working_days_used + c.working_days_left == 20 + c.extension_days
