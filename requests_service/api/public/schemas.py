"""Schemas for the public endpoints (online application form and applicant tracking)."""

from __future__ import annotations

from marshmallow import fields, validate

from requests_service.api.cases.schemas import (
    DELIVERY_FORMS,
    DELIVERY_METHODS,
    ApplicantInSchema,
    MaskedApplicantSchema,
)
from requests_service.api.dumping import CompiledDump
from requests_service.api.schemas_base import BaseSchema, enum_field, label_of
from requests_service.domain.channels import Channel
from requests_service.domain.lifecycle import CaseState
from requests_service.domain.messages import NotificationChannel
from requests_service.domain.outcomes import Outcome
from requests_service.services.applicant_uploads import APPLICANT_KINDS


class IntakeOfficeSchema(BaseSchema):
    name = fields.String(attribute="intake_office_name")
    address = fields.String(attribute="intake_address")
    postcode = fields.String(attribute="intake_postcode")
    phone = fields.String(attribute="intake_phone")
    email = fields.String(attribute="intake_email")
    office_hours = fields.String(attribute="intake_office_hours")
    online_form_url = fields.String()


INTAKE_OFFICE = IntakeOfficeSchema()  # one instance for every agency dumped


class PublicAgencySchema(BaseSchema):
    id = fields.Integer()
    name = fields.String()
    short_name = fields.String()
    parent_id = fields.Integer(allow_none=True)
    intake_office = fields.Function(lambda a: INTAKE_OFFICE.dump(a))


class PublicAgencyQueryArgsSchema(BaseSchema):
    q = fields.String(validate=validate.Length(min=1, max=100))
    parent_id = fields.Integer()


class ApplicationSubmitSchema(BaseSchema):
    """The online application form (Art. 29: name, ID, contact; description; delivery form)."""

    agency_id = fields.Integer(required=True)
    applicant = fields.Nested(ApplicantInSchema, required=True)
    requested_information = fields.String(
        required=True,
        validate=validate.Length(min=2, max=5000),
        metadata={"description": "所需政府信息的名称、文号或者便于行政机关查询的其他特征性描述"},
    )
    description_hint = fields.String(validate=validate.Length(max=2000))
    delivery_form = fields.String(validate=validate.OneOf(DELIVERY_FORMS))
    delivery_method = fields.String(validate=validate.OneOf(DELIVERY_METHODS))


class SubmissionReceiptSchema(BaseSchema):
    case_id = fields.Integer(
        required=True,
        metadata={"description": "案件编号（内部ID），在线申请后台据此调用工作人员接口"},
    )
    tracking_code = fields.String(required=True)
    tracking_secret = fields.String(metadata={"description": "查询密码，请妥善保存，只显示一次"})
    state = fields.String(metadata={"description": "案件状态（received）"})
    state_label = fields.String()
    agency_name = fields.String()
    submitted_at = fields.String(metadata={"description": "提交时间（UTC，ISO 8601）"})
    message = fields.String()


class TimelineEntrySchema(BaseSchema):
    on = fields.Date(attribute="effective_on", allow_none=True)
    at = fields.AwareDateTime(attribute="occurred_at")
    action = fields.String()
    label = fields.String()
    state = fields.String(allow_none=True)
    state_label = fields.String(allow_none=True)
    detail = fields.String(allow_none=True)


class PublicFeeSchema(BaseSchema):
    status = fields.String()
    status_label = fields.String()
    method_label = fields.String()
    amount_due = fields.String()
    notice_issued_on = fields.Date(allow_none=True)
    payment_due_on = fields.Date(allow_none=True)
    paid_on = fields.Date(allow_none=True)
    explanation = fields.List(fields.String())


class PublicLetterSchema(BaseSchema):
    id = fields.Integer()
    kind = fields.String()
    title = fields.String()
    document_number = fields.String()
    issue_date = fields.Date()
    download = fields.String(metadata={"description": "下载地址（需提供查询密码请求头）"})
    download_url = fields.String(
        allow_none=True,
        metadata={
            "description": "短时有效的签名下载链接（无需请求头，可作网页链接；过期后重新查询）"
        },
    )


APPLICANT_FILE_KIND_LABELS: dict[str, str] = {
    "application": "随申请提交的材料",
    "correction": "补正材料",
}


class ApplicantFileSchema(BaseSchema):
    id = fields.Integer()
    filename = fields.String()
    content_type = fields.String()
    size_bytes = fields.Integer()
    kind = fields.String(metadata={"description": "application（随申请）或correction（补正）"})
    kind_label = fields.Function(lambda a: APPLICANT_FILE_KIND_LABELS.get(a.kind, a.kind))
    uploaded_at = fields.AwareDateTime()


class ApplicantUploadArgsSchema(BaseSchema):
    kind = fields.String(load_default="application", validate=validate.OneOf(APPLICANT_KINDS))


class TrackingSchema(CompiledDump, BaseSchema):
    tracking_code = fields.String()
    case_number = fields.String(allow_none=True)
    agency_name = fields.String()
    state = enum_field(CaseState)
    state_label = fields.String()
    channel = enum_field(Channel)
    channel_label = label_of("channel")
    applicant = fields.Nested(MaskedApplicantSchema)
    requested_information = fields.String()
    receipt_date = fields.Date(allow_none=True)
    due_on = fields.Date(allow_none=True)
    due_provisional = fields.Boolean()
    paused = fields.Boolean()
    pause_reason = fields.String(allow_none=True)
    correction_due_on = fields.Date(allow_none=True)
    correction_items = fields.List(fields.String())
    outcome = enum_field(Outcome, allow_none=True)
    outcome_label = fields.String(allow_none=True)
    timeline = fields.List(fields.Nested(TimelineEntrySchema))
    fees = fields.List(fields.Nested(PublicFeeSchema))
    letters = fields.List(fields.Nested(PublicLetterSchema))
    files = fields.List(
        fields.Nested(ApplicantFileSchema), metadata={"description": "申请人上传的材料"}
    )


class PublicCorrectionSchema(BaseSchema):
    corrected_information = fields.String(required=True, validate=validate.Length(min=2, max=5000))
    comment = fields.String(validate=validate.Length(max=2000))


class PublicWithdrawSchema(BaseSchema):
    reason = fields.String(validate=validate.Length(max=2000))


DEFAULT_CHANNEL_LABEL = "默认（有邮箱发邮件，否则发短信）"


class NotificationPreferencesSchema(BaseSchema):
    opt_out = fields.Boolean(
        required=True, metadata={"description": "true=不再接收办理进度通知（可随时恢复）"}
    )
    channel = fields.String(
        validate=validate.OneOf(tuple(NotificationChannel)),
        metadata={"description": "email=电子邮件；sms=手机短信；none=不接收"},
    )


class NotificationPreferencesOutSchema(BaseSchema):
    opt_out = fields.Boolean(attribute="notifications_opt_out")
    channel = fields.String(attribute="notification_channel")
    channel_label = fields.Function(
        lambda a: (
            NotificationChannel.label_of(a.notification_channel) or "默认（邮箱优先，其次短信）"
        )
    )
