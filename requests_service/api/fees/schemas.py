"""Schemas for fees (信息处理费)."""

from __future__ import annotations

from marshmallow import fields, validate

from requests_service.api.dumping import CompiledDump
from requests_service.api.schemas_base import BaseSchema, enum_field, money
from requests_service.domain.fee_status import FeeStatus
from requests_service.domain.fees import FeeMethod

_COUNT = {"type": "integer", "minimum": 0, "maximum": 1_000_000, "nullable": True}


class FeeVectorInputSchema(BaseSchema):
    """The inputs of a fee vector: a method and one count."""

    method = fields.String(
        required=True,
        metadata={"description": "per_piece 或 per_volume", "enum": [m.value for m in FeeMethod]},
    )
    # Counts: integers (or digit strings); null is the same as leaving the count out.
    piece_ordinal_in_month = fields.Raw(
        allow_none=True, metadata={**_COUNT, "description": "本月第几件（单件费用）"}
    )
    pieces_in_month_total = fields.Raw(
        allow_none=True, metadata={**_COUNT, "description": "本月累计件数（第1件至第N件合计）"}
    )
    pieces_before_in_month = fields.Raw(allow_none=True, metadata=_COUNT)
    pieces_this_application = fields.Raw(allow_none=True, metadata=_COUNT)
    pages = fields.Raw(allow_none=True, metadata={**_COUNT, "description": "页数（按量计收）"})
    note = fields.String(validate=validate.Length(max=500))


class FeeLineSchema(BaseSchema):
    first_unit = fields.Integer()
    last_unit = fields.Integer()
    unit_price = fields.String()
    units = fields.Integer()
    amount = fields.String()
    explanation = fields.String()


class FeeQuoteSchema(CompiledDump, BaseSchema):
    method = fields.String()
    method_label = fields.String()
    yuan = fields.Raw(metadata={"description": "金额（元），数值；整数元时为整数"})
    amount = fields.String(metadata={"description": '精确金额字符串，如"1500.00"'})
    lines = fields.List(fields.Nested(FeeLineSchema))
    explanation = fields.List(fields.String())


class CaseFeePreviewSchema(BaseSchema):
    method = enum_field(FeeMethod, required=True)
    units = fields.Integer(
        validate=validate.Range(min=1, max=100000),
        metadata={"description": "按件：本申请件数（默认案件登记的件数）；按量：页数"},
    )


class FeeDeclineSchema(BaseSchema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class FeeReductionSchema(BaseSchema):
    amount = fields.String(required=True, validate=validate.Length(min=1, max=20))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class FeeRefundSchema(FeeReductionSchema):
    on = fields.Date(metadata={"description": "退费日期（默认今天）"})


class FeeAssessmentSchema(BaseSchema):
    id = fields.Integer()
    case_id = fields.Integer()
    status = fields.String()
    status_label = fields.Function(lambda a: FeeStatus(a.status).label, metadata={"type": "string"})
    method = enum_field(FeeMethod)
    method_label = fields.Function(lambda a: a.method.label, metadata={"type": "string"})
    units = fields.Integer()
    units_before_in_month = fields.Integer()
    amount = money()
    amount_due = money()
    breakdown = fields.Dict()
    notice_issued_on = fields.Date(allow_none=True)
    notice_received_on = fields.Date(allow_none=True)
    payment_due_on = fields.Date(allow_none=True)
    paid_amount = money(allow_none=True)
    paid_on = fields.Date(allow_none=True)
    payment_method = fields.String(allow_none=True)
    receipt_number = fields.String(allow_none=True)
    reduction_reason = fields.String(allow_none=True)
    waived_on = fields.Date(allow_none=True)
    waiver_reason = fields.String(allow_none=True)
    refund_amount = money(allow_none=True)
    refunded_on = fields.Date(allow_none=True)
    refund_reason = fields.String(allow_none=True)
    closed_reason = fields.String(allow_none=True)


class FeeFiguresSchema(BaseSchema):
    notices_issued = fields.Integer()
    amount_noticed = fields.String()
    payments = fields.Integer()
    collected = fields.String()
    waivers = fields.Integer()
    waived = fields.String()
    refunds = fields.Integer()
    refunded = fields.String()
    net_collected = fields.String()


class FeeTotalsSchema(FeeFiguresSchema):
    agency_id = fields.Integer()
    agency_name = fields.String()


class ApplicantLinkCreateSchema(BaseSchema):
    same_as_id = fields.Integer(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class ApplicantLinkSchema(BaseSchema):
    id = fields.Integer()
    applicant_id = fields.Integer()
    same_as_id = fields.Integer()
    person_id_before = fields.Integer(allow_none=True)
    person_id_after = fields.Integer()
    reason = fields.String()
    actor_name = fields.String()
    occurred_at = fields.AwareDateTime()
