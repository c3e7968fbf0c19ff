"""The case use cases' commands: what an applicant submits, what a clerk registers, and what
each lifecycle action carries. Plain frozen dataclasses (no Flask, marshmallow or SQLAlchemy):
routes, pages and jobs build them from validated input, ``services.cases`` reads them.

Intake commands leave an optional field that was not sent ``UNSET`` rather than ``None``: the
Idempotency-Key's fingerprint hashes the fields as sent (``sent_fields``), so a retry of an
application keeps matching the fingerprint stored before these commands existed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, is_dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from requests_service.domain.channels import Channel
from requests_service.domain.identity import ApplicantType, IdType, OrganisationType
from requests_service.domain.lifecycle import Action
from requests_service.domain.outcomes import Outcome
from requests_service.services.commands import UNSET, Unset

T = TypeVar("T")


def given(value: T | Unset | None) -> T | None:
    """The value sent, or ``None`` when the field was not sent."""
    return None if isinstance(value, Unset) else value


def sent_fields(command: object) -> dict[str, object]:
    """The command as the client sent it: its fields by name, nested commands as dicts, fields
    not sent left out (an explicit ``None`` is kept)."""
    assert is_dataclass(command) and not isinstance(command, type)
    sent: dict[str, object] = {}
    for field in fields(command):
        value = getattr(command, field.name)
        if isinstance(value, Unset):
            continue
        sent[field.name] = sent_fields(value) if is_dataclass(value) else value
    return sent


# ---------------------------------------------------------------- intake


@dataclass(frozen=True, kw_only=True)
class ApplicantDetails:
    """The applicant as the application names them (Art. 29), before validation."""

    applicant_type: ApplicantType | str
    id_type: IdType | str
    id_number: str
    name: str
    organisation_type: OrganisationType | str | Unset | None = UNSET
    contact_person: str | Unset = UNSET
    phone: str | Unset = UNSET
    email: str | Unset = UNSET
    address: str | Unset = UNSET
    postcode: str | Unset = UNSET
    notification_channel: str | Unset = UNSET


@dataclass(frozen=True, kw_only=True)
class Submission:
    """An application sent through the online form (Art. 29)."""

    agency_id: int
    applicant: ApplicantDetails
    requested_information: str
    description_hint: str | Unset = UNSET
    delivery_form: str | Unset = UNSET
    delivery_method: str | Unset = UNSET


@dataclass(frozen=True, kw_only=True)
class Registration:
    """An application a clerk registers: received in person, by post, fax or e-mail (登记).
    The timestamps fix the legal receipt date by channel (Art. 31)."""

    channel: Channel | str
    applicant: ApplicantDetails
    requested_information: str
    agency_id: int | Unset | None = UNSET  # default: the clerk's own agency
    description_hint: str | Unset = UNSET
    delivery_form: str | Unset = UNSET
    delivery_method: str | Unset = UNSET
    submitted_at: datetime | Unset = UNSET
    signed_for_at: datetime | Unset = UNSET
    letter_arrived_at: datetime | Unset = UNSET
    confirmed_at: datetime | Unset = UNSET


# ---------------------------------------------------------------- lifecycle actions


@dataclass(frozen=True, kw_only=True)
class ActionCommand:
    """What every action carries: the legal date it happened (default today) and a comment.
    Actions that change only the state (accept, start_review, archive, …) take just this."""

    on: date | None = None
    comment: str | None = None


@dataclass(frozen=True, kw_only=True)
class RegisterAction(ActionCommand):
    """Registering an online submission; the timestamps fix the receipt date (Art. 31)."""

    signed_for_at: datetime | None = None
    letter_arrived_at: datetime | None = None
    confirmed_at: datetime | None = None
    assignee_id: int | None = None


@dataclass(frozen=True, kw_only=True)
class RequestCorrection(ActionCommand):
    correction_items: Sequence[str]
    correction_period_working_days: int | None = None


@dataclass(frozen=True, kw_only=True)
class ReceiveCorrection(ActionCommand):
    corrected_information: str | None = None


@dataclass(frozen=True, kw_only=True)
class StartConsultation(ActionCommand):
    consulted_party: str
    consultation_kind: str | None = None


@dataclass(frozen=True, kw_only=True)
class EndConsultation(ActionCommand):
    opinion: str | None = None
    third_party_objects: bool | None = None


@dataclass(frozen=True, kw_only=True)
class DecideDisclosure(ActionCommand):
    """Disclosure over a third party's objection (Art. 32)."""

    reason: str
    disclosed_content: str | None = None


@dataclass(frozen=True, kw_only=True)
class IssueFeeNotice(ActionCommand):
    notice_received_on: date | None = None


@dataclass(frozen=True, kw_only=True)
class RecordFeePayment(ActionCommand):
    amount: str
    payment_method: str
    receipt_number: str


@dataclass(frozen=True, kw_only=True)
class Reasoned(ActionCommand):
    """An action with a reason: waiving the fee, withdrawing, returning a draft."""

    reason: str | None = None


@dataclass(frozen=True, kw_only=True)
class RequestReasons(ActionCommand):
    """Art. 35: asking the applicant why so many requests."""

    volume_summary: str
    reason: str | None = None
    reasons_period_working_days: int | None = None


@dataclass(frozen=True, kw_only=True)
class ReceiveReasons(ActionCommand):
    applicant_reasons: str | None = None
    deferred_due_on: date | None = None
    deferral_reason: str | None = None


@dataclass(frozen=True, kw_only=True)
class Extend(ActionCommand):
    """Art. 33: the reply period extended by up to 20 working days."""

    extra_working_days: int
    reason: str
    applicant_notified_on: date | None = None


@dataclass(frozen=True, kw_only=True)
class Reply(ActionCommand):
    """Drafting or revising the reply; ``details`` is checked by ``domain.outcomes``."""

    outcome: Outcome | str
    reasons: str | None = None
    legal_basis: str | None = None
    details: Mapping[str, Any] | None = None
    negative_list_entry_id: int | None = None


@dataclass(frozen=True, kw_only=True)
class Deliver(ActionCommand):
    delivery_method: str | None  # required; None (a letter served without it) is refused
    proof: str | None = None


# The command each action takes (the API's per-action schemas carry the same fields).
ACTION_COMMANDS: Mapping[Action, type[ActionCommand]] = {
    **{action: ActionCommand for action in Action},
    Action.REGISTER: RegisterAction,
    Action.REQUEST_CORRECTION: RequestCorrection,
    Action.RECEIVE_CORRECTION: ReceiveCorrection,
    Action.START_CONSULTATION: StartConsultation,
    Action.END_CONSULTATION: EndConsultation,
    Action.DECIDE_DISCLOSURE_OVER_OBJECTION: DecideDisclosure,
    Action.ISSUE_FEE_NOTICE: IssueFeeNotice,
    Action.RECORD_FEE_PAYMENT: RecordFeePayment,
    Action.WAIVE_FEE: Reasoned,
    Action.REQUEST_REASONS: RequestReasons,
    Action.RECEIVE_REASONS: ReceiveReasons,
    Action.EXTEND: Extend,
    Action.DRAFT_REPLY: Reply,
    Action.REVISE_REPLY: Reply,
    Action.RETURN_DRAFT: Reasoned,
    Action.DELIVER: Deliver,
    Action.WITHDRAW: Reasoned,
}
