"""The application form of the reference pages: from HTML form fields to the public API's
request body, validated by the API's own schema, with errors keyed by form field."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from requests_service.api.public.schemas import ApplicationSubmitSchema
from requests_service.domain.identity import (
    LEGAL_PERSON_ID_TYPES,
    NATURAL_PERSON_ID_TYPES,
    ApplicantType,
    IdType,
    OrganisationType,
)
from requests_service.domain.reply_delivery import DeliveryForm, DeliveryMethod

APPLICANT_FIELDS = (
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
)
CASE_FIELDS = ("requested_information", "description_hint", "delivery_form", "delivery_method")

# Form field → its label, in the order the error summary lists problems.
FIELD_LABELS = {
    "applicant_type": "申请人类型",
    "name": "姓名或者名称",
    "organisation_type": "组织类型",
    "id_type": "证件类型",
    "id_number": "证件号码",
    "contact_person": "联系人",
    "contact": "联系方式",
    "phone": "联系电话",
    "email": "电子邮箱",
    "address": "通信地址",
    "postcode": "邮政编码",
    "requested_information": "所需政府信息的描述",
    "description_hint": "补充说明",
    "delivery_form": "提供形式",
    "delivery_method": "获取方式",
    "attachments": "附件",
    "agency_id": "受理机关",
}

# Natural persons' documents first, the resident card at the top; then the credit code.
ID_TYPE_ORDER = (
    IdType.RESIDENT_ID,
    IdType.PASSPORT,
    IdType.HK_MACAO_PERMIT,
    IdType.TAIWAN_PERMIT,
    IdType.FOREIGN_PERMANENT_RESIDENT_ID,
    IdType.UNIFIED_SOCIAL_CREDIT_CODE,
    IdType.OTHER,
)


def choices() -> dict[str, Any]:
    """Every code table the form shows, with its Chinese labels."""
    return {
        "applicant_types": [(t.value, t.label) for t in ApplicantType],
        "organisation_types": [(t.value, t.label) for t in OrganisationType],
        "id_types": [
            (
                t.value,
                t.label,
                " ".join(
                    kind
                    for kind, types in (
                        ("natural_person", NATURAL_PERSON_ID_TYPES),
                        ("legal_person", LEGAL_PERSON_ID_TYPES),
                    )
                    if t in types
                ),
            )
            for t in ID_TYPE_ORDER
        ],
        "delivery_forms": [(v.value, v.label) for v in DeliveryForm],
        "delivery_methods": [(v.value, v.label) for v in DeliveryMethod],
    }


def new_idempotency_key() -> str:
    """One per rendering of a blank form; a re-rendered form (errors, reload) keeps its key."""
    return uuid.uuid4().hex


def request_body(form: MultiDict[str, str], agency_id: int) -> dict[str, Any]:
    """The public API's request body from the form: blank optional fields are left out."""

    def value(name: str) -> str:
        return (form.get(name) or "").strip()

    applicant: dict[str, Any] = {}
    for name in APPLICANT_FIELDS:
        text = value(name)
        if text:
            applicant[name] = text
    if applicant.get("applicant_type") == ApplicantType.NATURAL_PERSON.value:
        # Hidden organisation fields of a natural person are not part of the application.
        applicant.pop("organisation_type", None)
        applicant.pop("contact_person", None)
    body: dict[str, Any] = {"agency_id": agency_id, "applicant": applicant}
    for name in CASE_FIELDS:
        text = value(name)
        if text:
            body[name] = text
    return body


def schema_errors(body: Mapping[str, Any]) -> dict[str, list[str]]:
    """The API schema's errors (422 there), keyed by form field, in Chinese."""
    try:
        ApplicationSubmitSchema().load(body)
    except ValidationError as error:
        return flatten(error.normalized_messages())  # type: ignore[no-untyped-call]
    return {}


def flatten(messages: Mapping[str, Any]) -> dict[str, list[str]]:
    """``{"applicant": {"name": [...]}}`` → ``{"name": [...]}`` with Chinese messages."""
    out: dict[str, list[str]] = {}
    for key, value in messages.items():
        if isinstance(value, Mapping):
            for field, texts in flatten(value).items():
                out.setdefault(field, []).extend(texts)
        else:
            texts = value if isinstance(value, list) else [value]
            out.setdefault(key, []).extend(_chinese(key, str(t)) for t in texts)
    return out


def _chinese(field: str, message: str) -> str:
    label = FIELD_LABELS.get(field, field)
    if message.startswith("Missing data"):
        return f"请填写{label}"
    if message.startswith("Must be one of") or message.startswith("Must be one of:"):
        return f"请选择有效的{label}"
    if message.startswith("Longer than maximum length"):
        return f"{label}过长（{message.rsplit(' ', 1)[-1].rstrip('.')}个字以内）"
    if message.startswith("Shorter than minimum length"):
        return f"{label}过短，请写得具体一些"
    if message.startswith("Length must be between"):
        return f"{label}的长度不符合要求"
    if message.startswith("Unknown field"):
        return f"{label}无法识别"
    if any("\u4e00" <= ch <= "\u9fff" for ch in message):
        return message
    return f"{label}填写有误"


def ordered(errors: Mapping[str, list[str]]) -> list[tuple[str, str, list[str]]]:
    """(field, label, messages) in form order, for the error summary at the top."""
    order = list(FIELD_LABELS)
    keys = sorted(errors, key=lambda k: order.index(k) if k in order else len(order))
    return [(k, FIELD_LABELS.get(k, k), list(errors[k])) for k in keys]
