"""Schemas for officer case endpoints."""

from __future__ import annotations

import functools
from typing import Any

from marshmallow import fields, validate, validates_schema
from marshmallow.exceptions import ValidationError

from requests_service.api.dumping import CompiledDump
from requests_service.api.schemas_base import (
    CLOSED,
    TEXT_REFUSED,
    BaseSchema,
    enum_field,
    label_of,
)
from requests_service.domain.channels import Channel
from requests_service.domain.identity import (
    ApplicantType,
    IdType,
    OrganisationType,
    mask_address,
    mask_id,
    mask_name,
    mask_phone,
)
from requests_service.domain.lifecycle import Action, CaseState
from requests_service.domain.messages import NotificationChannel
from requests_service.domain.outcomes import (
    DETAIL_CHOICES,
    MAX_DETAIL_LENGTH,
    WITHHELD_PART_KEYS,
    Outcome,
)
from requests_service.domain.reply_delivery import DeliveryForm, DeliveryMethod

DELIVERY_FORMS = tuple(DeliveryForm)
DELIVERY_METHODS = tuple(DeliveryMethod)


class ApplicantInSchema(BaseSchema):
    applicant_type = enum_field(ApplicantType, required=True)
    organisation_type = enum_field(OrganisationType, allow_none=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    id_type = enum_field(IdType, required=True)
    id_number = fields.String(required=True, validate=validate.Length(min=1, max=40))
    contact_person = fields.String(validate=validate.Length(max=80))
    phone = fields.String(validate=validate.Length(max=40))
    email = fields.String(validate=validate.Length(max=200))
    address = fields.String(validate=validate.Length(max=300))
    postcode = fields.String(validate=validate.Length(max=6))
    notification_channel = fields.String(
        validate=validate.OneOf(tuple(NotificationChannel)),
        metadata={
            "description": "办理进度通知方式：email=电子邮件；sms=手机短信；none=不接收。"
            "不填时有邮箱则发邮件，否则有手机号则发短信"
        },
    )


class ApplicantSchema(BaseSchema):
    id = fields.Integer(dump_only=True)
    applicant_type = enum_field(ApplicantType)
    applicant_type_label = label_of("applicant_type")
    organisation_type = enum_field(OrganisationType, allow_none=True)
    organisation_type_label = label_of("organisation_type")
    name = fields.String()
    id_type = enum_field(IdType)
    id_type_label = label_of("id_type")
    id_number = fields.String()
    id_number_masked = fields.Function(lambda a: mask_id(a.id_number), metadata={"type": "string"})
    contact_person = fields.String()
    phone = fields.String()
    email = fields.String()
    address = fields.String()
    postcode = fields.String()
    notification_channel = fields.String()
    notifications_opt_out = fields.Boolean()


class MaskedApplicantSchema(BaseSchema):
    """For lists and public views: personal data masked."""

    applicant_type = enum_field(ApplicantType)
    applicant_type_label = label_of("applicant_type")
    organisation_type = enum_field(OrganisationType, allow_none=True)
    name = fields.Function(
        lambda a: a.name if a.organisation_type else mask_name(a.name), metadata={"type": "string"}
    )
    id_type = enum_field(IdType)
    id_number = fields.Function(lambda a: mask_id(a.id_number), metadata={"type": "string"})
    phone = fields.Function(
        lambda a: mask_phone(a.phone) if a.phone else "", metadata={"type": "string"}
    )
    address = fields.Function(
        lambda a: mask_address(a.address) if a.address else "", metadata={"type": "string"}
    )


class CaseRegisterSchema(BaseSchema):
    """A clerk registers an application received in person, by post, fax or e-mail."""

    agency_id = fields.Integer(allow_none=True)
    channel = enum_field(Channel, required=True)
    applicant = fields.Nested(ApplicantInSchema, required=True)
    requested_information = fields.String(required=True, validate=validate.Length(min=2, max=5000))
    description_hint = fields.String(validate=validate.Length(max=2000))
    delivery_form = fields.String(validate=validate.OneOf(DELIVERY_FORMS))
    delivery_method = fields.String(validate=validate.OneOf(DELIVERY_METHODS))
    submitted_at = fields.AwareDateTime(
        metadata={"description": "申请人提交/寄出时间（带时区）；当面提交时即收到时间"}
    )
    signed_for_at = fields.AwareDateTime(metadata={"description": "挂号信/EMS签收时间"})
    letter_arrived_at = fields.AwareDateTime(metadata={"description": "平信到达时间"})
    confirmed_at = fields.AwareDateTime(
        metadata={"description": "与申请人确认收到的时间（平信、网络、传真、电子邮件）"}
    )


class CaseUpdateSchema(BaseSchema):
    requested_information = fields.String(validate=validate.Length(min=2, max=5000))
    description_hint = fields.String(validate=validate.Length(max=2000))
    delivery_form = fields.String(validate=validate.OneOf(DELIVERY_FORMS))
    delivery_method = fields.String(validate=validate.OneOf(DELIVERY_METHODS))


class WithheldPartSchema(BaseSchema):
    description = fields.String(required=True)
    reason = fields.String(required=True)
    legal_basis = fields.String(required=True)


def outcome_details_schema() -> dict[str, Any]:
    """The reply's ``details`` as the spec states them: every key some outcome uses (which ones
    an outcome takes is a rule checked after the schema, ``domain.outcomes``), texts under the
    same character rules as every text field, the withheld parts (Art. 37) as objects."""
    text = {"type": "string", "maxLength": MAX_DETAIL_LENGTH, "not": TEXT_REFUSED}
    keys = sorted({k for o in Outcome for k in (*o.required_details, *o.optional_details)})
    properties: dict[str, Any] = {}
    for key in keys:
        if key == "withheld_parts":
            part = {k: dict(text) for k in WITHHELD_PART_KEYS}
            item = {"type": "object", "properties": part, "additionalProperties": False}
            properties[key] = {"type": "array", "maxItems": 50, "items": item}
        elif key == "negative_list_entry_id":
            properties[key] = {"type": "integer", "minimum": 1, "maximum": 2147483647}
        elif key in DETAIL_CHOICES:
            properties[key] = {"type": "string", "enum": [c.value for c in DETAIL_CHOICES[key]]}
        else:
            properties[key] = dict(text)
    return {"type": "object", "properties": properties, "additionalProperties": False}


class TransitionSchema(BaseSchema):
    """One lifecycle action; which extra fields matter depends on the action."""

    action = enum_field(Action, required=True)
    on = fields.Date(metadata={"description": "事项发生的法定日期（默认今天，北京时间）"})
    comment = fields.String(validate=validate.Length(max=2000))
    reason = fields.String(validate=validate.Length(max=2000))
    # register
    signed_for_at = fields.AwareDateTime()
    letter_arrived_at = fields.AwareDateTime()
    confirmed_at = fields.AwareDateTime()
    # request_correction / receive_correction
    correction_items = fields.List(
        fields.String(validate=validate.Length(min=1, max=500)), validate=validate.Length(max=50)
    )
    correction_period_working_days = fields.Integer(validate=validate.Range(min=1, max=60))
    corrected_information = fields.String(validate=validate.Length(min=2, max=5000))
    # consultation
    consulted_party = fields.String(validate=validate.Length(max=200))
    consultation_kind = fields.String(validate=validate.OneOf(("third_party", "other_agency")))
    opinion = fields.String(validate=validate.Length(max=2000))
    third_party_objects = fields.Boolean(
        metadata={"description": "end_consultation：第三方书面表示不同意公开（第三十二条）"}
    )
    disclosed_content = fields.String(
        validate=validate.Length(max=5000),
        metadata={"description": "decide_disclosure_over_objection：决定公开的政府信息内容"},
    )
    # fees
    amount = fields.String(
        validate=validate.Length(min=1, max=20),
        metadata={"description": '缴费金额（元），以字符串表示，最多两位小数，如"100.00"'},
    )
    payment_method = fields.String(validate=validate.Length(min=1, max=40))
    receipt_number = fields.String(
        validate=validate.Length(min=1, max=80), metadata={"description": "财政票据号"}
    )
    notice_received_on = fields.Date(
        metadata={"description": "申请人收到收费通知的日期（默认同发出日）"}
    )
    # extension
    extra_working_days = fields.Integer(validate=validate.Range(min=1, max=20))
    applicant_notified_on = fields.Date()
    # Art. 35
    volume_summary = fields.String(
        validate=validate.Length(min=1, max=2000),
        metadata={"description": "request_reasons：申请数量、频次明显超过合理范围的情况"},
    )
    reasons_period_working_days = fields.Integer(validate=validate.Range(min=1, max=60))
    applicant_reasons = fields.String(validate=validate.Length(max=5000))
    deferred_due_on = fields.Date()
    deferral_reason = fields.String(validate=validate.Length(max=2000))
    # reply
    outcome = enum_field(Outcome)
    reasons = fields.String(validate=validate.Length(max=10000))
    legal_basis = fields.String(validate=validate.Length(max=2000))
    details = fields.Dict(keys=fields.String(), metadata={CLOSED: outcome_details_schema()})
    negative_list_entry_id = fields.Integer(allow_none=True)
    # delivery
    delivery_method = fields.String(validate=validate.OneOf(DELIVERY_METHODS))
    proof = fields.String(validate=validate.Length(max=1000))


class AssignSchema(BaseSchema):
    assignee_id = fields.Integer(required=True, allow_none=True)


class NegativeListRefSchema(BaseSchema):
    id = fields.Integer()
    category = fields.String()
    legal_basis = fields.String()


class CaseSummarySchema(CompiledDump, BaseSchema):
    id = fields.Integer()
    case_number = fields.String(allow_none=True)
    agency_id = fields.Integer()
    agency_name = fields.Function(lambda c: c.agency.name, metadata={"type": "string"})
    state = enum_field(CaseState)
    state_label = label_of("state")
    channel = enum_field(Channel)
    channel_label = label_of("channel")
    applicant = fields.Nested(MaskedApplicantSchema)
    requested_information = fields.String()
    receipt_date = fields.Date(allow_none=True)
    due_on = fields.Date(allow_none=True)
    due_provisional = fields.Boolean()
    clock_state = fields.String(allow_none=True)
    extended = fields.Boolean()
    assignee_id = fields.Integer(allow_none=True)
    assignee_name = fields.Function(
        lambda c: c.assignee.display_name if c.assignee else None,
        metadata={"type": "string", "nullable": True},
    )
    outcome = enum_field(Outcome, allow_none=True)
    outcome_label = label_of("outcome")
    version = fields.Integer()
    updated_at = fields.AwareDateTime()


class ClockSchema(BaseSchema):
    receipt_date = fields.Date()
    original_due = fields.Date(allow_none=True)
    reply_due = fields.Date(allow_none=True)
    extended = fields.Boolean()
    working_days_used = fields.Integer()
    working_days_left = fields.Integer(allow_none=True)
    state = fields.Function(lambda c: c.state.value, metadata={"type": "string"})
    state_label = fields.Function(lambda c: c.state.label, metadata={"type": "string"})
    pause_reason = fields.String(allow_none=True)
    provisional = fields.Boolean()
    explanation = fields.List(fields.String())


class CaseDetailSchema(CaseSummarySchema):
    applicant = fields.Nested(ApplicantSchema)
    tracking_code = fields.String()
    description_hint = fields.String()
    delivery_form = fields.String()
    delivery_method = fields.String()
    submitted_at = fields.AwareDateTime()
    signed_for_at = fields.AwareDateTime(allow_none=True)
    letter_arrived_at = fields.AwareDateTime(allow_none=True)
    confirmed_at = fields.AwareDateTime(allow_none=True)
    registered_at = fields.AwareDateTime(allow_none=True)
    correction_requested = fields.Boolean()
    correction_due_on = fields.Date(allow_none=True, metadata={"description": "申请人补正期限"})
    correction_notice_due_on = fields.Date(
        allow_none=True,
        dump_only=True,
        metadata={"description": "本机关发出补正告知的期限（收到申请后7个工作日，第三十条）"},
    )
    reply_reasons = fields.String()
    reply_legal_basis = fields.String()
    reply_details = fields.Dict()
    negative_list_entry_id = fields.Integer(allow_none=True)
    replied_on = fields.Date(allow_none=True)
    delivered_on = fields.Date(allow_none=True)
    closed_on = fields.Date(allow_none=True)
    created_at = fields.AwareDateTime()
    allowed_actions = fields.List(fields.Dict(), dump_only=True)
    clock = fields.Nested(ClockSchema, allow_none=True, dump_only=True)
    fees = fields.Function(
        lambda c: _fees(c),
        dump_only=True,
        metadata={"type": "array", "items": {"$ref": "#/components/schemas/FeeAssessment"}},
    )
    pieces = fields.Integer()
    fee_payment_due_on = fields.Date(allow_none=True)
    reasons_due_on = fields.Date(allow_none=True)


class RegisteredCaseSchema(CaseDetailSchema):
    tracking_secret = fields.String(
        metadata={"description": "查询密码，只在登记时显示一次，请告知申请人"}
    )


SORTS = (
    "id",
    "-id",
    "due_on",
    "-due_on",
    "receipt_date",
    "-receipt_date",
    "updated_at",
    "-updated_at",
)


class CaseQueryArgsSchema(BaseSchema):
    state = fields.List(enum_field(CaseState))
    open = fields.Boolean(metadata={"description": "只看未办结案件"})
    agency_id = fields.Integer()
    assignee_id = fields.Integer()
    unassigned = fields.Boolean()
    channel = enum_field(Channel)
    applicant_type = enum_field(ApplicantType)
    organisation_type = enum_field(OrganisationType)
    outcome = enum_field(Outcome)
    received_from = fields.Date()
    received_to = fields.Date()
    due_before = fields.Date()
    overdue = fields.Boolean()
    due_within = fields.Integer(
        validate=validate.Range(min=0, max=60),
        metadata={"description": "N个工作日内到期（含已超期）的未办结、未暂停案件"},
    )
    q = fields.String(
        validate=validate.Length(min=1, max=200), metadata={"description": "申请内容全文检索"}
    )
    exact_total = fields.Boolean(
        load_default=False,
        metadata={
            "description": (
                "精确统计总数。默认只精确计数到10000条，超过时X-Pagination的total为10000"
                "（下限，next_page仍然准确）；案件很多时精确计数较慢"
            )
        },
    )
    sort = fields.String(
        load_default="-id",
        validate=validate.OneOf(SORTS),
        metadata={
            "description": "排序：字段名升序，前加“-”为降序",
            # Names for generated clients' enums ("-id" would become VALUE_1).
            "x-enum-varnames": [
                (s[1:] + "_desc" if s.startswith("-") else s).upper() for s in SORTS
            ],
        },
    )

    @validates_schema
    def _dates_in_order(self, data: dict[str, Any], **_: Any) -> None:
        start, end = data.get("received_from"), data.get("received_to")
        if start and end and end < start:
            raise ValidationError("结束日期不能早于开始日期。", "received_to")


class EventSchema(BaseSchema):
    id = fields.Integer()
    action = fields.String()
    action_label = fields.Function(lambda e: _action_label(e.action), metadata={"type": "string"})
    from_state = enum_field(CaseState, allow_none=True)
    from_state_label = label_of("from_state")
    to_state = enum_field(CaseState, allow_none=True)
    to_state_label = label_of("to_state")
    actor_role = fields.Function(lambda e: e.actor_role.value, metadata={"type": "string"})
    actor_name = fields.String()
    occurred_at = fields.AwareDateTime()
    effective_on = fields.Date(allow_none=True)
    public = fields.Boolean()
    data = fields.Dict()


def _action_label(action: str) -> str:
    from requests_service.services.history import event_label

    return event_label(action)


class NoteCreateSchema(BaseSchema):
    body = fields.String(required=True, validate=validate.Length(min=1, max=5000))


class NoteSchema(BaseSchema):
    id = fields.Integer()
    case_id = fields.Integer()
    author_id = fields.Integer()
    author_name = fields.Function(lambda n: n.author.display_name, metadata={"type": "string"})
    body = fields.String()
    created_at = fields.AwareDateTime()


class AttachmentSchema(BaseSchema):
    id = fields.Integer()
    case_id = fields.Integer()
    filename = fields.String()
    content_type = fields.String()
    size_bytes = fields.Integer()
    sha256 = fields.String()
    kind = fields.String()
    uploaded_at = fields.AwareDateTime()


ATTACHMENT_KINDS = ("application", "correction", "evidence", "delivery_proof", "other")


class AttachmentUploadSchema(BaseSchema):
    kind = fields.String(load_default="evidence", validate=validate.OneOf(ATTACHMENT_KINDS))


class DashboardCountsSchema(BaseSchema):
    agency_id = fields.Integer()
    agency_name = fields.String()
    assignee_id = fields.Integer(allow_none=True)
    assignee_name = fields.String()
    open = fields.Integer()
    paused = fields.Integer()
    due_soon = fields.Integer()
    overdue = fields.Integer()


class DashboardSchema(BaseSchema):
    as_of = fields.Date()
    due_soon_until = fields.Date()
    due_soon_working_days = fields.Integer()
    agencies = fields.List(fields.Nested(DashboardCountsSchema))
    handlers = fields.List(fields.Nested(DashboardCountsSchema))


def _fees(case: Any) -> list[dict[str, Any]]:
    dumped: list[dict[str, Any]] = _fee_assessments_schema().dump(getattr(case, "fees", []))
    return dumped


@functools.cache
def _fee_assessments_schema() -> Any:
    """Built once (a schema's construction copies all its fields), on first use: the fees
    module imports this one."""
    from requests_service.api.fees.schemas import FeeAssessmentSchema

    return FeeAssessmentSchema(many=True)
