"""Schemas for letters and notices."""

from __future__ import annotations

from marshmallow import fields, validate

from requests_service.api.cases.schemas import DELIVERY_METHODS
from requests_service.api.schemas_base import BaseSchema
from requests_service.services.letters import KINDS, STATUS_LABELS


class LetterCreateSchema(BaseSchema):
    kind = fields.String(
        required=True,
        validate=validate.OneOf([k for k in KINDS if k != "application_form"]),
        metadata={
            "description": "acknowledgement 登记回执；correction_notice 补正告知书；"
            "extension_notice 延期答复告知书；third_party_consultation 第三方意见征询函；"
            "fee_notice 收费通知书；reply 政府信息公开申请答复书"
        },
    )


class LetterEditSchema(BaseSchema):
    overrides = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        required=True,
        metadata={"description": '可编辑变量，如 {"reply.reasons": "……"}'},
    )


class LetterDeliverySchema(BaseSchema):
    delivery_method = fields.String(required=True, validate=validate.OneOf(DELIVERY_METHODS))
    delivered_on = fields.Date()
    proof = fields.String(validate=validate.Length(max=1000))
    archive = fields.Boolean(
        load_default=False,
        metadata={"description": "送达答复书后立即归档案件（案件须随之进入“已送达”）"},
    )


class LetterPreviewArgsSchema(BaseSchema):
    format = fields.String(load_default="pdf", validate=validate.OneOf(("pdf", "html")))


class LetterSchema(BaseSchema):
    id = fields.Integer()
    case_id = fields.Integer()
    kind = fields.String()
    status = fields.String()
    status_label = fields.Function(
        lambda letter: STATUS_LABELS[letter.status], metadata={"type": "string"}
    )
    overrides = fields.Dict()
    document_number = fields.String(allow_none=True)
    issue_date = fields.Date(allow_none=True)
    issued_at = fields.AwareDateTime(allow_none=True)
    pdf_sha256 = fields.String(allow_none=True)
    pdf_size = fields.Integer(allow_none=True)
    render_error = fields.String(allow_none=True)
    issue_requested_at = fields.AwareDateTime(allow_none=True)
    issue_attempts = fields.Integer()
    approved_at = fields.AwareDateTime(allow_none=True)
    delivery_method = fields.String(allow_none=True)
    delivered_on = fields.Date(allow_none=True)
    delivery_proof = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()
