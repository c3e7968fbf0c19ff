"""Schemas for letters and notices."""

from __future__ import annotations

from marshmallow import fields, validate

from requests_service.api.cases.schemas import DELIVERY_METHODS
from requests_service.api.schemas_base import CLOSED, BaseSchema, closed_texts
from requests_service.services.letter_kinds import LETTER_KINDS
from requests_service.services.letters import EDITABLE_PATHS, KINDS, LetterStatus


class LetterCreateSchema(BaseSchema):
    kind = fields.String(
        required=True,
        validate=validate.OneOf([k for k in KINDS if k != "application_form"]),
        metadata={
            "description": "；".join(
                f"{k.key} {k.title}" for k in LETTER_KINDS.values() if k.key != "application_form"
            )
        },
    )


class LetterEditSchema(BaseSchema):
    overrides = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        required=True,
        metadata={
            "description": '可编辑变量，如 {"reply.reasons": "……"}',
            CLOSED: closed_texts(EDITABLE_PATHS, max_length=5000),
        },
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


def _typography(letter: object) -> dict[str, object] | None:
    """The faces an issued letter was set in (GB/T 9704: body 仿宋, title 小标宋)."""
    context = getattr(letter, "issued_context", None) or {}
    typography = context.get("typography")
    if not typography:
        return None
    return {role: typography[role] for role in ("body", "title") if role in typography}


class LetterSchema(BaseSchema):
    id = fields.Integer()
    case_id = fields.Integer()
    kind = fields.String()
    status = fields.String()
    status_label = fields.Function(
        lambda letter: LetterStatus(letter.status).label, metadata={"type": "string"}
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
    typography = fields.Function(
        lambda letter: _typography(letter),
        metadata={"description": "签发文书所用字体：正文（body）和标题（title），来源与名称"},
    )
    approved_at = fields.AwareDateTime(allow_none=True)
    delivery_method = fields.String(allow_none=True)
    delivered_on = fields.Date(allow_none=True)
    delivery_proof = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()
