"""Schemas for difficult-case filings, remedy records, loss rates and the self-check."""

from __future__ import annotations

from marshmallow import fields, validate

from requests_service.api.schemas_base import BaseSchema, PeriodArgsSchema, enum_field
from requests_service.domain.oversight import (
    CorrectionReason,
    FilingAction,
    FilingCategory,
    FilingStatus,
    RemedyKind,
    RemedyResult,
)


class FilingCreateSchema(BaseSchema):
    category = enum_field(FilingCategory, required=True)
    summary = fields.String(required=True, validate=validate.Length(min=2, max=5000))
    proposed_reply = fields.String(required=True, validate=validate.Length(min=2, max=5000))
    proposed_basis = fields.String(required=True, validate=validate.Length(min=2, max=2000))
    attachment_ids = fields.List(fields.Integer(), validate=validate.Length(max=20))
    trigger_on = fields.Date(metadata={"description": "触发报备的日期（默认收到申请之日）"})


class FilingActionSchema(BaseSchema):
    action = enum_field(FilingAction, required=True)
    guidance = fields.String(validate=validate.Length(max=10000))
    attachment_ids = fields.List(fields.Integer(), validate=validate.Length(max=20))
    note = fields.String(validate=validate.Length(max=2000))


class FilingSchema(BaseSchema):
    id = fields.Integer()
    case_id = fields.Integer()
    agency_id = fields.Integer()
    oversight_agency_id = fields.Integer()
    category = fields.String()
    category_label = fields.Function(
        lambda f: FilingCategory(f.category).label, metadata={"type": "string"}
    )
    status = fields.String()
    status_label = fields.Function(
        lambda f: FilingStatus(f.status).label, metadata={"type": "string"}
    )
    summary = fields.String()
    proposed_reply = fields.String()
    proposed_basis = fields.String()
    attachment_ids = fields.List(fields.Integer())
    trigger_on = fields.Date()
    filed_on = fields.Date()
    working_days_to_file = fields.Integer(
        dump_default=None, metadata={"description": "触发至报备的工作日数（应“即时报备”）"}
    )
    filed_at = fields.AwareDateTime()
    received_at = fields.AwareDateTime(allow_none=True)
    guidance = fields.String(allow_none=True)
    guidance_attachment_ids = fields.List(fields.Integer())
    guidance_at = fields.AwareDateTime(allow_none=True)
    closed_at = fields.AwareDateTime(allow_none=True)
    close_note = fields.String(allow_none=True)


class FilingQueryArgsSchema(BaseSchema):
    status = enum_field(FilingStatus)
    category = enum_field(FilingCategory)
    agency_id = fields.Integer()


class FilingEventSchema(BaseSchema):
    id = fields.Integer()
    action = fields.String()
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    actor_name = fields.String()
    occurred_at = fields.AwareDateTime()
    data = fields.Dict()


class FilingCountsSchema(BaseSchema):
    filed = fields.Integer()
    received = fields.Integer()
    guidance_given = fields.Integer()
    closed = fields.Integer()


class RemedyCreateSchema(BaseSchema):
    kind = enum_field(RemedyKind, required=True)
    body = fields.String(
        required=True,
        validate=validate.Length(min=2, max=200),
        metadata={"description": "复议机关或法院"},
    )
    external_case_number = fields.String(validate=validate.Length(max=100))
    filed_on = fields.Date(required=True)
    decided_on = fields.Date(allow_none=True)
    result = enum_field(RemedyResult, required=True)
    correction_reasons = fields.List(enum_field(CorrectionReason))
    notes = fields.String(validate=validate.Length(max=5000))


class RemedyUpdateSchema(RemedyCreateSchema):
    kind = enum_field(RemedyKind)
    body = fields.String(validate=validate.Length(min=2, max=200))
    filed_on = fields.Date()
    result = enum_field(RemedyResult)


class RemedySchema(BaseSchema):
    id = fields.Integer()
    case_id = fields.Integer()
    agency_id = fields.Integer()
    kind = fields.String()
    kind_label = fields.Function(lambda r: RemedyKind(r.kind).label, metadata={"type": "string"})
    body = fields.String()
    external_case_number = fields.String()
    filed_on = fields.Date()
    decided_on = fields.Date(allow_none=True)
    result = fields.String()
    result_label = fields.Function(
        lambda r: RemedyResult(r.result).label, metadata={"type": "string"}
    )
    correction_reasons = fields.List(fields.String())
    notes = fields.String()


class LossRateArgsSchema(PeriodArgsSchema):
    group_by = fields.String(
        load_default="agency", validate=validate.OneOf(("agency", "outcome", "reason"))
    )


class LossRateSchema(BaseSchema):
    key = fields.String()
    label = fields.String()
    decided = fields.Integer()
    corrected = fields.Integer()
    loss_rate = fields.Float()


class SelfCheckArgsSchema(PeriodArgsSchema):
    agency_id = fields.Integer()


class SelfCheckSchema(BaseSchema):
    agency_id = fields.Integer()
    agency_name = fields.String()
    date_from = fields.Date()
    date_to = fields.Date()
    findings = fields.List(fields.Dict())
    intake_office_missing = fields.List(fields.String())
    defects = fields.Integer()
