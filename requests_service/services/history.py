"""The audit trail: every state change and recorded fact becomes one ``CaseEvent``, and the
ones the outside cares about also an outbox event in the same transaction."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import Insert, bindparam, insert, select
from sqlalchemy.orm import Session

from requests_service.db.base import utcnow
from requests_service.db.models import Case, CaseEvent, OutboxEvent
from requests_service.db.statements import prepared_insert
from requests_service.domain.lifecycle import CaseState, Role
from requests_service.services import outbox
from requests_service.services.access import Actor
from requests_service.services.audit import (
    CASE_EVENT_CONTENT,
    seal_case_event,
    seal_first_case_event,
)

# Chinese labels of the events that are not lifecycle actions (those carry Action.label), so a
# timeline never shows "letter_issued" to a person.
EVENT_LABELS = {
    "submit": "在线提交申请",
    "extension_requested": "申请延期（待审核负责人同意）",
    "annual_report_inputs": "填报年度报告内容",
    "enrolment_create": "生成一次性登记码",
    "notification_preferences": "修改通知方式或退订",
    "notification_resend": "重新发送通知",
    "webhook_create": "新建回调订阅",
    "webhook_update": "修改回调订阅",
    "webhook_resend": "重新投递回调",
    "assign": "指派承办人",
    "update": "修改申请信息",
    "note": "添加内部备注",
    "attachment": "上传附件",
    "letter_draft": "起草文书",
    "letter_edit": "修改文书",
    "letter_approve": "审核文书",
    "letter_issue_requested": "提交签发文书",
    "letter_issue_retry": "重新签发文书",
    "letter_issue_failed": "文书签发失败",
    "letter_issued": "签发文书",
    "letter_delivered": "送达文书",
    "propose_fee": "提出收费建议",
    "decline_fee": "决定不收费",
    "reduce_fee": "减免费用",
    "refund_fee": "退还费用",
    "file_difficult_case": "疑难件报备",
    "filing_receive": "监督机构接收报备",
    "filing_give_guidance": "监督机构给出指导意见",
    "filing_close": "报备办结",
    "remedy_recorded": "登记复议/诉讼",
    "remedy_updated": "更新复议/诉讼结果",
    "topic_regrouped": "重新归并相似申请主题",
}


def event_label(action: str) -> str:
    """The Chinese label of any case event."""
    from requests_service.domain.lifecycle import Action

    try:
        return Action(action).label
    except ValueError:
        return EVENT_LABELS.get(action, "其他事项")


def record_event(
    session: Session,
    case: Case,
    *,
    actor: Actor,
    role: Role,
    action: str,
    from_state: CaseState | None,
    to_state: CaseState | None,
    effective_on: date | None = None,
    public: bool = False,
    data: dict[str, Any] | None = None,
    new_case: bool = False,
) -> None:
    """``new_case``: the case was inserted in this transaction and this is its first event.

    A new case's first event is written at once with Core, audit row and outbox row one
    statement on PostgreSQL, two on SQLite (issue 16: as ORM objects, the unit of work's
    bookkeeping cost more than the INSERTs).  Later events stay ORM objects: a use case writing
    several flushes them together."""
    occurred_at = utcnow()
    row: dict[str, Any] = {
        "case_id": case.id,
        "action": action,
        "from_state": from_state,
        "to_state": to_state,
        "actor_user_id": actor.user_id,
        "actor_role": role,
        "actor_name": actor.name,
        "occurred_at": occurred_at,
        "effective_on": effective_on,
        "public": public,
        "data": data or {},
    }
    if new_case:
        row.update(seal_first_case_event(row))
        _insert_first_event(session, case, row)
        return
    event = CaseEvent(**row)
    seal_case_event(session, event)
    session.add(event)
    # The outbox row rides on the same transaction as the audit row: both or neither.
    outbox.publish_case_action(session, case, action, data, occurred_at, public=public)


def _insert_first_event(session: Session, case: Case, row: dict[str, Any]) -> None:
    """A new case's first audit row (sealed) and its outbox row, if the action is published."""
    published = outbox.case_action_row(
        case, row["action"], row["data"], row["occurred_at"], public=row["public"]
    )
    if published is None:
        session.execute(_INSERT_EVENT, row)
        return
    if session.get_bind().dialect.name == "postgresql":
        # One statement: the audit row's INSERT a data-modifying CTE of the outbox row's.
        params = {f"outbox_{name}": value for name, value in published.items()}
        params.update(row)
        session.execute(_event_with_outbox_insert(), params)
    else:
        session.execute(_INSERT_EVENT, row)
        session.execute(_OUTBOX_INSERT, published)
    outbox.written(session, published, case)


_EVENTS = CaseEvent.metadata.tables[CaseEvent.__tablename__]
_OUTBOX = OutboxEvent.metadata.tables[OutboxEvent.__tablename__]
# Built once (a new case's first event, sealed without reads, and its outbox row).
_INSERT_EVENT = prepared_insert(_EVENTS, (*CASE_EVENT_CONTENT, "prev_hash", "hash"))
_OUTBOX_INSERT = prepared_insert(_OUTBOX, outbox.ROW_COLUMNS)


@lru_cache(maxsize=1)
def _event_with_outbox_insert() -> Insert:
    """PostgreSQL: ``WITH new_event AS (INSERT INTO case_events …) INSERT INTO outbox_events
    …`` (issue 16: one statement fewer a submission).  The outbox row's parameters are its
    columns' names prefixed ``outbox_`` (both tables have ``case_id`` and ``occurred_at``)."""
    values = {
        name: bindparam(f"outbox_{name}", type_=_OUTBOX.c[name].type) for name in outbox.ROW_COLUMNS
    }
    return insert(_OUTBOX).values(values).add_cte(_INSERT_EVENT.cte("new_event"))


# Which events the applicant sees (their public timeline) and the order of every timeline:
# the rule this module owns, which the tracking view's own statement (services/public_view.py)
# is built from too.
PUBLIC_EVENTS = _EVENTS.c.public.is_(True)
TIMELINE_ORDER = (_EVENTS.c.occurred_at, _EVENTS.c.id)

_EVENTS_OF = select(CaseEvent).where(CaseEvent.case_id == bindparam("case_id"))
# Built once.
_CASE_EVENTS = {
    public_only: (_EVENTS_OF.where(PUBLIC_EVENTS) if public_only else _EVENTS_OF).order_by(
        *TIMELINE_ORDER
    )
    for public_only in (False, True)
}


def case_events(session: Session, case_id: int, *, public_only: bool = False) -> list[CaseEvent]:
    """A case's events as entities, in timeline order; ``public_only``: those the applicant
    sees (:data:`PUBLIC_EVENTS`)."""
    return list(session.scalars(_CASE_EVENTS[public_only], {"case_id": case_id}))
