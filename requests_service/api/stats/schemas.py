"""Schemas for statistics and the annual report."""

from __future__ import annotations

from marshmallow import fields, validate

from requests_service.api.fees.schemas import FeeFiguresSchema
from requests_service.api.schemas_base import CLOSED, BaseSchema, PeriodArgsSchema
from requests_service.domain.annual_report import SECTION2_ROWS

_COUNT_CELL = {"type": "integer", "minimum": 0, "maximum": 10**9, "nullable": True}
# 万元, at most four decimals (to the yuan), below one billion.
_MONEY_CELL = {"type": "string", "pattern": "^[0-9]{1,9}(?:\\.[0-9]{1,4})?$", "nullable": True}
SECTION2_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        row.key: {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                cell: dict(_MONEY_CELL if row.money else _COUNT_CELL) for cell, _ in row.cells
            },
        }
        for row in SECTION2_ROWS
    },
}

_AGENCY = {"description": "机关ID（默认本人所在机关）；监督机构可查看其下级机关"}
_ROLLUP = {"description": "是否汇总所有下级机关（按机关层级）"}


class StatisticsQueryArgsSchema(PeriodArgsSchema):
    agency_id = fields.Integer(validate=validate.Range(min=1), metadata=_AGENCY)
    rollup = fields.Boolean(load_default=False, metadata=_ROLLUP)
    format = fields.String(
        load_default="json",
        validate=validate.OneOf(("json", "csv")),
        metadata={"description": "json 或 csv（UTF-8，带BOM，便于Excel打开）"},
    )


class AnnualReportQueryArgsSchema(BaseSchema):
    agency_id = fields.Integer(validate=validate.Range(min=1), metadata=_AGENCY)
    rollup = fields.Boolean(load_default=False, metadata=_ROLLUP)
    format = fields.String(
        load_default="json",
        validate=validate.OneOf(("json", "csv", "html", "pdf")),
        metadata={"description": "json、csv（第三部分、空行、第四部分；UTF-8带BOM）、html 或 pdf"},
    )


# --- statistics ---------------------------------------------------------------------------------


class CountItemSchema(BaseSchema):
    key = fields.String()
    label = fields.String()
    count = fields.Integer()


class ChannelRowSchema(BaseSchema):
    channel = fields.String()
    label = fields.String()
    values = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        metadata={"description": "申请人类型列（natural_person…other）及total"},
    )


class ReceivedSchema(BaseSchema):
    total = fields.Integer()
    by_channel = fields.List(fields.Nested(CountItemSchema))
    by_applicant = fields.List(fields.Nested(CountItemSchema))
    unclassified = fields.Integer(
        metadata={"description": "申请人为法人或其他组织但未填写组织类型的件数"}
    )
    matrix = fields.List(fields.Nested(ChannelRowSchema))


class OutcomeItemSchema(CountItemSchema):
    group = fields.String()
    group_label = fields.String()


class OutcomesSchema(BaseSchema):
    finished = fields.Integer(metadata={"description": "统计期内办结（答复或终止）的件数"})
    total = fields.Integer(metadata={"description": "各办理结果合计"})
    without_outcome = fields.Integer()
    items = fields.List(fields.Nested(OutcomeItemSchema))
    groups = fields.List(fields.Nested(CountItemSchema))


class TimelinessSchema(BaseSchema):
    replied = fields.Integer()
    with_due_date = fields.Integer()
    without_due_date = fields.Integer()
    on_time = fields.Integer()
    late = fields.Integer()
    on_time_rate = fields.Float(allow_none=True, metadata={"description": "0–1，无数据时为null"})
    average_working_days = fields.Float(
        allow_none=True, metadata={"description": "收到至答复的平均工作日数（未扣除暂停）"}
    )


class OpenFiguresSchema(BaseSchema):
    as_of = fields.Date()
    open = fields.Integer()
    paused = fields.Integer()
    awaiting_delivery = fields.Integer(metadata={"description": "答复已签发、尚待送达"})
    overdue = fields.Integer(metadata={"description": "截止日尚未答复、未暂停且已过答复期限"})


class StatisticsSchema(BaseSchema):
    agency_ids = fields.List(fields.Integer())
    date_from = fields.Date()
    date_to = fields.Date()
    as_of = fields.Date()
    received = fields.Nested(ReceivedSchema)
    outcomes = fields.Nested(OutcomesSchema)
    timeliness = fields.Nested(TimelinessSchema)
    extensions = fields.Integer()
    fees = fields.Nested(FeeFiguresSchema)
    open = fields.Nested(OpenFiguresSchema)
    pending_at_end = fields.Integer(
        metadata={"description": "统计期结束日已收到但尚未办结的件数（全年统计时即结转下年度）"}
    )
    topics_converted = fields.Integer()
    notes = fields.List(fields.String())


# --- annual report ------------------------------------------------------------------------------


class ColumnSchema(BaseSchema):
    key = fields.String()
    label = fields.String()


class ReportRowSchema(BaseSchema):
    key = fields.String()
    label = fields.String()
    level = fields.Integer()
    values = fields.Dict(keys=fields.String(), values=fields.Integer(), allow_none=True)


class AnomalySchema(BaseSchema):
    section = fields.String()
    case_id = fields.Integer(allow_none=True)
    remedy_record_id = fields.Integer(allow_none=True)
    reason = fields.String()


class Section3Schema(BaseSchema):
    section = fields.String()
    year = fields.Integer()
    columns = fields.List(fields.Nested(ColumnSchema))
    rows = fields.List(fields.Nested(ReportRowSchema))
    anomalies = fields.List(fields.Nested(AnomalySchema))


class RemedyGroupSchema(BaseSchema):
    key = fields.String()
    label = fields.String()
    values = fields.Dict(keys=fields.String(), values=fields.Integer())


class Section4Schema(BaseSchema):
    section = fields.String()
    year = fields.Integer()
    columns = fields.List(fields.Nested(ColumnSchema))
    groups = fields.List(fields.Nested(RemedyGroupSchema))
    anomalies = fields.List(fields.Nested(AnomalySchema))


class AgencyRefSchema(BaseSchema):
    id = fields.Integer()
    name = fields.String()


class AnnualReportSchema(BaseSchema):
    year = fields.Integer()
    agency_ids = fields.List(fields.Integer())
    agencies = fields.List(fields.Nested(AgencyRefSchema))
    section3 = fields.Nested(Section3Schema)
    section4 = fields.Nested(Section4Schema)
    identity_violations = fields.List(
        fields.String(), metadata={"description": "勾稽关系（一＋二＝三（七）＋四）不成立之处"}
    )
    anomalies = fields.List(fields.Nested(AnomalySchema))
    notes = fields.List(fields.String())


# --- the whole annual report (sections 一–六) ----------------------------------------------------


class ReportAgencyArgsSchema(BaseSchema):
    agency_id = fields.Integer(validate=validate.Range(min=1), metadata=_AGENCY)


class FullReportQueryArgsSchema(ReportAgencyArgsSchema):
    format = fields.String(
        load_default="json",
        validate=validate.OneOf(("json", "csv", "html", "pdf")),
        metadata={"description": "json、csv（六个部分依次排列；UTF-8带BOM）、html 或 pdf"},
    )


class AnnualReportInputsInSchema(BaseSchema):
    section1_text = fields.String(metadata={"description": "一、总体情况"})
    section2_text = fields.String(metadata={"description": "二、主动公开政府信息情况（说明文字）"})
    section2 = fields.Dict(
        keys=fields.String(),
        metadata={
            CLOSED: SECTION2_SCHEMA,
            "description": "第二部分表格：{行: {栏目: 数值}}；行为 regulations、"
            "normative_documents（made、repealed、in_force），licensing、penalties、"
            "enforcement（decisions），administrative_fees（amount_10k_yuan，万元）",
        },
    )
    section5_text = fields.String(metadata={"description": "五、存在的主要问题及改进情况"})
    section6_text = fields.String(metadata={"description": "六、其他需要报告的事项"})


class AnnualReportInputsSchema(BaseSchema):
    agency_id = fields.Integer()
    year = fields.Integer()
    data = fields.Dict()
    section2 = fields.List(fields.Dict())
    missing = fields.List(fields.String())
    updated_at = fields.AwareDateTime(allow_none=True)
    updated_by_user_id = fields.Integer(allow_none=True)
    version = fields.Integer()


class FullReportSchema(BaseSchema):
    year = fields.Integer()
    agency_id = fields.Integer()
    agency_name = fields.String()
    title = fields.String()
    section_titles = fields.Dict()
    sections = fields.List(fields.Dict(), metadata={"description": "六个部分的序号和标题，按顺序"})
    section1 = fields.Dict()
    section2 = fields.Dict()
    section3 = fields.Dict()
    section4 = fields.Dict()
    section5 = fields.Dict()
    section6 = fields.Dict()
    checks = fields.List(fields.Dict())
    checks_passed = fields.Boolean()
    missing_inputs = fields.List(fields.String())
    identity_violations = fields.List(fields.String())
    notes = fields.List(fields.String())
