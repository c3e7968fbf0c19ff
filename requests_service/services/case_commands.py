"""The case use cases' commands: what an applicant submits, what a clerk registers, and what
each lifecycle action carries. Plain frozen dataclasses (no Flask, marshmallow or SQLAlchemy):
routes, pages and jobs build them from validated input, ``services.cases`` reads them.

Intake commands leave an optional field that was not sent ``UNSET`` rather than ``None``: the
Idempotency-Key's fingerprint hashes the fields as sent (``sent_fields``), so a retry of an
application keeps matching the fingerprint stored before these commands existed.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, is_dataclass
from datetime import datetime
from typing import TypeVar

from requests_service.domain.channels import Channel
from requests_service.domain.identity import ApplicantType, IdType, OrganisationType
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
