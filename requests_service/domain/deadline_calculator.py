"""The public deadline calculator and the deadline vectors (vectors.json): JSON in, JSON out.

Parses and validates the untrusted JSON shape, then asks :mod:`requests_service.domain.deadlines`.
Every bad input raises ``RuleViolation`` naming the offending field; nothing else escapes, because
this backs a public endpoint.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from requests_service.domain.calendar import WorkingCalendar
from requests_service.domain.channels import Channel, receipt_date
from requests_service.domain.deadlines import (
    MAX_EVENTS,
    ClockEvent,
    ClockEventType,
    compute_clock,
    correction_notice_due,
    fee_payment_due,
    third_party_opinion_due,
)
from requests_service.domain.errors import DomainError, RuleViolation

__all__ = ["evaluate_deadline_vector"]


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


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
