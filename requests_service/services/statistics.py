"""Statistics of applications per agency and period, and the statutory annual report.

Two read-only use cases over the same case data:

* :func:`period_statistics` — the working figures an agency or the oversight office watches:
  applications received (by channel and applicant type), outcomes, timeliness, extensions,
  fees, open and overdue cases, topics converted to proactive disclosure.
* :func:`annual_report` — sections 三 and 四 of the annual report that 《政府信息公开条例》
  第四十九条、第五十条 require (format: 国办公开办函〔2021〕30号), computed by
  :mod:`requests_service.domain.statistics` from plain records read here in one query each.

Both count a case as *finished* on the earlier of its reply and its closure
(:func:`requests_service.domain.statistics.finished_on`), so the outcome counts of a calendar
year's statistics equal section 三's results, and its ``pending_at_end`` equals section 三
row 四 (结转下年度继续办理) — the tests cross-check this.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Final, cast

from sqlalchemy import String, and_, case, func, inspect, or_, select, type_coerce
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from requests_service.db.models import Agency, Applicant, Case, CaseEvent, FeeAssessment
from requests_service.db.models import RemedyRecord as RemedyRow
from requests_service.domain.channels import Channel
from requests_service.domain.errors import NotFound, RuleViolation
from requests_service.domain.identity import ApplicantType
from requests_service.domain.lifecycle import OPEN_STATES, CaseState
from requests_service.domain.outcomes import Outcome, OutcomeGroup
from requests_service.domain.statistics import (
    APPLICANT_COLUMNS,
    REMEDY_KINDS,
    REMEDY_RESULTS,
    TOTAL,
    CaseRecord,
    RemedyKind,
    RemedyRecord,
    RemedyResult,
    Section3,
    Section4,
    annual_report_section3,
    annual_report_section4,
    check_identity,
    to_dict,
)
from requests_service.domain.topic_status import TopicStatus
from requests_service.services.access import Actor, descendant_agency_ids
from requests_service.services.clock import SHANGHAI, legal_today, load_calendar

__all__ = [
    "FIRST_REPORT_YEAR",
    "agency_names",
    "annual_report",
    "period_statistics",
    "report_table",
    "report_to_dict",
    "scope_agency_ids",
    "validate_period",
    "validate_report_year",
]

FIRST_REPORT_YEAR: Final = 2008
"""The Regulations (first version) took effect on 1 May 2008: no report year before it."""

MAX_PERIOD_DATE: Final = date(2100, 12, 31)
MIN_PERIOD_DATE: Final = date(2000, 1, 1)

# A legal person whose organisation type is missing cannot be placed in a column of
# section 三; the domain lists such a record under ``anomalies``.
UNCLASSIFIED: Final = "unclassified"
_UNCLASSIFIED_LEGAL_PERSON: Final = "legal_person（未填写组织类型）"

_PAUSED_STATES: Final = tuple(s for s in CaseState if s.clock_paused)
_CENT: Final = Decimal("0.01")


# --- scope and input checks -------------------------------------------------------------------


def scope_agency_ids(
    session: Session, actor: Actor, agency_id: int | None, rollup: bool
) -> list[int]:
    """The agencies a figure covers: ``agency_id`` (default the actor's own) and, with
    ``rollup``, every agency below it in the hierarchy.

    The actor must be allowed to see the agency (an oversight office sees the agencies under
    it, everyone else only their own); otherwise :class:`NotFound`, so that the existence of
    other offices' agencies is not revealed.  Agencies below it that the actor may not see
    are left out of a roll-up.
    """
    root = actor.agency_id if agency_id is None else agency_id
    if root is None or root not in actor.visible_agency_ids:
        raise NotFound("机关不存在。", agency_id=agency_id)
    if session.get(Agency, root) is None:
        raise NotFound("机关不存在。", agency_id=agency_id)
    if not rollup:
        return [root]
    return sorted(descendant_agency_ids(session, root) & set(actor.visible_agency_ids))


def validate_period(date_from: date, date_to: date) -> None:
    """A period must not end before it starts and must lie in 2000–2100."""
    if date_to < date_from:
        raise RuleViolation(
            "结束日期不能早于开始日期。", fields={"date_to": ["结束日期早于开始日期。"]}
        )
    for name, value in (("date_from", date_from), ("date_to", date_to)):
        if not MIN_PERIOD_DATE <= value <= MAX_PERIOD_DATE:
            raise RuleViolation(
                f"日期超出统计范围（{MIN_PERIOD_DATE.isoformat()}至{MAX_PERIOD_DATE.isoformat()}）。",
                fields={name: ["日期超出范围。"]},
            )


def validate_report_year(year: int, today: date | None = None) -> None:
    """A report year lies between 2008 (the Regulations took effect) and next year."""
    last = (today or legal_today()).year + 1
    if not FIRST_REPORT_YEAR <= year <= last:
        raise RuleViolation(
            f"年度报告的年份应在{FIRST_REPORT_YEAR}年至{last}年之间（收到：{year}）。",
            fields={"year": [f"应在{FIRST_REPORT_YEAR}至{last}之间。"]},
        )


def agency_names(session: Session, agency_ids: Iterable[int]) -> dict[int, str]:
    ids = list(agency_ids)
    rows = session.execute(select(Agency.id, Agency.name).where(Agency.id.in_(ids))).all()
    return {agency_id: name for agency_id, name in rows}


# --- shared SQL expressions -------------------------------------------------------------------


def _applicant_column() -> ColumnElement[str]:
    """Section 三 column of the case's applicant, as a plain string computed in SQL."""
    organisation = type_coerce(Applicant.organisation_type, String())
    return case(
        (
            type_coerce(Applicant.applicant_type, String()) == ApplicantType.NATURAL_PERSON.value,
            ApplicantType.NATURAL_PERSON.value,
        ),
        else_=func.coalesce(organisation, _UNCLASSIFIED_LEGAL_PERSON),
    )


def _column_of(applicant_type: str, organisation_type: str | None) -> str:
    """Python twin of :func:`_applicant_column`."""
    if applicant_type == ApplicantType.NATURAL_PERSON.value:
        return applicant_type
    return organisation_type or _UNCLASSIFIED_LEGAL_PERSON


def _finished_on() -> ColumnElement[date]:
    """SQL twin of ``domain.statistics.finished_on``: the earlier of reply and closure."""
    return case(
        (Case.replied_on.is_(None), Case.closed_on),
        (Case.closed_on.is_(None), Case.replied_on),
        (Case.replied_on <= Case.closed_on, Case.replied_on),
        else_=Case.closed_on,
    )


def _within(column: Any, date_from: date, date_to: date) -> ColumnElement[bool]:
    return and_(column >= date_from, column <= date_to)


def _money(value: Any) -> str:
    return str(Decimal(value or 0).quantize(_CENT))


def _utc_start(day: date) -> datetime:
    """00:00 Asia/Shanghai of ``day`` in UTC (timestamps are stored in UTC)."""
    return datetime.combine(day, time.min, tzinfo=SHANGHAI).astimezone(UTC)


# --- period statistics ------------------------------------------------------------------------


def period_statistics(
    session: Session,
    agency_ids: Sequence[int],
    date_from: date,
    date_to: date,
    *,
    today: date | None = None,
) -> dict[str, Any]:
    """Figures of ``agency_ids`` for the period ``date_from``–``date_to`` (both inclusive).

    * ``received``: cases whose legal receipt date (Art. 31) lies in the period, by channel,
      by section 三 applicant column and as a channel × column matrix.
    * ``outcomes``: cases *finished* in the period (earlier of reply and closure), by outcome.
    * ``timeliness``: cases replied in the period — on time when ``replied_on <= due_on``
      (cases without a stored due date are left out), and the average number of working days
      from receipt to reply, gross: pauses (correction, consultation, fees) are not subtracted.
    * ``extensions``: extensions (Art. 33) approved in the period.
    * ``fees``: collected (paid in the period), waived, refunded — as ``services.fees``.
    * ``open``: cases open today (state; a signed reply awaiting delivery is open) that were
      received by ``as_of`` = min(date_to, today); overdue = open, not replied by ``as_of``,
      clock not paused, stored due date before ``as_of``.
    * ``pending_at_end``: received by ``date_to`` and not finished by then (for a calendar
      year: section 三 row 四).
    * ``topics_converted``: frequent-request topics converted to proactive disclosure
      (Art. 44) with the decision in the period.
    """
    validate_period(date_from, date_to)
    today = today or legal_today()
    as_of = min(date_to, today)
    ids = list(agency_ids)
    notes: list[str] = []
    scope = Case.agency_id.in_(ids)

    received = _received(session, scope, date_from, date_to)
    if received[UNCLASSIFIED]:
        notes.append(
            f"有{received[UNCLASSIFIED]}件申请的申请人为法人或其他组织但未填写组织类型，"
            "未计入任何申请人类型列（见received.unclassified）。"
        )
    outcomes = _outcomes(session, scope, date_from, date_to)
    if outcomes["without_outcome"]:
        notes.append(
            f"有{outcomes['without_outcome']}件已办结的申请未记录办理结果，未计入各办理结果。"
        )
    timeliness = _timeliness(session, scope, date_from, date_to, notes)
    notes.append(
        "按期答复率只统计统计期内作出答复（replied_on）且有答复期限（due_on）的申请；"
        "平均答复用时为收到申请之日至答复之日的工作日数（毛时长，补正、征求意见、"
        "缴费等暂停期间未扣除）。"
    )
    open_figures = _open(session, scope, as_of)
    notes.append(
        "未办结与逾期按案件当前状态统计（答复已签发待送达的也属未办结）：统计截止日为"
        "统计期结束日与今天中较早者，只计该日前收到的申请；逾期指截止日尚未答复、"
        "未暂停计时且答复期限早于截止日。"
    )
    topics, topic_note = _topics_converted(session, ids, date_from, date_to)
    if topic_note:
        notes.append(topic_note)
    return {
        "agency_ids": ids,
        "date_from": date_from,
        "date_to": date_to,
        "as_of": as_of,
        "received": received,
        "outcomes": outcomes,
        "timeliness": timeliness,
        "extensions": _extensions(session, scope, date_from, date_to),
        "fees": _fees(session, ids, date_from, date_to),
        "open": open_figures,
        "pending_at_end": _pending_at_end(session, scope, date_to),
        "topics_converted": topics,
        "notes": notes,
    }


def _received(
    session: Session, scope: ColumnElement[bool], date_from: date, date_to: date
) -> dict[str, Any]:
    channel = type_coerce(Case.channel, String())
    applicant_type = type_coerce(Applicant.applicant_type, String())
    organisation_type = type_coerce(Applicant.organisation_type, String())
    grouped = session.execute(
        select(channel, applicant_type, organisation_type, func.count())
        .join(Applicant, Applicant.id == Case.applicant_id)
        .where(scope, _within(Case.receipt_date, date_from, date_to))
        .group_by(channel, applicant_type, organisation_type)
    ).all()
    rows = [(ch, _column_of(kind, org), n) for ch, kind, org, n in grouped]
    columns = [c.value for c in APPLICANT_COLUMNS]
    matrix = {ch.value: dict.fromkeys([*columns, UNCLASSIFIED, TOTAL], 0) for ch in Channel}
    for channel_value, col, count in rows:
        cells = matrix.setdefault(channel_value, dict.fromkeys([*columns, UNCLASSIFIED, TOTAL], 0))
        key = col if col in columns else UNCLASSIFIED
        cells[key] += int(count)
        cells[TOTAL] += int(count)
    by_column = {c: sum(cells[c] for cells in matrix.values()) for c in [*columns, UNCLASSIFIED]}
    return {
        "total": sum(cells[TOTAL] for cells in matrix.values()),
        "by_channel": [
            {"key": ch.value, "label": ch.label, "count": matrix[ch.value][TOTAL]} for ch in Channel
        ],
        "by_applicant": [
            {"key": c.value, "label": c.label, "count": by_column[c.value]}
            for c in APPLICANT_COLUMNS
        ],
        UNCLASSIFIED: by_column[UNCLASSIFIED],
        "matrix": [
            {
                "channel": ch.value,
                "label": ch.label,
                "values": {k: v for k, v in matrix[ch.value].items() if k != UNCLASSIFIED},
            }
            for ch in Channel
        ],
    }


def _outcomes(
    session: Session, scope: ColumnElement[bool], date_from: date, date_to: date
) -> dict[str, Any]:
    rows = session.execute(
        select(type_coerce(Case.outcome, String()), func.count())
        .where(scope, _within(_finished_on(), date_from, date_to))
        .group_by(Case.outcome)
    ).all()
    counts = {outcome: int(count) for outcome, count in rows}
    valid = {o.value for o in Outcome}
    without = sum(n for key, n in counts.items() if key not in valid)
    items: list[dict[str, Any]] = [
        {
            "key": o.value,
            "label": o.label,
            "group": o.group.value,
            "group_label": o.group.label,
            "count": counts.get(o.value, 0),
        }
        for o in Outcome
    ]
    groups = [
        {
            "key": g.value,
            "label": g.label,
            "count": sum(i["count"] for i in items if i["group"] == g.value),
        }
        for g in OutcomeGroup
    ]
    return {
        "finished": sum(counts.values()),
        "total": sum(i["count"] for i in items),
        "without_outcome": without,
        "items": items,
        "groups": groups,
    }


def _timeliness(
    session: Session,
    scope: ColumnElement[bool],
    date_from: date,
    date_to: date,
    notes: list[str],
) -> dict[str, Any]:
    replied = _within(Case.replied_on, date_from, date_to)
    on_time = case((Case.replied_on <= Case.due_on, 1), else_=0)
    totals = session.execute(
        select(
            func.count(),
            func.count(Case.due_on),
            func.coalesce(func.sum(on_time), 0),
        ).where(scope, replied, Case.receipt_date.is_not(None))
    ).one()
    n_replied, n_due, n_on_time = (int(v or 0) for v in totals)
    # One row per (receipt, reply) pair: few rows even for a large agency.
    pairs = session.execute(
        select(Case.receipt_date, Case.replied_on, func.count())
        .where(scope, replied, Case.receipt_date.is_not(None))
        .group_by(Case.receipt_date, Case.replied_on)
    ).all()
    average: float | None = None
    if pairs:
        calendar = load_calendar(session)
        total_days = 0
        provisional = False
        for receipt, reply, count in pairs:
            if receipt is None or reply is None:  # excluded by the query; narrows the type
                continue
            total_days += calendar.working_days_between(receipt, reply) * int(count)
            provisional = provisional or calendar.range_is_provisional(receipt, reply)
        average = round(total_days / n_replied, 2) if n_replied else None
        if provisional:
            notes.append("部分答复用时涉及尚未载入国务院节假日安排的年份，按预估日历计算。")
    return {
        "replied": n_replied,
        "with_due_date": n_due,
        "without_due_date": n_replied - n_due,
        "on_time": n_on_time,
        "late": n_due - n_on_time,
        "on_time_rate": round(n_on_time / n_due, 4) if n_due else None,
        "average_working_days": average,
    }


def _extensions(
    session: Session, scope: ColumnElement[bool], date_from: date, date_to: date
) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(CaseEvent)
            .join(Case, Case.id == CaseEvent.case_id)
            .where(
                scope,
                CaseEvent.action == "extend",
                _within(CaseEvent.effective_on, date_from, date_to),
            )
        )
        or 0
    )


def _fees(
    session: Session, agency_ids: Sequence[int], date_from: date, date_to: date
) -> dict[str, Any]:
    """Same semantics as ``services.fees.fee_totals``, summed over the agencies."""
    scope = FeeAssessment.agency_id.in_(list(agency_ids))
    out: dict[str, Any] = {}
    queries = (
        ("notices_issued", "amount_noticed", FeeAssessment.amount, FeeAssessment.notice_issued_on),
        ("payments", "collected", FeeAssessment.paid_amount, FeeAssessment.paid_on),
        ("waivers", "waived", FeeAssessment.amount_due, FeeAssessment.waived_on),
        ("refunds", "refunded", FeeAssessment.refund_amount, FeeAssessment.refunded_on),
    )
    amounts: dict[str, Decimal] = {}
    for count_key, sum_key, amount_col, date_col in queries:
        count, amount = session.execute(
            select(func.count(), func.coalesce(func.sum(amount_col), 0)).where(
                scope, _within(date_col, date_from, date_to)
            )
        ).one()
        out[count_key] = int(count or 0)
        amounts[sum_key] = Decimal(amount or 0).quantize(_CENT)
        out[sum_key] = _money(amounts[sum_key])
    out["net_collected"] = _money(amounts["collected"] - amounts["refunded"])
    return out


def _open(session: Session, scope: ColumnElement[bool], as_of: date) -> dict[str, Any]:
    open_now = and_(
        scope,
        Case.state.in_(OPEN_STATES),
        or_(Case.receipt_date.is_(None), Case.receipt_date <= as_of),
    )
    paused = Case.state.in_(_PAUSED_STATES)
    # A signed reply is not late however long its delivery takes: overdue means no reply yet.
    not_replied = or_(Case.replied_on.is_(None), Case.replied_on > as_of)
    overdue = and_(Case.state.not_in(_PAUSED_STATES), not_replied, Case.due_on < as_of)
    n_open, n_paused, n_delivery, n_overdue = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((paused, 1), else_=0)), 0),
            func.coalesce(func.sum(case((Case.state == CaseState.REPLIED, 1), else_=0)), 0),
            func.coalesce(func.sum(case((overdue, 1), else_=0)), 0),
        ).where(open_now)
    ).one()
    return {
        "as_of": as_of,
        "open": int(n_open or 0),
        "paused": int(n_paused or 0),
        "awaiting_delivery": int(n_delivery or 0),
        "overdue": int(n_overdue or 0),
    }


def _pending_at_end(session: Session, scope: ColumnElement[bool], date_to: date) -> int:
    finished = _finished_on()
    return int(
        session.scalar(
            select(func.count()).where(
                scope,
                Case.receipt_date <= date_to,
                or_(finished.is_(None), finished > date_to),
            )
        )
        or 0
    )


def _topics_converted(
    session: Session, agency_ids: Sequence[int], date_from: date, date_to: date
) -> tuple[int, str | None]:
    """Topics converted to proactive disclosure (Art. 44) decided in the period.

    The ``topics`` table arrives with the frequent-requests feature; until its model and
    table exist the figure is 0 with a note.
    """
    try:
        from requests_service.db.models import Topic
    except ImportError:
        return 0, "尚未启用“同类申请转为主动公开”功能，转为主动公开数计为0。"
    if not inspect(session.connection()).has_table(Topic.__tablename__):
        return 0, "尚未启用“同类申请转为主动公开”功能，转为主动公开数计为0。"
    count = session.scalar(
        select(func.count())
        .select_from(Topic)
        .where(
            Topic.agency_id.in_(list(agency_ids)),
            Topic.status == TopicStatus.CONVERTED,
            Topic.decided_at >= _utc_start(date_from),
            Topic.decided_at < _utc_start(date_to + timedelta(days=1)),
        )
    )
    return int(count or 0), None


# --- annual report ----------------------------------------------------------------------------


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a large batch of acyclic objects (result rows,
    records) is built: at 100,000 cases its repeated scans cost a third of the report's time.
    Reference counting still frees everything; the collector is re-enabled afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def annual_report(session: Session, agency_ids: Sequence[int], year: int) -> dict[str, Any]:
    """Sections 三 and 四 of ``year``'s annual report for ``agency_ids`` (rules.md §c, §f).

    Returns ``{"year", "agency_ids", "section3": Section3, "section4": Section4,
    "identity_violations": [...], "anomalies": [...], "notes": [...]}`` — the sections are the
    domain's objects (:func:`report_to_dict` makes JSON of them; ``services.report_formats``
    makes CSV).

    Cases: one query for those received by 31 December and not finished before 1 January
    (cases without a legal receipt date, i.e. not yet registered, are not applications
    received in the sense of Art. 31 and are left out).  Remedies: the agencies'
    reconsiderations and lawsuits filed by 31 December and not decided before 1 January.
    """
    start, end = date(year, 1, 1), date(year, 12, 31)
    ids = list(agency_ids)
    # Core execution on the session's connection (same transaction): plain column rows need
    # none of the ORM's result machinery (about 0.15 s saved at 100,000 cases).
    connection = session.connection()
    with _gc_paused():
        rows = connection.execute(
            select(
                Case.id,
                Case.receipt_date,
                _applicant_column(),
                type_coerce(Case.outcome, String()),
                Case.replied_on,
                Case.closed_on,
            )
            .join(Applicant, Applicant.id == Case.applicant_id)
            .where(
                Case.agency_id.in_(ids),
                Case.receipt_date <= end,
                or_(Case.replied_on.is_(None), Case.replied_on >= start),
                or_(Case.closed_on.is_(None), Case.closed_on >= start),
            )
        ).all()
        case_ids = [r[0] for r in rows]
        section3 = annual_report_section3(
            [
                CaseRecord(receipt, column, outcome, replied, closed)
                for _, receipt, column, outcome, replied, closed in rows
                if receipt is not None  # excluded by the query; narrows the type
            ],
            year,
        )
    remedy_rows = connection.execute(
        select(
            RemedyRow.id,
            RemedyRow.kind,
            RemedyRow.result,
            RemedyRow.decided_on,
            RemedyRow.filed_on,
        ).where(
            RemedyRow.agency_id.in_(ids),
            RemedyRow.filed_on <= end,
            or_(RemedyRow.decided_on.is_(None), RemedyRow.decided_on >= start),
        )
    ).all()
    remedy_ids = [r[0] for r in remedy_rows]
    section4 = annual_report_section4(
        [
            RemedyRecord(
                kind=cast(Any, RemedyKind(r[1]).value),
                result=cast(Any, RemedyResult(r[2]).value),
                decided_on=r[3],
                filed_on=r[4],
            )
            for r in remedy_rows
        ],
        year,
    )
    anomalies = [
        {
            "section": "三",
            "case_id": case_ids[a.index],
            "remedy_record_id": None,
            "reason": a.reason,
        }
        for a in section3.anomalies
    ] + [
        {
            "section": "四",
            "case_id": None,
            "remedy_record_id": remedy_ids[a.index],
            "reason": a.reason,
        }
        for a in section4.anomalies
    ]
    return {
        "year": year,
        "agency_ids": ids,
        "section3": section3,
        "section4": section4,
        "identity_violations": check_identity(section3),
        "anomalies": anomalies,
        "notes": _report_notes(year, anomalies),
    }


def _report_notes(year: int, anomalies: list[dict[str, Any]]) -> list[str]:
    notes = [
        "第三部分：本年新收按法定收到申请日期（条例第三十一条）统计；办结日期取答复日期与"
        "终止（撤回、视为放弃）日期中较早者；尚未登记、未确定收到日期的申请不计入。",
        "第四部分：统计本年度内申请或起诉、且未在本年度之前审结的复议和诉讼；"
        f"截至{year}年12月31日尚未审结的计入“尚未审结”。",
    ]
    if anomalies:
        notes.append(f"有{len(anomalies)}条记录数据有误，未计入报表，请核实（见anomalies）。")
    return notes


def report_to_dict(report: Mapping[str, Any], names: Mapping[int, str]) -> dict[str, Any]:
    """JSON-ready form of :func:`annual_report`'s result."""
    section3 = to_dict(report["section3"])
    section4 = to_dict(report["section4"])
    section3["anomalies"] = [a for a in report["anomalies"] if a["section"] == "三"]
    section4["anomalies"] = [a for a in report["anomalies"] if a["section"] == "四"]
    return {
        "year": report["year"],
        "agency_ids": list(report["agency_ids"]),
        "agencies": [{"id": i, "name": names.get(i, "")} for i in report["agency_ids"]],
        "section3": section3,
        "section4": section4,
        "identity_violations": list(report["identity_violations"]),
        "anomalies": list(report["anomalies"]),
        "notes": list(report["notes"]),
    }


def report_table(report: Mapping[str, Any], scope_label: str) -> dict[str, Any]:
    """Context for the printed table (``letter_templates/annual_report.html.j2``)."""
    section3: Section3 = report["section3"]
    section4: Section4 = report["section4"]
    s3 = to_dict(section3)
    s4 = to_dict(section4)
    column_keys = [c["key"] for c in s3["columns"]]
    return {
        "year": report["year"],
        "scope_label": scope_label,
        "generated_on": legal_today(),
        "s3_columns": s3["columns"],
        "s3_rows": [
            {
                "key": r["key"],
                "label": r["label"],
                "level": r["level"],
                "cells": None if r["values"] is None else [r["values"][k] for k in column_keys],
            }
            for r in s3["rows"]
        ],
        "s4_results": [c["label"] for c in s4["columns"]],
        "s4_values": [
            section4.cell(kind.value, result) for kind in REMEDY_KINDS for result in REMEDY_RESULTS
        ],
        "identity_violations": list(report["identity_violations"]),
        "anomaly_count": len(report["anomalies"]),
    }
