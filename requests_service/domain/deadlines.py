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

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeGuard

from requests_service.domain.calendar import WorkingCalendar
from requests_service.domain.channels import Channel
from requests_service.domain.errors import RuleViolation
from requests_service.domain.labelled import LabelledEnum

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


class ClockEventType(LabelledEnum):
    """Procedural events that start, stop, pause, extend or end the reply clock."""

    CORRECTION_REQUESTED = "correction_requested", "发出补正告知"
    CORRECTION_RECEIVED = "correction_received", "收到补正材料"
    THIRD_PARTY_CONSULT_SENT = "third_party_consult_sent", "发出征求意见函（第三方或其他机关）"
    THIRD_PARTY_REPLY_RECEIVED = "third_party_reply_received", "收到征求意见答复或答复期限届满"
    FEE_NOTICE_SENT = "fee_notice_sent", "发出收费通知"
    FEE_PAID = "fee_paid", "申请人缴纳信息处理费"
    FEE_WAIVED = "fee_waived", "决定免收信息处理费"
    EXTENSION_APPROVED = "extension_approved", "批准延期答复"
    REASONS_REQUESTED = "reasons_requested", "要求申请人说明理由"
    REASONS_RECEIVED = "reasons_received", "收到申请人说明的理由"
    DEFERRED_DUE_DATE_SET = "deferred_due_date_set", "确定延迟答复期限"
    REPLY_DELIVERED = "reply_delivered", "送达答复"
    WITHDRAWN = "withdrawn", "申请人撤回申请"
    CLOSED = "closed", "办结或终止办理"


_EVENT_VALUES = frozenset(t.value for t in ClockEventType)


class ClockState(LabelledEnum):
    """Where the reply clock stands as of ``today``."""

    RUNNING = "running", "计时中"
    PAUSED = "paused", "已暂停"
    STOPPED = "stopped", "已停止"
    MET = "met", "已按期答复"
    OVERDUE = "overdue", "已超期"


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


@dataclass(frozen=True, slots=True)
class _Step:
    """One validated event, with where it came from for error messages."""

    index: int
    raw: object
    type: ClockEventType
    on: date
    extra_working_days: int | None
    deferred_due: date | None

    def reject(self, message: str, **details: Any) -> RuleViolation:
        return _bad(message, self.index, self.raw, **details)


def _fields_of(ev: object) -> tuple[object, object, object, object]:
    if type(ev) is ClockEvent:
        return ev.type, ev.on, ev.extra_working_days, ev.deferred_due
    return (
        getattr(ev, "type", None),
        getattr(ev, "on", None),
        getattr(ev, "extra_working_days", None),
        getattr(ev, "deferred_due", None),
    )


def _event_type(raw_type: object, index: int, ev: object) -> ClockEventType:
    if isinstance(raw_type, ClockEventType):
        return raw_type
    if isinstance(raw_type, str) and raw_type in _EVENT_VALUES:
        return ClockEventType(raw_type)
    raise _bad("未知的事件类型", index, ev, field_name="type")


def _validated(index: int, ev: object, receipt: date, previous: date) -> _Step:
    """Shape checks for one event, apart from what it means for the clock."""
    if index >= MAX_EVENTS:
        raise _bad(f"事件过多（最多{MAX_EVENTS}个）", index, ev)
    raw_type, on, extra_wd, new_due = _fields_of(ev)
    etype = _event_type(raw_type, index, ev)
    if not _is_plain_date(on):
        raise _bad("事件日期应为日期", index, ev)
    if extra_wd is not None and etype is not ClockEventType.EXTENSION_APPROVED:
        raise _bad("只有批准延期事件可以填写延期工作日数", index, ev)
    if new_due is not None and etype is not ClockEventType.DEFERRED_DUE_DATE_SET:
        raise _bad("只有确定延迟答复期限事件可以填写延迟答复日期", index, ev)
    if on < receipt:
        raise _bad(f"事件日期{on.isoformat()}早于收到申请之日{receipt.isoformat()}", index, ev)
    if on < previous:
        raise _bad("事件须按日期先后顺序记录", index, ev, previous=previous.isoformat())
    # Types are checked by the handlers that accept these fields.
    return _Step(index, ev, etype, on, extra_wd, new_due)  # type: ignore[arg-type]


class _ClockFold:
    """The reply clock folded over the events: one handler per event type (``_HANDLERS``).

    Mutable bookkeeping for one ``compute_clock`` call; never escapes it.
    """

    def __init__(
        self,
        calendar: WorkingCalendar,
        receipt: date,
        base_working_days: int,
        channel: Channel | None,
    ) -> None:
        self.calendar = calendar
        self.add = calendar.add_working_days
        self.receipt = receipt
        self.base = base_working_days
        self.run = _Run(calendar, receipt)
        self.start = receipt
        self.extra = 0
        self.deferred_budget: int | None = None
        self.deferred_due: date | None = None
        self.correction_sent = False
        self.awaiting_correction = False
        self.open_pauses: dict[str, int] = {}
        self.intervals: list[tuple[date, date | None, list[str]]] = []
        self.reasons_pending = False
        self.reasons_received = False
        self.finished: ClockState | None = None
        self.finished_on: date | None = None
        self.archived = False
        self.late_by = 0
        self.last_event_on = receipt
        self.steps: list[str] = [self._receipt_step(channel)]

    def _receipt_step(self, channel: Channel | None) -> str:
        first_due = self.add(self.receipt, self.base)
        via = ""
        if channel is not None:
            try:
                via = f"（{Channel(channel).label}）"
            except ValueError:
                raise RuleViolation("未知的提交渠道", field="channel", value=str(channel)) from None
        return (
            f"{self.receipt.isoformat()} 收到申请{via}，自次日起计算{self.base}个工作日"
            f" → {first_due.isoformat()}"
        )

    def budget(self) -> int:
        if self.deferred_budget is not None:
            return self.deferred_budget
        return self.base + self.extra

    def due(self, on: date) -> date:
        due = self.run.due_for(self.budget(), on)
        assert due is not None
        return due

    def end_pauses(self, on: date) -> None:
        run = self.run
        if run.pause_from is not None:
            s, _, labels = self.intervals[-1]
            self.intervals[-1] = (s, on, labels)
            run.pause_from = None
            run.run_from = on
            self.open_pauses.clear()

    def apply(self, step: _Step) -> None:
        self.last_event_on = step.on
        if self.archived:
            raise step.reject("案件已办结归档，不能再记录事件")
        if self.finished is not None and step.type is not ClockEventType.CLOSED:
            raise step.reject(f"计时已结束（{self.finished.label}），只能记录办结归档")
        _HANDLERS[step.type](self, step)

    # -- handlers, one per event type ------------------------------------------------------

    def correction_requested(self, step: _Step) -> None:
        if self.correction_sent:
            raise step.reject("补正告知应一次性告知全部事项（条例第三十条），不能再次发出")
        if self.run.pause_from is not None:
            raise step.reject("暂停计时期间不能发出补正告知")
        if self.extra or self.deferred_budget is not None:
            raise step.reject("已延期或确定延迟答复期限后不能再发出补正告知")
        self.correction_sent = True
        self.awaiting_correction = True
        self.run.stop(step.on)
        limit = self.add(self.receipt, CORRECTION_NOTICE_WORKING_DAYS)
        late_note = (
            f"（超过条例第三十条规定的7个工作日告知期限{limit.isoformat()}）"
            if step.on > limit
            else ""
        )
        self.steps.append(f"{step.on.isoformat()} 发出补正告知，答复期限停止计算{late_note}")

    def correction_received(self, step: _Step) -> None:
        if not self.awaiting_correction:
            raise step.reject("未发出补正告知，不能记录收到补正材料")
        self.awaiting_correction = False
        self.start = step.on
        self.run.restart(step.on)
        due = self.add(step.on, self.base)
        self.steps.append(
            f"{step.on.isoformat()} 收到补正材料，重新起算{self.base}个工作日 → {due.isoformat()}"
        )

    def pause_opened(self, step: _Step) -> None:
        kind = _PAUSE_OPEN[step.type]
        if self.awaiting_correction:
            raise step.reject("等待补正期间不能暂停计时")
        if kind == _FEE and self.open_pauses.get(_FEE):
            raise step.reject("已有未缴费的收费通知，不能重复发出")
        day = step.on.isoformat()
        if self.run.pause_from is not None:
            self.open_pauses[kind] = self.open_pauses.get(kind, 0) + 1
            labels = self.intervals[-1][2]
            if _PAUSE_LABELS[kind] not in labels:
                labels.append(_PAUSE_LABELS[kind])
            self.steps.append(f"{day} {_OPEN_TEXT[step.type]}（计时已暂停）")
            return
        run = self.run
        due_before = run.due_for(self.budget(), step.on)
        used = run.counted_upto(step.on)
        run.stop(step.on)
        run.pause_from = step.on
        self.intervals.append((step.on, None, [_PAUSE_LABELS[kind]]))
        self.open_pauses[kind] = 1
        if due_before is not None and step.on >= due_before:
            note = f"（答复期限已于{due_before.isoformat()}届满，暂停不影响到期日）"
        else:
            note = f"（已用{used}个工作日）"
        self.steps.append(f"{day} {_OPEN_TEXT[step.type]}，暂停计时{note}")

    def pause_closed(self, step: _Step) -> None:
        kind = _PAUSE_CLOSE[step.type]
        if not self.open_pauses.get(kind):
            opener = next(k for k, v in _PAUSE_OPEN.items() if v == kind)
            raise step.reject(f"没有未结的“{opener.label}”事件，不能记录“{step.type.label}”")
        self.open_pauses[kind] -= 1
        if not self.open_pauses[kind]:
            del self.open_pauses[kind]
        day = step.on.isoformat()
        if self.open_pauses:
            self.steps.append(f"{day} {_CLOSE_TEXT[step.type]}（仍有其他暂停事由，继续暂停）")
            return
        self.end_pauses(step.on)
        left = self.budget() - self.run.consumed
        due = self.due(step.on)
        if left > 0:
            self.steps.append(
                f"{day} {_CLOSE_TEXT[step.type]}，恢复计时，剩余{left}个工作日 → {due.isoformat()}"
            )
        else:
            self.steps.append(
                f"{day} {_CLOSE_TEXT[step.type]}（答复期限已于{due.isoformat()}届满）"
            )

    def extension_approved(self, step: _Step) -> None:
        extra_wd = step.extra_working_days
        if not _is_int(extra_wd) or not 1 <= extra_wd <= MAX_EXTENSION_WORKING_DAYS:
            raise step.reject("延期工作日数应为1至20之间的整数（条例第三十三条）")
        if self.extra:
            raise step.reject("延期答复只能批准一次（条例第三十三条）")
        if self.deferred_budget is not None:
            raise step.reject("已确定延迟答复期限，不能再批准延期")
        if self.awaiting_correction:
            raise step.reject("等待补正期间不能批准延期")
        original = self.run.due_for(self.base, step.on)
        assert original is not None
        if step.on > original:
            raise step.reject(
                f"延期应在原答复期限{original.isoformat()}届满前批准并告知申请人（条例第三十三条）"
            )
        self.extra = extra_wd
        day = step.on.isoformat()
        if self.run.pause_from is None:
            self.steps.append(
                f"{day} 批准延期{self.extra}个工作日 → {self.due(step.on).isoformat()}"
            )
        else:
            self.steps.append(f"{day} 批准延期{self.extra}个工作日（计时暂停中，恢复计时后顺延）")

    def reasons_requested(self, step: _Step) -> None:
        if self.reasons_pending:
            raise step.reject("已要求说明理由且尚未收到答复")
        if self.awaiting_correction:
            raise step.reject("等待补正期间不能要求说明理由")
        self.reasons_pending = True
        self.steps.append(
            f"{step.on.isoformat()} 要求申请人说明理由（条例第三十五条），答复期限继续计算"
        )

    def reasons_received_(self, step: _Step) -> None:
        if not self.reasons_pending:
            raise step.reject("未要求说明理由，不能记录收到理由")
        self.reasons_pending = False
        self.reasons_received = True
        self.steps.append(f"{step.on.isoformat()} 收到申请人说明的理由")

    def deferred_due_date_set(self, step: _Step) -> None:
        new_due = step.deferred_due
        if not _is_plain_date(new_due):
            raise step.reject("确定延迟答复期限须填写延迟答复日期（deferred_due）")
        if not self.reasons_received:
            raise step.reject(
                "须先要求申请人说明理由并收到理由，才能确定延迟答复期限（条例第三十五条）"
            )
        if self.deferred_budget is not None:
            raise step.reject("延迟答复期限已确定，不能再次确定")
        if self.run.run_from is None:
            raise step.reject("计时暂停或停止期间不能确定延迟答复期限")
        current = self.due(step.on)
        if new_due <= current or new_due <= step.on:
            raise step.reject(
                f"延迟答复期限应晚于现行答复期限{current.isoformat()}",
                deferred_due=new_due.isoformat(),
            )
        # Civil Code Art. 203: a period ending on a day off ends on the next working day.
        self.deferred_budget = self.run.counted_upto(new_due) + (
            0 if self.calendar.is_working_day(new_due) else 1
        )
        self.deferred_due = new_due
        self.steps.append(
            f"{step.on.isoformat()} 确定延迟答复期限（条例第三十五条）{new_due.isoformat()}"
            f" → {self.due(step.on).isoformat()}"
        )

    def reply_delivered(self, step: _Step) -> None:
        on = step.on
        day = on.isoformat()
        self.end_pauses(on)
        self.finished_on = on
        if self.awaiting_correction:
            self.finished = ClockState.MET
            self.steps.append(f"{day} 送达答复")
            return
        due = self.due(on)
        if on <= due:
            self.finished = ClockState.MET
            self.steps.append(f"{day} 送达答复，在答复期限{due.isoformat()}内")
        else:
            self.finished = ClockState.OVERDUE
            self.late_by = _late_by(self.calendar, due, on)
            self.steps.append(
                f"{day} 送达答复，超过答复期限（{due.isoformat()}）{self.late_by}个工作日"
            )

    def withdrawn(self, step: _Step) -> None:
        self.end_pauses(step.on)
        self.finished = ClockState.STOPPED
        self.finished_on = step.on
        self.steps.append(f"{step.on.isoformat()} 申请人撤回申请，停止计时")

    def closed(self, step: _Step) -> None:
        self.archived = True
        if self.finished is not None:
            self.steps.append(f"{step.on.isoformat()} 办结归档")
            return
        self.end_pauses(step.on)
        self.finished = ClockState.STOPPED
        self.finished_on = step.on
        self.steps.append(f"{step.on.isoformat()} 终止办理（行政机关不再处理），停止计时")

    # -- the result as of ``today`` ----------------------------------------------------------

    def state_on(
        self, today: date, reply_due: date | None, used: int
    ) -> tuple[ClockState, int, str | None]:
        """State, working days left and pause reason as of ``today``."""
        if self.finished is not None:
            return self.finished, 0, None
        if self.awaiting_correction:
            return ClockState.STOPPED, 0, _AWAITING_CORRECTION_LABEL
        assert reply_due is not None
        if today > reply_due:
            self.late_by = _late_by(self.calendar, reply_due, today)
            self.steps.append(
                f"截至{today.isoformat()}已超过答复期限（{reply_due.isoformat()}）"
                f"{self.late_by}个工作日"
            )
            return ClockState.OVERDUE, 0, None
        left = max(0, self.budget() - used)
        pause_from = self.run.pause_from
        if pause_from is None:
            return ClockState.RUNNING, left, None
        reason = "、".join(self.intervals[-1][2])
        resume = today if today > pause_from else pause_from
        self.steps.append(
            f"计时暂停中（{reason}）；如于{resume.isoformat()}恢复计时，"
            f"答复期限为{reply_due.isoformat()}"
        )
        return ClockState.PAUSED, left, reason

    def provisional(self, reply_due: date | None) -> bool:
        # original_due never exceeds reply_due (its budget is never larger).
        last_relied = self.last_event_on
        if reply_due is not None and reply_due > last_relied:
            last_relied = reply_due
        calendar = self.calendar
        if not calendar.range_is_provisional(self.receipt, last_relied):
            return False
        years = sorted(
            {
                y
                for y in range(self.receipt.year, last_relied.year + 1)
                if y not in calendar.official_years
            }
        )
        self.steps.append(
            f"注：{'、'.join(str(y) for y in years)}年国务院节假日安排尚未载入，"
            "相关日期为预计日期，载入正式安排后将重新计算"
        )
        return True

    def result(self, today: date) -> Clock:
        if self.awaiting_correction:
            original_due: date | None = None
            reply_due: date | None = None
        else:
            original_due = self.run.due_for(self.base, today)
            reply_due = self.run.due_for(self.budget(), today)
        finished_on = self.finished_on
        end_point = finished_on if finished_on is not None and finished_on < today else today
        used = self.run.counted_upto(end_point)
        state, left, pause_reason = self.state_on(today, reply_due, used)
        provisional = self.provisional(reply_due)
        return _new_clock(
            {
                "receipt_date": self.receipt,
                "start_date": self.start,
                "original_due": original_due,
                "reply_due": reply_due,
                "extended": bool(self.extra),
                "extension_days": self.extra,
                "paused_intervals": tuple(
                    PausedInterval(s, e, "、".join(lb)) for s, e, lb in self.intervals
                ),
                "working_days_used": used,
                "working_days_left": left,
                "state": state,
                "pause_reason": pause_reason,
                "provisional": provisional,
                "explanation": tuple(self.steps),
                "late_by_working_days": self.late_by,
                "deferred_due": self.deferred_due,
                "base_working_days": self.base,
            }
        )


_HANDLERS: dict[ClockEventType, Callable[[_ClockFold, _Step], None]] = {
    ClockEventType.CORRECTION_REQUESTED: _ClockFold.correction_requested,
    ClockEventType.CORRECTION_RECEIVED: _ClockFold.correction_received,
    ClockEventType.THIRD_PARTY_CONSULT_SENT: _ClockFold.pause_opened,
    ClockEventType.FEE_NOTICE_SENT: _ClockFold.pause_opened,
    ClockEventType.THIRD_PARTY_REPLY_RECEIVED: _ClockFold.pause_closed,
    ClockEventType.FEE_PAID: _ClockFold.pause_closed,
    ClockEventType.FEE_WAIVED: _ClockFold.pause_closed,
    ClockEventType.EXTENSION_APPROVED: _ClockFold.extension_approved,
    ClockEventType.REASONS_REQUESTED: _ClockFold.reasons_requested,
    ClockEventType.REASONS_RECEIVED: _ClockFold.reasons_received_,
    ClockEventType.DEFERRED_DUE_DATE_SET: _ClockFold.deferred_due_date_set,
    ClockEventType.REPLY_DELIVERED: _ClockFold.reply_delivered,
    ClockEventType.WITHDRAWN: _ClockFold.withdrawn,
    ClockEventType.CLOSED: _ClockFold.closed,
}
assert set(_HANDLERS) == set(ClockEventType), "every event type needs a handler"


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
    fold = _ClockFold(calendar, receipt_date, base_working_days, channel)
    for index, ev in enumerate(events):
        fold.apply(_validated(index, ev, receipt_date, fold.last_event_on))
    return fold.result(today)


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
