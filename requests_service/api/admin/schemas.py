"""Schemas for administration: agencies, users, roles, tokens, negative lists."""

from __future__ import annotations

from marshmallow import fields, validate

from requests_service.api.public.schemas import IntakeOfficeSchema
from requests_service.api.schemas_base import BaseSchema, enum_field, label_of
from requests_service.domain.lifecycle import Role
from requests_service.domain.outcomes import Outcome

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
    reconsideration_body = fields.String(validate=validate.Length(max=200))
    court = fields.String(validate=validate.Length(max=200))
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
    intake_office = fields.Function(lambda a: IntakeOfficeSchema().dump(a))
    reconsideration_body = fields.String()
    court = fields.String()
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
    roles = fields.List(
        enum_field(Role, validate=validate.OneOf(OFFICER_ROLE_CHOICES)),
        required=True,
        validate=validate.Length(min=1),
    )


class UserUpdateSchema(BaseSchema):
    display_name = fields.String(validate=validate.Length(min=1, max=80))
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
    roles = fields.Function(lambda u: [r.value for r in u.roles])
    role_labels = fields.Function(lambda u: [r.label for r in u.roles])
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
