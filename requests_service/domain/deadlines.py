"""Deadline clocks for applications (答复期限), Art. 30–35 of the Regulations.

A clock is a pure function of the receipt date and the recorded procedural events; nothing is
stored but the events, so every due date can be recomputed when the calendar changes (e.g. when
next year's State Council arrangement is loaded).

Counting (rules.md §b): the day of receipt or of an event is not counted; ``due`` is the N-th
working day after the start. A pause opened on day S and closed on day E excludes the working days
in (S, E]; the days in (start, S] are consumed and counting resumes after E:
``due = add_wd(E, N - wd_between(start, S))``. Pauses apply one after the other; overlapping pause
reasons form one pause that ends when the last reason ends.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any, TypeGuard

from requests_service.domain.calendar import WorkingCalendar
from requests_service.domain.channels import Channel, receipt_date
from requests_service.domain.errors import DomainError, RuleViolation

__all__ = [
    "CORRECTION_NOTICE_WORKING_DAYS",
    "FEE_PAYMENT_WORKING_DAYS",
    "MAX_EXTENSION_WORKING_DAYS",
    "REPLY_WORKING_DAYS",
    "THIRD_PARTY_WORKING_DAYS",
    "Clock",
    "ClockEvent",
    "ClockEventType",
    "ClockState",
    "PausedInterval",
    "compute_clock",
    "correction_notice_due",
    "correction_period_due",
    "evaluate_deadline_vector",
    "fee_payment_due",
    "third_party_opinion_due",
    "validate_extension",
]

REPLY_WORKING_DAYS = 20  # Art. 33 para 2
MAX_EXTENSION_WORKING_DAYS = 20  # Art. 33 para 2
CORRECTION_NOTICE_WORKING_DAYS = 7  # Art. 30
THIRD_PARTY_WORKING_DAYS = 15  # Art. 32, Art. 34
FEE_PAYMENT_WORKING_DAYS = 20  # 《政府信息公开信息处理费管理办法》
# A correction period is "reasonable" at the agency's discretion (Art. 30); a whole working year is
# far beyond anything reasonable and guards against typos.
MAX_CORRECTION_PERIOD_WORKING_DAYS = 250
# Bounds what one public request can make us compute.
MAX_EVENTS = 200


class ClockEventType(StrEnum):
    """Procedural events that start, stop, pause, extend or end the reply clock."""

    CORRECTION_REQUESTED = "correction_requested"
    CORRECTION_RECEIVED = "correction_received"
    THIRD_PARTY_CONSULT_SENT = "third_party_consult_sent"
    THIRD_PARTY_REPLY_RECEIVED = "third_party_reply_received"
    FEE_NOTICE_SENT = "fee_notice_sent"
    FEE_PAID = "fee_paid"
    FEE_WAIVED = "fee_waived"
    EXTENSION_APPROVED = "extension_approved"
    REASONS_REQUESTED = "reasons_requested"
    REASONS_RECEIVED = "reasons_received"
    DEFERRED_DUE_DATE_SET = "deferred_due_date_set"
    REPLY_DELIVERED = "reply_delivered"
    WITHDRAWN = "withdrawn"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return _EVENT_LABELS[self]


_EVENT_LABELS: dict[ClockEventType, str] = {
    ClockEventType.CORRECTION_REQUESTED: "发出补正告知",
    ClockEventType.CORRECTION_RECEIVED: "收到补正材料",
    ClockEventType.THIRD_PARTY_CONSULT_SENT: "发出征求意见函（第三方或其他机关）",
    ClockEventType.THIRD_PARTY_REPLY_RECEIVED: "收到征求意见答复或答复期限届满",
    ClockEventType.FEE_NOTICE_SENT: "发出收费通知",
    ClockEventType.FEE_PAID: "申请人缴纳信息处理费",
    ClockEventType.FEE_WAIVED: "决定免收信息处理费",
    ClockEventType.EXTENSION_APPROVED: "批准延期答复",
    ClockEventType.REASONS_REQUESTED: "要求申请人说明理由",
    ClockEventType.REASONS_RECEIVED: "收到申请人说明的理由",
    ClockEventType.DEFERRED_DUE_DATE_SET: "确定延迟答复期限",
    ClockEventType.REPLY_DELIVERED: "送达答复",
    ClockEventType.WITHDRAWN: "申请人撤回申请",
    ClockEventType.CLOSED: "办结或终止办理",
}


_EVENT_VALUES = frozenset(t.value for t in ClockEventType)


class ClockState(StrEnum):
    """Where the reply clock stands as of ``today``."""

    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"
    MET = "met"
    OVERDUE = "overdue"

    @property
    def label(self) -> str:
        return _STATE_LABELS[self]


_STATE_LABELS: dict[ClockState, str] = {
    ClockState.RUNNING: "计时中",
    ClockState.PAUSED: "已暂停",
    ClockState.STOPPED: "已停止",
    ClockState.MET: "已按期答复",
    ClockState.OVERDUE: "已超期",
}

_THIRD_PARTY = "third_party"
_FEE = "fee"
_PAUSE_LABELS: dict[str, str] = {
    _THIRD_PARTY: "征求第三方或其他机关意见",
    _FEE: "等待缴纳信息处理费",
}
_PAUSE_OPEN: dict[ClockEventType, str] = {
    ClockEventType.THIRD_PARTY_CONSULT_SENT: _THIRD_PARTY,
    ClockEventType.FEE_NOTICE_SENT: _FEE,
}
_PAUSE_CLOSE: dict[ClockEventType, str] = {
    ClockEventType.THIRD_PARTY_REPLY_RECEIVED: _THIRD_PARTY,
    ClockEventType.FEE_PAID: _FEE,
    ClockEventType.FEE_WAIVED: _FEE,
}
_OPEN_TEXT: dict[ClockEventType, str] = {
    ClockEventType.THIRD_PARTY_CONSULT_SENT: "发出第三方征求意见函",
    ClockEventType.FEE_NOTICE_SENT: "发出收费通知",
}
_CLOSE_TEXT: dict[ClockEventType, str] = {
    ClockEventType.THIRD_PARTY_REPLY_RECEIVED: "收到第三方意见",
    ClockEventType.FEE_PAID: "申请人缴纳信息处理费",
    ClockEventType.FEE_WAIVED: "决定免收信息处理费",
}
_AWAITING_CORRECTION_LABEL = "等待申请人补正（补正后重新起算）"


@dataclass(frozen=True, slots=True)
class ClockEvent:
    """One recorded event. ``extra_working_days`` only for ``extension_approved``;
    ``deferred_due`` only for ``deferred_due_date_set``."""

    type: ClockEventType
    on: date
    extra_working_days: int | None = None
    deferred_due: date | None = None


@dataclass(frozen=True, slots=True)
class PausedInterval:
    """Working days in (start, end] are not counted; ``end`` is None while the pause is open."""

    start: date
    end: date | None
    reason_label: str


@dataclass(frozen=True)
class Clock:
    """The computed reply clock.

    ``original_due`` is the due date without extension or Art. 35 deferral (pauses and a
    correction restart included); ``reply_due`` is the binding date. While paused, both are
    projected as if counting resumed on ``today``. Both are None while awaiting correction
    (Art. 30: the period restarts from the corrected application). ``working_days_left`` is 0
    once the clock is stopped or finished. ``late_by_working_days`` counts working days past
    ``reply_due`` (delivery or ``today`` on a non-working day counts as the next working day).
    """

    receipt_date: date
    start_date: date
    original_due: date | None
    reply_due: date | None
    extended: bool
    extension_days: int
    paused_intervals: tuple[PausedInterval, ...]
    working_days_used: int
    working_days_left: int
    state: ClockState
    pause_reason: str | None
    provisional: bool
    explanation: tuple[str, ...]
    late_by_working_days: int = 0
    deferred_due: date | None = None
    base_working_days: int = REPLY_WORKING_DAYS


def _is_plain_date(value: object) -> TypeGuard[date]:
    # datetime is a date subclass, but mixing the two raises TypeError on comparison.
    return isinstance(value, date) and not isinstance(value, datetime)


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


class _Run:
    """Mutable bookkeeping for one ``compute_clock`` call; never escapes the function.

    Counted segments since the current start are (a, b] for each closed segment, then
    (run_from, ...) while running; pauses are the gaps between them. ``consumed`` caches the
    working days of the closed segments so the common queries cost one calendar look-up.
    """

    __slots__ = ("add", "between", "closed", "closed_end", "consumed", "pause_from", "run_from")

    def __init__(self, calendar: WorkingCalendar, start: date) -> None:
        self.add = calendar.add_working_days
        self.between = calendar.working_days_between
        self.closed: list[tuple[date, date, int]] = []
        self.closed_end: date | None = None
        self.consumed = 0
        self.run_from: date | None = start
        self.pause_from: date | None = None

    def counted_upto(self, t: date) -> int:
        if self.closed_end is None or t >= self.closed_end:
            n = self.consumed
        else:
            # Only when asked about a day inside the history (e.g. ``today`` before events).
            between = self.between
            n = 0
            for a, b, _ in self.closed:
                n += between(a, b if b < t else t)
        if self.run_from is not None:
            n += self.between(self.run_from, t)
        return n

    def due_for(self, budget: int, at: date) -> date | None:
        """The ``budget``-th counted working day; while paused, projected as if counting
        resumed on ``at``. None when no segment is open (awaiting correction)."""
        if budget <= self.consumed:
            # The period ran out before a pause or stop began: find the segment it ended in.
            rem = budget
            for a, _, w in self.closed:
                if w >= rem:
                    return self.add(a, rem)
                rem -= w
        rem = budget - self.consumed
        if self.run_from is not None:
            return self.add(self.run_from, rem)
        if self.pause_from is not None:
            return self.add(at if at > self.pause_from else self.pause_from, rem)
        return None

    def stop(self, on: date) -> None:
        if self.run_from is not None:
            w = self.between(self.run_from, on)
            self.closed.append((self.run_from, on, w))
            self.consumed += w
            self.closed_end = on
            self.run_from = None

    def restart(self, on: date) -> None:
        self.closed.clear()
        self.closed_end = None
        self.consumed = 0
        self.run_from = on


def _bad(message: str, index: int, event: object, **details: Any) -> RuleViolation:
    return RuleViolation(message, field=f"events[{index}]", event=repr(event), **details)


def compute_clock(
    calendar: WorkingCalendar,
    receipt_date: date,
    events: Iterable[ClockEvent],
    *,
    today: date,
    base_working_days: int = REPLY_WORKING_DAYS,
    channel: Channel | None = None,
) -> Clock:
    """Compute the reply clock from the receipt date and the recorded events.

    Rules (rules.md §b):

    * reply due = 20th working day after receipt (Art. 33 para 2);
    * ``correction_requested`` stops the clock; ``correction_received`` restarts it afresh for 20
      working days (Art. 30); the correction notice is one-time (一次性告知), so a second notice
      is rejected; a notice later than 7 working days after receipt is noted in the explanation;
    * third-party / other-agency consultation (Art. 32, 33 para 3, 34) and fee notice to payment
      or waiver (Fee Measures) pause the clock; a pause begun on or after the due day cannot
      revive an expired period;
    * ``extension_approved``: once, 1–20 extra working days, approved on or before the original
      due date (Art. 33 para 2);
    * ``reasons_requested``/``reasons_received`` (Art. 35) do not pause the clock — the Regulations
      exclude no time for them; instead ``deferred_due_date_set`` (after reasons were received)
      replaces the due date by a later one; later pauses still push it back. A deferred date on a
      non-working day moves to the next working day (Civil Code Art. 203 para 1);
    * ``reply_delivered`` ends the clock: ``met`` if on or before the due date, else ``overdue``;
      ``withdrawn`` or ``closed`` stop it; only ``closed`` (archiving) may follow a reply or a
      withdrawal.

    Events must be dated on or after the receipt date and in date order. ``today`` only affects
    the projection of a paused clock, ``working_days_used``/``left`` and whether an unanswered
    clock is overdue. Inconsistent input raises ``RuleViolation``.
    """
    if not _is_plain_date(receipt_date):
        raise RuleViolation("收到申请之日应为日期", field="receipt_date")
    if not _is_plain_date(today):
        raise RuleViolation("当前日期应为日期", field="today")
    if not _is_int(base_working_days) or base_working_days < 1:
        raise RuleViolation("答复期限工作日数应为正整数", field="base_working_days")
    add = calendar.add_working_days
    run = _Run(calendar, receipt_date)
    start = receipt_date
    extra = 0
    deferred_budget: int | None = None
    deferred_due: date | None = None
    correction_sent = False
    awaiting_correction = False
    open_pauses: dict[str, int] = {}
    intervals: list[tuple[date, date | None, list[str]]] = []
    reasons_pending = False
    reasons_received = False
    finished: ClockState | None = None
    finished_on: date | None = None
    archived = False
    late_by = 0
    last_event_on = receipt_date
    steps: list[str] = []
    due: date | None

    def budget() -> int:
        return deferred_budget if deferred_budget is not None else base_working_days + extra

    first_due = add(receipt_date, base_working_days)
    via = ""
    if channel is not None:
        try:
            via = f"（{Channel(channel).label}）"
        except ValueError:
            raise RuleViolation("未知的提交渠道", field="channel", value=str(channel)) from None
    steps.append(
        f"{receipt_date.isoformat()} 收到申请{via}，自次日起计算{base_working_days}个工作日"
        f" → {first_due.isoformat()}"
    )

    def end_pauses(on: date) -> None:
        if run.pause_from is not None:
            s, _, labels = intervals[-1]
            intervals[-1] = (s, on, labels)
            run.pause_from = None
            run.run_from = on
            open_pauses.clear()

    for index, ev in enumerate(events):
        if index >= MAX_EVENTS:
            raise _bad(f"事件过多（最多{MAX_EVENTS}个）", index, ev)
        raw_type: object
        on: object
        extra_wd: object
        new_due: object
        if type(ev) is ClockEvent:
            raw_type, on, extra_wd, new_due = ev.type, ev.on, ev.extra_working_days, ev.deferred_due
        else:
            raw_type = getattr(ev, "type", None)
            on = getattr(ev, "on", None)
            extra_wd = getattr(ev, "extra_working_days", None)
            new_due = getattr(ev, "deferred_due", None)
        etype: ClockEventType
        if isinstance(raw_type, ClockEventType):
            etype = raw_type
        elif isinstance(raw_type, str) and raw_type in _EVENT_VALUES:
            etype = ClockEventType(raw_type)
        else:
            raise _bad("未知的事件类型", index, ev, field_name="type")
        if not _is_plain_date(on):
            raise _bad("事件日期应为日期", index, ev)
        if extra_wd is not None and etype is not ClockEventType.EXTENSION_APPROVED:
            raise _bad("只有批准延期事件可以填写延期工作日数", index, ev)
        if new_due is not None and etype is not ClockEventType.DEFERRED_DUE_DATE_SET:
            raise _bad("只有确定延迟答复期限事件可以填写延迟答复日期", index, ev)
        if on < receipt_date:
            raise _bad(
                f"事件日期{on.isoformat()}早于收到申请之日{receipt_date.isoformat()}", index, ev
            )
        if on < last_event_on:
            raise _bad("事件须按日期先后顺序记录", index, ev, previous=last_event_on.isoformat())
        last_event_on = on
        day = on.isoformat()

        if archived:
            raise _bad("案件已办结归档，不能再记录事件", index, ev)
        if finished is not None and etype is not ClockEventType.CLOSED:
            raise _bad(f"计时已结束（{finished.label}），只能记录办结归档", index, ev)

        if etype is ClockEventType.CORRECTION_REQUESTED:
            if correction_sent:
                raise _bad("补正告知应一次性告知全部事项（条例第三十条），不能再次发出", index, ev)
            if run.pause_from is not None:
                raise _bad("暂停计时期间不能发出补正告知", index, ev)
            if extra or deferred_budget is not None:
                raise _bad("已延期或确定延迟答复期限后不能再发出补正告知", index, ev)
            correction_sent = True
            awaiting_correction = True
            run.stop(on)
            limit = add(receipt_date, CORRECTION_NOTICE_WORKING_DAYS)
            late_note = (
                f"（超过条例第三十条规定的7个工作日告知期限{limit.isoformat()}）"
                if on > limit
                else ""
            )
            steps.append(f"{day} 发出补正告知，答复期限停止计算{late_note}")

        elif etype is ClockEventType.CORRECTION_RECEIVED:
            if not awaiting_correction:
                raise _bad("未发出补正告知，不能记录收到补正材料", index, ev)
            awaiting_correction = False
            start = on
            run.restart(on)
            due = add(on, base_working_days)
            steps.append(
                f"{day} 收到补正材料，重新起算{base_working_days}个工作日 → {due.isoformat()}"
            )

        elif etype in _PAUSE_OPEN:
            kind = _PAUSE_OPEN[etype]
            if awaiting_correction:
                raise _bad("等待补正期间不能暂停计时", index, ev)
            if kind == _FEE and open_pauses.get(_FEE):
                raise _bad("已有未缴费的收费通知，不能重复发出", index, ev)
            if run.pause_from is None:
                due_before = run.due_for(budget(), on)
                used = run.counted_upto(on)
                run.stop(on)
                run.pause_from = on
                intervals.append((on, None, [_PAUSE_LABELS[kind]]))
                open_pauses[kind] = 1
                if due_before is not None and on >= due_before:
                    note = f"（答复期限已于{due_before.isoformat()}届满，暂停不影响到期日）"
                else:
                    note = f"（已用{used}个工作日）"
                steps.append(f"{day} {_OPEN_TEXT[etype]}，暂停计时{note}")
            else:
                open_pauses[kind] = open_pauses.get(kind, 0) + 1
                labels = intervals[-1][2]
                if _PAUSE_LABELS[kind] not in labels:
                    labels.append(_PAUSE_LABELS[kind])
                steps.append(f"{day} {_OPEN_TEXT[etype]}（计时已暂停）")

        elif etype in _PAUSE_CLOSE:
            kind = _PAUSE_CLOSE[etype]
            if not open_pauses.get(kind):
                opener = next(k for k, v in _PAUSE_OPEN.items() if v == kind)
                raise _bad(f"没有未结的“{opener.label}”事件，不能记录“{etype.label}”", index, ev)
            open_pauses[kind] -= 1
            if not open_pauses[kind]:
                del open_pauses[kind]
            if open_pauses:
                steps.append(f"{day} {_CLOSE_TEXT[etype]}（仍有其他暂停事由，继续暂停）")
            else:
                end_pauses(on)
                left = budget() - run.consumed
                due = run.due_for(budget(), on)
                assert due is not None
                if left > 0:
                    steps.append(
                        f"{day} {_CLOSE_TEXT[etype]}，恢复计时，剩余{left}个工作日"
                        f" → {due.isoformat()}"
                    )
                else:
                    steps.append(f"{day} {_CLOSE_TEXT[etype]}（答复期限已于{due.isoformat()}届满）")

        elif etype is ClockEventType.EXTENSION_APPROVED:
            if not _is_int(extra_wd) or not 1 <= extra_wd <= MAX_EXTENSION_WORKING_DAYS:
                raise _bad("延期工作日数应为1至20之间的整数（条例第三十三条）", index, ev)
            if extra:
                raise _bad("延期答复只能批准一次（条例第三十三条）", index, ev)
            if deferred_budget is not None:
                raise _bad("已确定延迟答复期限，不能再批准延期", index, ev)
            if awaiting_correction:
                raise _bad("等待补正期间不能批准延期", index, ev)
            original = run.due_for(base_working_days, on)
            assert original is not None
            if on > original:
                raise _bad(
                    f"延期应在原答复期限{original.isoformat()}届满前批准并告知申请人"
                    "（条例第三十三条）",
                    index,
                    ev,
                )
            extra = extra_wd
            if run.pause_from is None:
                due = run.due_for(budget(), on)
                assert due is not None
                steps.append(f"{day} 批准延期{extra}个工作日 → {due.isoformat()}")
            else:
                steps.append(f"{day} 批准延期{extra}个工作日（计时暂停中，恢复计时后顺延）")

        elif etype is ClockEventType.REASONS_REQUESTED:
            if reasons_pending:
                raise _bad("已要求说明理由且尚未收到答复", index, ev)
            if awaiting_correction:
                raise _bad("等待补正期间不能要求说明理由", index, ev)
            reasons_pending = True
            steps.append(f"{day} 要求申请人说明理由（条例第三十五条），答复期限继续计算")

        elif etype is ClockEventType.REASONS_RECEIVED:
            if not reasons_pending:
                raise _bad("未要求说明理由，不能记录收到理由", index, ev)
            reasons_pending = False
            reasons_received = True
            steps.append(f"{day} 收到申请人说明的理由")

        elif etype is ClockEventType.DEFERRED_DUE_DATE_SET:
            if not _is_plain_date(new_due):
                raise _bad("确定延迟答复期限须填写延迟答复日期（deferred_due）", index, ev)
            if not reasons_received:
                raise _bad(
                    "须先要求申请人说明理由并收到理由，才能确定延迟答复期限（条例第三十五条）",
                    index,
                    ev,
                )
            if deferred_budget is not None:
                raise _bad("延迟答复期限已确定，不能再次确定", index, ev)
            if run.run_from is None:
                raise _bad("计时暂停或停止期间不能确定延迟答复期限", index, ev)
            current = run.due_for(budget(), on)
            assert current is not None
            if new_due <= current or new_due <= on:
                raise _bad(
                    f"延迟答复期限应晚于现行答复期限{current.isoformat()}",
                    index,
                    ev,
                    deferred_due=new_due.isoformat(),
                )
            # Civil Code Art. 203: a period ending on a day off ends on the next working day.
            deferred_budget = run.counted_upto(new_due) + (
                0 if calendar.is_working_day(new_due) else 1
            )
            deferred_due = new_due
            due = run.due_for(deferred_budget, on)
            assert due is not None
            steps.append(
                f"{day} 确定延迟答复期限（条例第三十五条）{new_due.isoformat()} → {due.isoformat()}"
            )

        elif etype is ClockEventType.REPLY_DELIVERED:
            end_pauses(on)
            if awaiting_correction:
                finished = ClockState.MET
                steps.append(f"{day} 送达答复")
            else:
                due = run.due_for(budget(), on)
                assert due is not None
                if on <= due:
                    finished = ClockState.MET
                    steps.append(f"{day} 送达答复，在答复期限{due.isoformat()}内")
                else:
                    finished = ClockState.OVERDUE
                    late_by = _late_by(calendar, due, on)
                    steps.append(
                        f"{day} 送达答复，超过答复期限（{due.isoformat()}）{late_by}个工作日"
                    )
            finished_on = on

        elif etype is ClockEventType.WITHDRAWN:
            end_pauses(on)
            finished = ClockState.STOPPED
            finished_on = on
            steps.append(f"{day} 申请人撤回申请，停止计时")

        elif etype is ClockEventType.CLOSED:
            archived = True
            if finished is None:
                end_pauses(on)
                finished = ClockState.STOPPED
                finished_on = on
                steps.append(f"{day} 终止办理（行政机关不再处理），停止计时")
            else:
                steps.append(f"{day} 办结归档")

    effective = budget()
    if awaiting_correction:
        original_due: date | None = None
        reply_due: date | None = None
    else:
        original_due = run.due_for(base_working_days, today)
        reply_due = run.due_for(effective, today)
    end_point = finished_on if finished_on is not None and finished_on < today else today
    used = run.counted_upto(end_point)
    pause_reason: str | None = None

    if finished is not None:
        state = finished
        left = 0
    elif awaiting_correction:
        state = ClockState.STOPPED
        left = 0
        pause_reason = _AWAITING_CORRECTION_LABEL
    else:
        assert reply_due is not None
        left = max(0, effective - used)
        if today > reply_due:
            state = ClockState.OVERDUE
            left = 0
            late_by = _late_by(calendar, reply_due, today)
            steps.append(
                f"截至{today.isoformat()}已超过答复期限（{reply_due.isoformat()}）{late_by}个工作日"
            )
        elif run.pause_from is not None:
            state = ClockState.PAUSED
            pause_reason = "、".join(intervals[-1][2])
            resume = today if today > run.pause_from else run.pause_from
            steps.append(
                f"计时暂停中（{pause_reason}）；如于{resume.isoformat()}恢复计时，"
                f"答复期限为{reply_due.isoformat()}"
            )
        else:
            state = ClockState.RUNNING

    # original_due never exceeds reply_due (its budget is never larger).
    last_relied = last_event_on
    if reply_due is not None and reply_due > last_relied:
        last_relied = reply_due
    provisional = calendar.range_is_provisional(receipt_date, last_relied)
    if provisional:
        years = sorted(
            {
                y
                for y in range(receipt_date.year, last_relied.year + 1)
                if y not in calendar.official_years
            }
        )
        steps.append(
            f"注：{'、'.join(str(y) for y in years)}年国务院节假日安排尚未载入，"
            "相关日期为预计日期，载入正式安排后将重新计算"
        )

    return _new_clock(
        {
            "receipt_date": receipt_date,
            "start_date": start,
            "original_due": original_due,
            "reply_due": reply_due,
            "extended": bool(extra),
            "extension_days": extra,
            "paused_intervals": tuple(
                PausedInterval(s, e, "、".join(lb)) for s, e, lb in intervals
            ),
            "working_days_used": used,
            "working_days_left": left,
            "state": state,
            "pause_reason": pause_reason,
            "provisional": provisional,
            "explanation": tuple(steps),
            "late_by_working_days": late_by,
            "deferred_due": deferred_due,
            "base_working_days": base_working_days,
        }
    )


def _new_clock(fields: dict[str, Any]) -> Clock:
    """Build a ``Clock`` without the frozen-dataclass ``__init__``.

    That ``__init__`` assigns each of the 16 fields through ``object.__setattr__``, about a third
    of the cost of a whole recomputation; the recompute job handles a million clocks. ``fields``
    must name every field (a unit test compares with ``dataclasses.replace``).
    """
    clock = object.__new__(Clock)
    clock.__dict__.update(fields)
    return clock


def _late_by(calendar: WorkingCalendar, due: date, when: date) -> int:
    """Working days past ``due``; a non-working ``when`` counts as the next working day, so any
    lateness is at least one working day."""
    n = calendar.working_days_between(due, when)
    return n if calendar.is_working_day(when) else n + 1


def validate_extension(
    calendar: WorkingCalendar, clock: Clock, on: date, extra_working_days: int
) -> None:
    """Check an extension before recording it (Art. 33 para 2).

    The extension needs the approval of the head of the OGI work office and notice to the
    applicant; it is granted at most once, for 1–20 further working days, on or before the
    original due date [rules.md §b, M: practice], and only while the clock is running or paused.
    ``calendar`` is accepted for symmetry with the other checks; the clock already carries the
    computed dates.
    """
    del calendar
    if clock.extended:
        raise RuleViolation("延期答复只能批准一次（条例第三十三条）", field="extra_working_days")
    if not _is_int(extra_working_days) or not (
        1 <= extra_working_days <= MAX_EXTENSION_WORKING_DAYS
    ):
        raise RuleViolation(
            "延期工作日数应为1至20之间的整数（条例第三十三条）",
            field="extra_working_days",
            value=repr(extra_working_days),
        )
    if not _is_plain_date(on):
        raise RuleViolation("批准延期日期应为日期", field="on")
    if clock.deferred_due is not None:
        raise RuleViolation("已确定延迟答复期限，不能再批准延期", field="on")
    if clock.state not in (ClockState.RUNNING, ClockState.PAUSED) or clock.original_due is None:
        raise RuleViolation(
            f"计时{clock.state.label}，不能批准延期", field="on", state=clock.state.value
        )
    if on < clock.start_date:
        raise RuleViolation("批准延期日期不能早于计时起点", field="on")
    if on > clock.original_due:
        raise RuleViolation(
            f"延期应在原答复期限{clock.original_due.isoformat()}届满前批准并告知申请人"
            "（条例第三十三条）",
            field="on",
            original_due=clock.original_due.isoformat(),
        )


def correction_notice_due(calendar: WorkingCalendar, receipt: date) -> date:
    """Last day to issue the one-time correction notice: 7 working days after receipt (Art. 30)."""
    return calendar.add_working_days(receipt, CORRECTION_NOTICE_WORKING_DAYS)


def third_party_opinion_due(calendar: WorkingCalendar, letter_received: date) -> date:
    """Last day for a third party (Art. 32) or consulted agency (Art. 34) to answer: 15 working
    days after it received the consultation letter."""
    return calendar.add_working_days(letter_received, THIRD_PARTY_WORKING_DAYS)


def fee_payment_due(calendar: WorkingCalendar, notice_received: date) -> date:
    """Last day to pay the fee: 20 working days counted from the day after the applicant
    received the fee notice; later means deemed abandoned (Fee Measures, rules.md §d)."""
    return calendar.add_working_days(notice_received, FEE_PAYMENT_WORKING_DAYS)


def correction_period_due(
    calendar: WorkingCalendar, notice_on: date, period_working_days: int
) -> date:
    """End of the correction period the agency set in its notice (Art. 30: a "reasonable
    period", at the agency's discretion; counted in working days after the notice [D])."""
    if not _is_int(period_working_days) or not (
        1 <= period_working_days <= MAX_CORRECTION_PERIOD_WORKING_DAYS
    ):
        raise RuleViolation(
            f"补正期限应为1至{MAX_CORRECTION_PERIOD_WORKING_DAYS}个工作日",
            field="period_working_days",
            value=repr(period_working_days),
        )
    return calendar.add_working_days(notice_on, period_working_days)


# -- JSON adapter for vectors and the public deadline calculator ---------------------------------

_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATETIME_RE = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?"
    r"(Z|[+-][0-9]{2}:[0-9]{2})"
)
_TIMESTAMP_FIELDS = ("submitted_at", "signed_for_at", "letter_arrived_at", "confirmed_at")
_CLOCK_KEYS = frozenset({"channel", *_TIMESTAMP_FIELDS, "events", "today", "note"})
_QUERY_KEYS: dict[str, frozenset[str]] = {
    "correction_notice_deadline": frozenset(
        {"query", "channel", *_TIMESTAMP_FIELDS, "today", "note"}
    ),
    "third_party_opinion_deadline": frozenset(
        {"query", "third_party_received_letter", "today", "note"}
    ),
    "fee_payment_deadline": frozenset({"query", "fee_notice_received", "today", "note"}),
}
_EVENT_KEYS = frozenset({"type", "date", "extra_working_days", "deferred_due", "note"})


def _json_date(value: object, field: str) -> date:
    if not isinstance(value, str) or not _DATE_RE.fullmatch(value):
        raise RuleViolation(f"日期格式错误，应为YYYY-MM-DD：{field}", field=field)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise RuleViolation(f"日期不存在：{field}", field=field) from None


def _json_datetime(value: object, field: str) -> datetime:
    if not isinstance(value, str) or not _DATETIME_RE.fullmatch(value):
        raise RuleViolation(
            f"时间格式错误，应为带时区的ISO 8601时间（如2026-03-02T10:00:00+08:00）：{field}",
            field=field,
        )
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise RuleViolation(f"时间不存在：{field}", field=field) from None


def _check_keys(obj: Mapping[Any, Any], allowed: frozenset[str], where: str) -> None:
    for key in obj:
        if key not in allowed:
            name = f"{where}.{key}" if where else str(key)
            raise RuleViolation(f"不支持的字段：{name}", field=name)


def _parse_events(raw: object) -> list[ClockEvent]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise RuleViolation("events应为事件列表", field="events")
    if len(raw) > MAX_EVENTS:
        raise RuleViolation(f"事件过多（最多{MAX_EVENTS}个）", field="events")
    out: list[ClockEvent] = []
    for i, item in enumerate(raw):
        where = f"events[{i}]"
        if not isinstance(item, Mapping):
            raise RuleViolation(f"事件应为对象：{where}", field=where)
        _check_keys(item, _EVENT_KEYS, where)
        raw_type = item.get("type")
        try:
            etype = ClockEventType(raw_type) if isinstance(raw_type, str) else None
        except ValueError:
            etype = None
        if etype is None:
            raise RuleViolation(f"未知的事件类型：{where}.type", field=f"{where}.type")
        on = _json_date(item.get("date"), f"{where}.date")
        extra = item.get("extra_working_days")
        if extra is not None and not _is_int(extra):
            raise RuleViolation(
                f"延期工作日数应为整数：{where}.extra_working_days",
                field=f"{where}.extra_working_days",
            )
        raw_deferred = item.get("deferred_due")
        deferred = (
            None if raw_deferred is None else _json_date(raw_deferred, f"{where}.deferred_due")
        )
        out.append(ClockEvent(etype, on, extra, deferred))
    return out


def _receipt_from(inputs: Mapping[str, Any]) -> tuple[Channel, date]:
    raw_channel = inputs.get("channel")
    if raw_channel is None:
        raise RuleViolation("缺少提交渠道：channel", field="channel")
    try:
        channel = Channel(raw_channel) if isinstance(raw_channel, str) else None
    except ValueError:
        channel = None
    if channel is None:
        raise RuleViolation("未知的提交渠道：channel", field="channel")

    def stamp(name: str) -> datetime | None:
        value = inputs.get(name)
        return None if value is None else _json_datetime(value, name)

    return channel, receipt_date(
        channel,
        submitted_at=stamp("submitted_at"),
        signed_for_at=stamp("signed_for_at"),
        letter_arrived_at=stamp("letter_arrived_at"),
        confirmed_at=stamp("confirmed_at"),
    )


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d is not None else None


def evaluate_deadline_vector(
    calendar: WorkingCalendar, inputs: Mapping[str, Any], *, today: date | None = None
) -> dict[str, Any]:
    """Evaluate the ``inputs`` of a ``kind: "deadline"`` vector (vectors.json) as JSON.

    Either a clock (``channel`` + timestamps + ``events``) or a ``query`` of
    ``correction_notice_deadline`` (Art. 30), ``third_party_opinion_deadline`` (Art. 32) or
    ``fee_payment_deadline`` (Fee Measures). ``today`` defaults to ``inputs["today"]`` and then
    to the receipt date. Dates come back as ISO strings. Any bad input raises ``RuleViolation``
    whose ``details["field"]`` names the offending field; nothing else escapes, because this
    backs a public endpoint.
    """
    try:
        return _evaluate(calendar, inputs, today)
    except DomainError:
        raise
    except (
        TypeError,
        ValueError,
        OverflowError,
        KeyError,
        AttributeError,
        AssertionError,
    ) as exc:
        # Defence in depth: a gap in the checks above (or a broken internal invariant) must
        # still surface as a 422 on this public endpoint, not a 500. Fuzz tests keep it unused.
        raise RuleViolation("输入无法处理", field="inputs", error=type(exc).__name__) from None


def _evaluate(
    calendar: WorkingCalendar, inputs: Mapping[str, Any], today: date | None
) -> dict[str, Any]:
    if not isinstance(inputs, Mapping):
        raise RuleViolation("输入应为对象", field="inputs")
    if today is None and inputs.get("today") is not None:
        today = _json_date(inputs["today"], "today")
    query = inputs.get("query")
    if query is not None:
        if not isinstance(query, str) or query not in _QUERY_KEYS:
            raise RuleViolation("未知的查询类型：query", field="query")
        _check_keys(inputs, _QUERY_KEYS[query], "")
        if query == "correction_notice_deadline":
            channel, receipt = _receipt_from(inputs)
            due = correction_notice_due(calendar, receipt)
            return {
                "query": query,
                "channel": channel.value,
                "receipt_date": receipt.isoformat(),
                "correction_notice_due": due.isoformat(),
                "provisional": calendar.range_is_provisional(receipt, due),
                "explanation": [
                    f"{receipt.isoformat()} 收到申请（{channel.label}），应在7个工作日内一次性"
                    f"发出补正告知（条例第三十条） → {due.isoformat()}"
                ],
            }
        if query == "third_party_opinion_deadline":
            received = _json_date(
                inputs.get("third_party_received_letter"), "third_party_received_letter"
            )
            due = third_party_opinion_due(calendar, received)
            return {
                "query": query,
                "third_party_due": due.isoformat(),
                "provisional": calendar.range_is_provisional(received, due),
                "explanation": [
                    f"{received.isoformat()} 第三方收到征求意见函，应在15个工作日内提出意见"
                    f"（条例第三十二条） → {due.isoformat()}"
                ],
            }
        received = _json_date(inputs.get("fee_notice_received"), "fee_notice_received")
        due = fee_payment_due(calendar, received)
        return {
            "query": query,
            "payment_due": due.isoformat(),
            "provisional": calendar.range_is_provisional(received, due),
            "explanation": [
                f"{received.isoformat()} 申请人收到收费通知，应自次日起20个工作日内缴费，"
                f"逾期视为放弃申请（《政府信息公开信息处理费管理办法》） → {due.isoformat()}"
            ],
        }

    _check_keys(inputs, _CLOCK_KEYS, "")
    channel, receipt = _receipt_from(inputs)
    events = _parse_events(inputs.get("events"))
    clock = compute_clock(calendar, receipt, events, today=today or receipt, channel=channel)
    return {
        "channel": channel.value,
        "receipt_date": clock.receipt_date.isoformat(),
        "start_date": clock.start_date.isoformat(),
        "original_due": _iso(clock.original_due),
        "reply_due": _iso(clock.reply_due),
        "deferred_due": _iso(clock.deferred_due),
        "extended": clock.extended,
        "extension_days": clock.extension_days,
        "state": clock.state.value,
        "state_label": clock.state.label,
        "pause_reason": clock.pause_reason,
        "paused_intervals": [
            {"start": p.start.isoformat(), "end": _iso(p.end), "reason": p.reason_label}
            for p in clock.paused_intervals
        ],
        "working_days_used": clock.working_days_used,
        "working_days_left": clock.working_days_left,
        "late_by_working_days": clock.late_by_working_days,
        "provisional": clock.provisional,
        "explanation": list(clock.explanation),
    }
