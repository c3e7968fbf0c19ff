"""Schemas for the working-day calendar and the public due-date calculator."""

from __future__ import annotations

from marshmallow import fields, validate

from requests_service.api.dumping import CompiledDump
from requests_service.api.schemas_base import BaseSchema


class YearArrangementInSchema(BaseSchema):
    year = fields.Integer()
    source_ref = fields.String(
        required=True,
        validate=validate.Length(min=2, max=300),
        metadata={"description": "来源文件，如“国务院办公厅关于2027年部分节假日安排的通知”"},
    )
    days_off = fields.List(fields.String(), required=True, metadata={"description": "放假日期"})
    makeup_workdays = fields.List(
        fields.String(), required=True, metadata={"description": "调休上班日期（须为周末）"}
    )


class YearArrangementSchema(BaseSchema):
    year = fields.Integer()
    source_ref = fields.String()
    days_off = fields.List(fields.String())
    makeup_workdays = fields.List(fields.String())


class CalendarUpdateResultSchema(BaseSchema):
    year = fields.Integer()
    cases_recomputed = fields.Integer()
    cases_changed = fields.Integer()


class CalendarYearStatusSchema(BaseSchema):
    year = fields.Integer()
    official = fields.Boolean()
    provisional = fields.Boolean()
    source = fields.String(allow_none=True)


class CalendarOverviewSchema(BaseSchema):
    today = fields.Date()
    horizon = fields.Date(allow_none=True, metadata={"description": "已载入官方安排的最后一天"})
    years = fields.List(fields.Nested(CalendarYearStatusSchema))
    warnings = fields.List(fields.String())
    bundled_years = fields.List(fields.Integer())


class CalendarChangeSchema(BaseSchema):
    id = fields.Integer()
    year = fields.Integer()
    actor_name = fields.String()
    occurred_at = fields.AwareDateTime()
    before = fields.Dict(allow_none=True)
    after = fields.Dict()
    cases_recomputed = fields.Integer()


class ClockEventInSchema(BaseSchema):
    type = fields.String(required=True)
    date = fields.String(required=True)
    extra_working_days = fields.Integer()
    deferred_due = fields.String()


QUERIES = ("correction_notice_deadline", "third_party_opinion_deadline", "fee_payment_deadline")


class DeadlineInputSchema(BaseSchema):
    """The inputs of a deadline vector: a clock, or a query for one of the other clocks.

    Timestamps are ISO 8601 with an offset (e.g. 2026-03-02T10:00:00+08:00); dates YYYY-MM-DD.
    """

    channel = fields.String(
        metadata={"description": "in_person/post_signed/ordinary_mail/online/fax/email"}
    )
    submitted_at = fields.String()
    signed_for_at = fields.String()
    letter_arrived_at = fields.String()
    confirmed_at = fields.String()
    events = fields.List(fields.Nested(ClockEventInSchema), validate=validate.Length(max=50))
    query = fields.String(validate=validate.OneOf(QUERIES))
    third_party_received_letter = fields.String()
    fee_notice_received = fields.String()
    today = fields.String(metadata={"description": "计算“今天”的日期（默认收到申请之日）"})
    note = fields.String(validate=validate.Length(max=500))


class DeadlineResultSchema(CompiledDump, BaseSchema):
    """Dates are ISO strings; which keys appear depends on the input (clock or query)."""

    channel = fields.String()
    receipt_date = fields.String()
    start_date = fields.String()
    original_due = fields.String(allow_none=True)
    reply_due = fields.String(allow_none=True)
    deferred_due = fields.String(allow_none=True)
    extended = fields.Boolean()
    extension_days = fields.Integer()
    state = fields.String()
    state_label = fields.String()
    pause_reason = fields.String(allow_none=True)
    paused_intervals = fields.List(fields.Dict())
    working_days_used = fields.Integer()
    working_days_left = fields.Integer()
    late_by_working_days = fields.Integer()
    provisional = fields.Boolean()
    correction_notice_due = fields.String()
    third_party_due = fields.String()
    payment_due = fields.String()
    explanation = fields.List(fields.String())
