"""Schemas for administration: agencies, users, roles, tokens, negative lists."""

from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import fields, validate

from requests_service.api.public.schemas import INTAKE_OFFICE
from requests_service.api.schemas_base import BaseSchema, enum_field, label_of
from requests_service.domain.delivery_status import JobRunStatus, NotificationStatus
from requests_service.domain.events import EventType
from requests_service.domain.lifecycle import Role
from requests_service.domain.messages import NotificationChannel
from requests_service.domain.outcomes import Outcome
from requests_service.domain.reconsideration import ReconsiderationRule
from requests_service.services.scheduled import JOB_LABELS

OFFICER_ROLE_CHOICES = (
    Role.REGISTRAR,
    Role.HANDLER,
    Role.APPROVER,
    Role.AGENCY_ADMIN,
    Role.OVERSIGHT,
)


class IntakeOfficeInSchema(BaseSchema):
    name = fields.String(validate=validate.Length(max=200))
    address = fields.String(validate=validate.Length(max=300))
    postcode = fields.String(validate=validate.Regexp(r"^\d{6}$", error="邮政编码应为6位数字。"))
    phone = fields.String(validate=validate.Length(max=40))
    email = fields.Email()
    office_hours = fields.String(validate=validate.Length(max=200))
    online_form_url = fields.URL()


class AgencyCreateSchema(BaseSchema):
    name = fields.String(required=True, validate=validate.Length(min=2, max=200))
    short_name = fields.String(required=True, validate=validate.Length(min=1, max=40))
    case_number_prefix = fields.String(required=True, validate=validate.Length(min=1, max=40))
    parent_id = fields.Integer(allow_none=True)
    is_oversight_office = fields.Boolean(load_default=False)
    intake_office = fields.Nested(IntakeOfficeInSchema)
    reconsideration_body = fields.String(
        validate=validate.Length(max=200),
        metadata={"description": "直接填写行政复议机关（记为 custom 规则）；建议改用规则选择"},
    )
    reconsideration_rule = fields.String(
        validate=validate.OneOf(["", *[r.value for r in ReconsiderationRule]]),
        metadata={
            "description": "行政复议机关确定规则："
            + "；".join(f"{r.value} {r.label}" for r in ReconsiderationRule)
        },
    )
    same_level_government = fields.String(
        validate=validate.Length(max=200),
        metadata={"description": "本级人民政府名称（第二十四条）"},
    )
    higher_authority = fields.String(
        validate=validate.Length(max=200),
        metadata={"description": "上一级主管部门名称（垂直领导，第二十七条）"},
    )
    higher_government = fields.String(
        validate=validate.Length(max=200), metadata={"description": "上一级人民政府名称"}
    )
    court = fields.String(
        validate=validate.Length(max=200),
        metadata={"description": "指定管辖法院；留空则文书写“依法向人民法院提起行政诉讼”"},
    )
    reasons_period_working_days = fields.Integer(
        validate=validate.Range(min=1, max=60),
        metadata={"description": "第三十五条说明理由的期限（工作日，默认15）"},
    )
    letterhead_enabled = fields.Boolean(
        metadata={"description": "文书使用红色发文机关标志和红色分隔线（信函格式）"}
    )
    letterhead_text = fields.String(
        validate=validate.Length(max=100),
        metadata={"description": "发文机关标志文字（默认机关名称）"},
    )
    correction_period_working_days = fields.Integer(validate=validate.Range(min=1, max=60))
    fee_waiver_allowed = fields.Boolean()
    hold_reply_while_filing_pending = fields.Boolean()
    single_officer_exception = fields.Boolean(
        metadata={
            "description": (
                "单人机关例外：仅有一名在职工作人员时，允许其审核自己起草的答复和文书（每次均记录）"
            )
        }
    )
    topic_min_applicants = fields.Integer(
        validate=validate.Range(min=2, max=1000),
        metadata={"description": "转为主动公开候选所需的不同申请人数（默认3）"},
    )
    topic_window_days = fields.Integer(
        validate=validate.Range(min=7, max=3650),
        metadata={"description": "统计窗口天数（默认365）"},
    )


class AgencyUpdateSchema(AgencyCreateSchema):
    name = fields.String(validate=validate.Length(min=2, max=200))
    short_name = fields.String(validate=validate.Length(min=1, max=40))
    case_number_prefix = fields.String(validate=validate.Length(min=1, max=40))
    is_oversight_office = fields.Boolean()
    active = fields.Boolean()


class AgencySchema(BaseSchema):
    id = fields.Integer()
    name = fields.String()
    short_name = fields.String()
    case_number_prefix = fields.String()
    parent_id = fields.Integer(allow_none=True)
    is_oversight_office = fields.Boolean()
    intake_office = fields.Function(lambda a: INTAKE_OFFICE.dump(a))
    reconsideration_body = fields.String()
    reconsideration_rule = fields.String()
    same_level_government = fields.String()
    higher_authority = fields.String()
    higher_government = fields.String()
    court = fields.String()
    reasons_period_working_days = fields.Integer()
    letterhead_enabled = fields.Boolean()
    letterhead_text = fields.String()
    correction_period_working_days = fields.Integer()
    fee_waiver_allowed = fields.Boolean()
    hold_reply_while_filing_pending = fields.Boolean()
    single_officer_exception = fields.Boolean(
        metadata={
            "description": (
                "单人机关例外：仅有一名在职工作人员时，允许其审核自己起草的答复和文书（每次均记录）"
            )
        }
    )
    topic_min_applicants = fields.Integer(
        validate=validate.Range(min=2, max=1000),
        metadata={"description": "转为主动公开候选所需的不同申请人数（默认3）"},
    )
    topic_window_days = fields.Integer(
        validate=validate.Range(min=7, max=3650),
        metadata={"description": "统计窗口天数（默认365）"},
    )
    active = fields.Boolean()


class UserCreateSchema(BaseSchema):
    agency_id = fields.Integer()
    username = fields.String(
        required=True,
        validate=validate.Regexp(
            r"^[a-z0-9_.-]{3,80}$", error="用户名应为3至80位小写字母、数字、_.-。"
        ),
    )
    display_name = fields.String(required=True, validate=validate.Length(min=1, max=80))
    email = fields.Email(metadata={"description": "工作邮箱：每日待办提醒发往此地址"})
    roles = fields.List(
        enum_field(Role, validate=validate.OneOf(OFFICER_ROLE_CHOICES)),
        required=True,
        validate=validate.Length(min=1),
    )


class UserUpdateSchema(BaseSchema):
    display_name = fields.String(validate=validate.Length(min=1, max=80))
    email = fields.Email(validate=validate.Length(max=200))
    roles = fields.List(
        enum_field(Role, validate=validate.OneOf(OFFICER_ROLE_CHOICES)),
        validate=validate.Length(min=1),
    )
    active = fields.Boolean()


class UserSchema(BaseSchema):
    id = fields.Integer()
    agency_id = fields.Integer()
    username = fields.String()
    display_name = fields.String()
    email = fields.String()
    roles = fields.Function(
        lambda u: [r.value for r in u.roles],
        metadata={"type": "array", "items": {"type": "string"}},
    )
    role_labels = fields.Function(
        lambda u: [r.label for r in u.roles],
        metadata={"type": "array", "items": {"type": "string"}},
    )
    active = fields.Boolean()


class TokenCreateSchema(BaseSchema):
    name = fields.String(load_default="", validate=validate.Length(max=80))


class TokenSchema(BaseSchema):
    id = fields.Integer()
    user_id = fields.Integer()
    name = fields.String()
    created_at = fields.AwareDateTime()
    revoked_at = fields.AwareDateTime(allow_none=True)
    expires_at = fields.AwareDateTime(allow_none=True, metadata={"description": "到期时间（UTC）"})
    token = fields.String(metadata={"description": "令牌明文，只在创建时返回一次"})


class EnrolmentSchema(BaseSchema):
    id = fields.Integer()
    user_id = fields.Integer()
    expires_at = fields.AwareDateTime()
    code = fields.String(
        metadata={"description": "一次性登记码，只显示一次；请交给本人，由本人兑换令牌"}
    )


class EnrolmentRedeemSchema(BaseSchema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=100))
    name = fields.String(load_default="", validate=validate.Length(max=80))


class NegativeListEntryCreateSchema(BaseSchema):
    category = fields.String(required=True, validate=validate.Length(min=2, max=200))
    description = fields.String(validate=validate.Length(max=5000))
    legal_basis = fields.String(required=True, validate=validate.Length(min=2, max=2000))
    outcome = enum_field(Outcome, required=True)


class NegativeListEntryUpdateSchema(NegativeListEntryCreateSchema):
    category = fields.String(validate=validate.Length(min=2, max=200))
    legal_basis = fields.String(validate=validate.Length(min=2, max=2000))
    outcome = enum_field(Outcome)
    active = fields.Boolean()


class NegativeListEntrySchema(BaseSchema):
    id = fields.Integer()
    agency_id = fields.Integer()
    category = fields.String()
    description = fields.String()
    legal_basis = fields.String()
    outcome = enum_field(Outcome)
    outcome_label = label_of("outcome")
    active = fields.Boolean()


class RegroupMoveSchema(BaseSchema):
    case_id = fields.Integer()
    from_topic_id = fields.Integer(allow_none=True)
    to_topic_id = fields.Integer()


class RegroupReportSchema(BaseSchema):
    agency_id = fields.Integer()
    cases = fields.Integer(metadata={"description": "重新归并的申请（未作决定的主题中的申请）"})
    topics = fields.Integer(metadata={"description": "归并后的主题数"})
    moved = fields.List(fields.Nested(RegroupMoveSchema), metadata={"description": "调整的申请"})
    created_topics = fields.List(fields.Integer(), metadata={"description": "新建的主题"})
    status_changes = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={"description": "候选状态（第四十四条）变化的主题及其新状态"},
    )


class LapseReportSchema(BaseSchema):
    closed_no_correction = fields.List(
        fields.Integer(), metadata={"description": "逾期未补正而终止的案件"}
    )
    closed_fee_unpaid = fields.List(
        fields.Integer(), metadata={"description": "逾期未缴费而终止的案件"}
    )
    failed = fields.Dict(keys=fields.String(), values=fields.String())


class AdminEventSchema(BaseSchema):
    id = fields.Integer()
    agency_id = fields.Integer()
    action = fields.String()
    target_type = fields.String()
    target_id = fields.Integer()
    actor_name = fields.String()
    occurred_at = fields.AwareDateTime()
    before = fields.Dict(allow_none=True)
    after = fields.Dict(allow_none=True)


class ReconsiderationChoiceSchema(BaseSchema):
    rule = fields.String()
    label = fields.String()
    article = fields.String()
    explanation = fields.String()
    name_field = fields.String()
    body = fields.String(allow_none=True)
    applies = fields.Boolean()
    missing_name = fields.Boolean()


class ReconsiderationOptionsSchema(BaseSchema):
    agency_id = fields.Integer()
    rule = fields.String(allow_none=True)
    reconsideration_body = fields.String(allow_none=True)
    applied = fields.Nested(ReconsiderationChoiceSchema, allow_none=True)
    options = fields.List(fields.Nested(ReconsiderationChoiceSchema))
    court = fields.String(allow_none=True)
    court_wording = fields.String()
    warnings = fields.List(fields.String())


class JobRunSchema(BaseSchema):
    id = fields.Integer()
    job = fields.String()
    job_label = fields.Function(lambda r: JOB_LABELS.get(r.job, r.job))
    period = fields.String(metadata={"description": "执行周期（法定日期，Asia/Shanghai）"})
    status = fields.String(metadata={"description": "running/succeeded/failed"})
    status_label = fields.Function(lambda r: JobRunStatus(r.status).label)
    runner = fields.String(metadata={"description": "执行者（主机:进程号）"})
    started_at = fields.AwareDateTime()
    finished_at = fields.AwareDateTime(allow_none=True)
    outcome = fields.Dict()
    error = fields.String(allow_none=True)


class ScheduledJobSchema(BaseSchema):
    job = fields.String()
    label = fields.String()
    schedule = fields.String()
    last_run = fields.Nested(JobRunSchema, allow_none=True)


def _template_label(template: str) -> str:
    if template == "handler_digest":
        return "承办人每日待办提醒"
    try:
        return EventType(template).label
    except ValueError:
        return template


class NotificationQueryArgsSchema(BaseSchema):
    status = fields.String(validate=validate.OneOf(list(NotificationStatus)))


class NotificationSchema(BaseSchema):
    id = fields.Integer()
    template = fields.String()
    template_label = fields.Function(lambda n: _template_label(n.template))
    channel = fields.String()
    channel_label = fields.Function(lambda n: NotificationChannel.label_of(n.channel))
    case_id = fields.Integer(allow_none=True)
    user_id = fields.Integer(allow_none=True)
    status = fields.String()
    status_label = fields.Function(lambda n: NotificationStatus(n.status).label)
    attempts = fields.Integer()
    next_attempt_at = fields.AwareDateTime(allow_none=True)
    last_error = fields.String(allow_none=True)
    sent_at = fields.AwareDateTime(allow_none=True)
    created_at = fields.AwareDateTime()


class AgencyFontSchema(BaseSchema):
    id = fields.Integer()
    agency_id = fields.Integer()
    role = fields.String()
    family = fields.String(metadata={"description": "字体文件中的字体名称"})
    filename = fields.String()
    source = fields.String(metadata={"description": "upload（上传）或 path（服务器FONT_DIR下）"})
    sha256 = fields.String()
    size_bytes = fields.Integer()
    glyph_count = fields.Integer()
    uploaded_at = fields.AwareDateTime()


class AgencyFontArgsSchema(BaseSchema):
    role = fields.String(
        required=True,
        validate=validate.OneOf(("body", "title")),
        metadata={"description": "body 正文（3号仿宋）；title 标题（2号小标宋）"},
    )
    path = fields.String(
        validate=validate.Length(min=1, max=500),
        metadata={"description": "不上传文件时：服务器FONT_DIR下的字体文件相对路径"},
    )


class FontUploadSchema(BaseSchema):
    file = Upload()
