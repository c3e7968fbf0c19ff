"""Read models of a case for officers: the detail view, the list, notes and attachments."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import BindParameter, bindparam, select
from sqlalchemy.orm import Session

from requests_service.db.models import (
    Agency,
    Applicant,
    Attachment,
    Case,
    FeeAssessment,
    Note,
    User,
)
from requests_service.db.reads import Part, split_parts, tagged_union
from requests_service.domain.deadlines import correction_notice_due
from requests_service.domain.errors import Conflict, NotFound
from requests_service.domain.lifecycle import CaseFacts, Role, allowed_actions
from requests_service.services import attachments as attachment_service
from requests_service.services.access import Actor
from requests_service.services.cases import get_case_for, visible_or_404
from requests_service.services.clock import case_clock, load_calendar
from requests_service.services.fees import assessments_of
from requests_service.services.history import record_event
from requests_service.services.queries import CaseFilters, case_list_criteria, page_with_total
from requests_service.services.unit_of_work import UnitOfWork
from requests_service.services.views import Annotated, Record, record

__all__ = [
    "MASKED_APPLICANT",
    "AttachmentFileMissing",
    "Case",
    "CaseFilters",
    "add_note",
    "attachment_file",
    "case_attachments",
    "case_detail",
    "case_notes",
    "list_cases",
    "next_actions",
    "read_case_for",
]


class AttachmentFileMissing(Exception):
    """The attachment's row exists but its file is gone from the upload directory."""


def next_actions(case: Case | Record, roles: frozenset[Role]) -> list[dict[str, str]]:
    """The lifecycle actions any of the actor's roles may take now, with their labels."""
    facts = CaseFacts(
        correction_requested_before=case.correction_requested, extended_before=case.extended
    )
    actions: dict[str, dict[str, str]] = {}
    for role in roles:
        for action in allowed_actions(case.state, role, facts):
            actions[action.value] = {"action": action.value, "label": action.label}
    return sorted(actions.values(), key=lambda a: a["action"])


def case_detail(
    session: Session, case: Case | Record, roles: frozenset[Role], **extra: Any
) -> Annotated[Case | Record]:
    """The stored case plus next actions, the live clock, the agency's own correction-notice
    deadline (7 working days from receipt, Art. 30) and the fee assessments."""
    calendar = load_calendar(session)
    return Annotated(
        case,
        allowed_actions=next_actions(case, roles),
        clock=case_clock(session, case, calendar=calendar),
        correction_notice_due_on=(
            correction_notice_due(calendar, case.receipt_date) if case.receipt_date else None
        ),
        # A record read for the view has its fees (read in the same statement).
        fees=case.fees if isinstance(case, Record) else assessments_of(session, case.id),
        **extra,
    )


# What the officer's case detail reads (``CaseDetailSchema``, its ETag, the clock and the next
# actions), as one Core SELECT of these columns instead of the case's 44, the agency's 30, the
# applicant's 16 and the assignee's 7 built into four ORM entities (issue 16).
_DETAIL_CASE = (
    "id",
    "version",
    "case_number",
    "agency_id",
    "state",
    "channel",
    "requested_information",
    "receipt_date",
    "due_on",
    "due_provisional",
    "clock_state",
    "clock_inputs",
    "extended",
    "assignee_id",
    "outcome",
    "updated_at",
    "tracking_code",
    "description_hint",
    "delivery_form",
    "delivery_method",
    "submitted_at",
    "signed_for_at",
    "letter_arrived_at",
    "confirmed_at",
    "registered_at",
    "correction_requested",
    "correction_due_on",
    "reply_reasons",
    "reply_legal_basis",
    "reply_details",
    "negative_list_entry_id",
    "replied_on",
    "delivered_on",
    "closed_on",
    "created_at",
    "pieces",
    "fee_payment_due_on",
    "reasons_due_on",
)
_DETAIL_APPLICANT = (
    "id",
    "applicant_type",
    "organisation_type",
    "name",
    "id_type",
    "id_number",
    "contact_person",
    "phone",
    "email",
    "address",
    "postcode",
    "notification_channel",
    "notifications_opt_out",
)


_CASE_ID: BindParameter[int] = bindparam("case_id")
_FEES = FeeAssessment.__table__.c
_FEE_COLUMNS = tuple(column.key for column in _FEES)


def _detail_parts() -> tuple[Part, Part]:
    """The case with its agency, applicant and assignee; its fee assessments, every column in
    the order of ``fees.assessments_of``: one statement (``db/reads.py``)."""
    cases, agencies = Case.__table__, Agency.__table__
    applicants, users = Applicant.__table__, User.__table__
    case = Part(
        (
            *(cases.c[name] for name in _DETAIL_CASE),
            agencies.c.name,
            *(applicants.c[name] for name in _DETAIL_APPLICANT),
            users.c.display_name,
        ),
        (cases.c.id == _CASE_ID,),
        (cases.c.id,),
        from_=cases.join(agencies, agencies.c.id == cases.c.agency_id)
        .join(applicants, applicants.c.id == cases.c.applicant_id)
        .outerjoin(users, users.c.id == cases.c.assignee_id),
    )
    fees = Part(tuple(_FEES), (_FEES.case_id == _CASE_ID,), (_FEES.id,))
    return case, fees


_DETAIL_PARTS = _detail_parts()
_DETAIL = tagged_union(_DETAIL_PARTS)
_AGENCY_AT = len(_DETAIL_CASE)
_APPLICANT_AT = _AGENCY_AT + 1
_ASSIGNEE_AT = _APPLICANT_AT + len(_DETAIL_APPLICANT)


def read_case_for(session: Session, actor: Actor, case_id: int) -> Record:
    """What the case detail shows of a case the officer may see, as a :class:`Record` (with
    ``agency.name``, ``applicant`` and ``assignee.display_name``, ``assignee`` None when
    unassigned, as the entity has them, and its ``fees``); another agency's case answers 404,
    as if absent (``cases.visible_or_404``, the rule ``cases.get_case_for`` applies too)."""
    found, fees = split_parts(_DETAIL_PARTS, session.execute(_DETAIL, {"case_id": case_id}))
    row = found[0] if found else ()
    case = visible_or_404(actor, case_id, record(_DETAIL_CASE, row[:_AGENCY_AT]) if row else None)
    case.agency = Record(name=row[_AGENCY_AT])
    case.applicant = record(_DETAIL_APPLICANT, row[_APPLICANT_AT:_ASSIGNEE_AT])
    case.assignee = None if case.assignee_id is None else Record(display_name=row[_ASSIGNEE_AT])
    case.fees = [record(_FEE_COLUMNS, fee) for fee in fees]
    return case


# What a row of the officer's list shows (the API's case summary), and nothing else: the list
# loaded all 97 columns of a case, its agency, applicant and assignee for some 30 it shows, then
# (issue 16) those 30 into four ORM entities per row; now one Core SELECT of them into records.
_SUMMARY_CASE = (
    "id",
    "case_number",
    "agency_id",
    "state",
    "channel",
    "requested_information",
    "receipt_date",
    "due_on",
    "due_provisional",
    "clock_state",
    "extended",
    "assignee_id",
    "outcome",
    "version",
    "updated_at",
)
# What MaskedApplicantSchema reads (the list's rows and the applicant's tracking view).
MASKED_APPLICANT = (
    "applicant_type",
    "organisation_type",
    "name",
    "id_type",
    "id_number",
    "phone",
    "address",
)
_CASES, _AGENCIES = Case.__table__, Agency.__table__
_APPLICANTS, _USERS = Applicant.__table__, User.__table__
_SUMMARY_COLUMNS = (
    *(_CASES.c[name] for name in _SUMMARY_CASE),
    _AGENCIES.c.name,
    *(_APPLICANTS.c[name] for name in MASKED_APPLICANT),
    _USERS.c.display_name,
)
# To-one rows, joined as the ORM's eager loads joined them (the filters on the applicant's
# columns use this join too).
_SUMMARY_FROM = (
    _CASES.outerjoin(_AGENCIES, _AGENCIES.c.id == _CASES.c.agency_id)
    .outerjoin(_APPLICANTS, _APPLICANTS.c.id == _CASES.c.applicant_id)
    .outerjoin(_USERS, _USERS.c.id == _CASES.c.assignee_id)
)
_SUMMARY_AGENCY_AT = len(_SUMMARY_CASE)
_SUMMARY_ASSIGNEE_AT = _SUMMARY_AGENCY_AT + 1 + len(MASKED_APPLICANT)


def _summary(row: Any) -> Record:
    case = record(_SUMMARY_CASE, row[:_SUMMARY_AGENCY_AT])
    case.agency = Record(name=row[_SUMMARY_AGENCY_AT])
    case.applicant = record(MASKED_APPLICANT, row[_SUMMARY_AGENCY_AT + 1 : _SUMMARY_ASSIGNEE_AT])
    name = row[_SUMMARY_ASSIGNEE_AT]
    case.assignee = None if case.assignee_id is None else Record(display_name=name)
    return case


def list_cases(
    session: Session,
    actor: Actor,
    filters: CaseFilters,
    *,
    page: int,
    page_size: int,
    exact_total: bool = False,
) -> tuple[list[Record], int]:
    """Cases of the actor's agencies, filtered and sorted (see ``case_list_criteria``), as
    records of what the summary shows, with their total (exact up to ``EXACT_TOTAL_UP_TO``
    unless ``exact_total``)."""
    # Only "due within N working days" needs the calendar.
    calendar = load_calendar(session) if filters.due_within is not None else None
    criteria = case_list_criteria(actor, filters, calendar=calendar)
    rows, total = page_with_total(
        session,
        criteria,
        _SUMMARY_COLUMNS,
        _SUMMARY_FROM,
        page=page,
        page_size=page_size,
        exact_total=exact_total,
    )
    return [_summary(row) for row in rows], total


def case_notes(session: Session, actor: Actor, case_id: int) -> Sequence[Note]:
    case = get_case_for(session, actor, case_id)
    return session.scalars(select(Note).where(Note.case_id == case.id).order_by(Note.id)).all()


def add_note(session: Session, actor: Actor, case_id: int, body: str) -> Note:
    """An internal note (never shown to the applicant); audited on the case."""
    with UnitOfWork(session) as uow:
        case = get_case_for(session, actor, case_id)
        if case.state.is_read_only:
            raise Conflict("已归档的案件为只读，不能添加备注。", reason="case_read_only")
        if actor.user_id is None:
            raise Conflict("只有工作人员可以添加备注。")
        note = Note(case_id=case.id, author_id=actor.user_id, body=body)
        session.add(note)
        session.flush()
        record_event(
            session,
            case,
            actor=actor,
            role=actor.primary_role,
            action="note",
            from_state=case.state,
            to_state=case.state,
            data={"note_id": note.id},
        )
        uow.commit()
        return note


def case_attachments(session: Session, actor: Actor, case_id: int) -> Sequence[Attachment]:
    case = get_case_for(session, actor, case_id)
    return session.scalars(
        select(Attachment).where(Attachment.case_id == case.id).order_by(Attachment.id)
    ).all()


def attachment_file(
    session: Session, actor: Actor, case_id: int, attachment_id: int, *, upload_dir: str
) -> tuple[Attachment, Path]:
    """The attachment and where its bytes are; NotFound across cases, AttachmentFileMissing
    when the stored file is gone."""
    case = get_case_for(session, actor, case_id)
    attachment = session.get(Attachment, attachment_id)
    if attachment is None or attachment.case_id != case.id:
        raise NotFound("附件不存在。")
    path = attachment_service.path_of(upload_dir, attachment.sha256)
    if not path.exists():
        raise AttachmentFileMissing(attachment.id)
    return attachment, path
