"""Exact request bodies per action: a ``oneOf`` with a discriminator, for generated clients.

``POST /cases/{id}/transitions`` used to take one bag of 27 optional fields; the fields that
matter for each action were found by trial. Here each action (and each composite decision)
has its own schema, listing its required fields; the request is validated against the schema
its discriminator names, and the OpenAPI document describes the body as
``oneOf`` + ``discriminator`` so openapi-python-client generates one class per action.
"""

from __future__ import annotations

from typing import Any

from flask import request
from flask_smorest import abort
from marshmallow import Schema, ValidationError, fields, validate

from requests_service.api.cases.schemas import (
    CaseDetailSchema,
    TransitionSchema,
    outcome_details_schema,
)
from requests_service.api.fees.schemas import CaseFeePreviewSchema
from requests_service.api.letters.schemas import LetterSchema
from requests_service.api.schemas_base import CLOSED, BaseSchema, closed_texts, enum_field
from requests_service.domain.lifecycle import Action
from requests_service.domain.outcomes import OUTCOMES_FOR_OFFICER_REPLY, Outcome
from requests_service.services.decisions import DECISION_LABELS
from requests_service.services.letters import EDITABLE_PATHS

# Fields of each action beyond the common ``on`` and ``comment``: (required, optional).
ACTION_FIELDS: dict[Action, tuple[tuple[str, ...], tuple[str, ...]]] = {
    Action.REGISTER: ((), ("signed_for_at", "letter_arrived_at", "confirmed_at", "assignee_id")),
    Action.START_REVIEW: ((), ()),
    Action.REQUEST_CORRECTION: (("correction_items",), ("correction_period_working_days",)),
    Action.RECEIVE_CORRECTION: ((), ("corrected_information",)),
    Action.DEEM_ABANDONED_NO_CORRECTION: ((), ()),
    Action.ACCEPT: ((), ()),
    Action.START_CONSULTATION: (("consulted_party",), ("consultation_kind",)),
    Action.END_CONSULTATION: ((), ("opinion", "third_party_objects")),
    Action.DECIDE_DISCLOSURE_OVER_OBJECTION: (("reason",), ("disclosed_content",)),
    Action.START_SECRECY_REVIEW: ((), ()),
    Action.END_SECRECY_REVIEW: ((), ()),
    Action.ISSUE_FEE_NOTICE: ((), ("notice_received_on",)),
    Action.RECORD_FEE_PAYMENT: (("amount", "payment_method", "receipt_number"), ()),
    Action.WAIVE_FEE: ((), ("reason",)),
    Action.DEEM_ABANDONED_NO_FEE: ((), ()),
    Action.REQUEST_REASONS: (("volume_summary",), ("reason", "reasons_period_working_days")),
    Action.RECEIVE_REASONS: ((), ("deferred_due_on", "applicant_reasons", "deferral_reason")),
    Action.EXTEND: (("extra_working_days", "reason"), ("applicant_notified_on",)),
    Action.DRAFT_REPLY: (
        ("outcome",),
        ("reasons", "legal_basis", "details", "negative_list_entry_id"),
    ),
    Action.REVISE_REPLY: (
        ("outcome",),
        ("reasons", "legal_basis", "details", "negative_list_entry_id"),
    ),
    Action.RETURN_DRAFT: (("reason",), ()),
    Action.APPROVE_REPLY: ((), ()),
    Action.DELIVER: (("delivery_method",), ("proof",)),
    Action.ARCHIVE: ((), ()),
    Action.WITHDRAW: ((), ("reason",)),
}
COMMON = ("on", "comment")


def _outcome_details_doc() -> str:
    rows = []
    for outcome in Outcome:
        if outcome not in OUTCOMES_FOR_OFFICER_REPLY:
            continue
        required = "、".join(outcome.required_details) or "无"
        optional = "、".join(outcome.optional_details) or "无"
        rows.append(f"{outcome.value}（{outcome.label}）：必填 {required}；可选 {optional}")
    return "答复结果所需的details字段——" + "；".join(rows)


OUTCOME_DETAILS_DOC = _outcome_details_doc()


def _copy(field: fields.Field[Any], *, required: bool) -> fields.Field[Any]:
    import copy

    clone = copy.deepcopy(field)
    clone.required = required
    return clone


def _camel(value: str) -> str:
    return "".join(part.capitalize() for part in value.split("_"))


def _transition_schema(action: Action) -> type[Schema]:
    base = TransitionSchema._declared_fields
    required, optional = ACTION_FIELDS[action]
    attrs: dict[str, Any] = {
        "action": fields.String(
            required=True,
            validate=validate.OneOf([action.value]),
            metadata={"description": f"{action.value}（{action.label}）"},
        )
    }
    for name in (*required, *optional, *COMMON):
        if name == "assignee_id":
            attrs[name] = fields.Integer(
                allow_none=True, metadata={"description": "登记时同时指派的承办人（用户ID）"}
            )
            continue
        field = _copy(base[name], required=name in required)
        if name == "details":
            field.metadata = {**field.metadata, "description": OUTCOME_DETAILS_DOC}
        attrs[name] = field
    attrs["__doc__"] = f"{action.label}（action={action.value}）"
    return type(f"Transition{_camel(action.value)}Schema", (BaseSchema,), attrs)


TRANSITION_SCHEMAS: dict[str, type[Schema]] = {a.value: _transition_schema(a) for a in Action}


# ---------------------------------------------------------------- composite decisions


def _decision_field(kind: str) -> fields.String:
    return fields.String(
        required=True,
        validate=validate.OneOf([kind]),
        metadata={"description": f"{kind}：{DECISION_LABELS[kind]}"},
    )


_LETTER_OVERRIDES = fields.Dict(
    keys=fields.String(),
    values=fields.String(),
    metadata={
        "description": '文书可编辑变量，如 {"reply.reasons": "……"}',
        CLOSED: closed_texts(EDITABLE_PATHS, max_length=5000),
    },
)


class ReplyDecisionSchema(BaseSchema):
    """答复决定：案件进入“答复已起草”，答复书草稿随之生成；审核负责人批准后签发。"""

    decision = _decision_field("reply")
    outcome = enum_field(Outcome, required=True)
    reasons = fields.String(validate=validate.Length(max=10000))
    legal_basis = fields.String(validate=validate.Length(max=2000))
    details = fields.Dict(
        keys=fields.String(),
        metadata={"description": OUTCOME_DETAILS_DOC, CLOSED: outcome_details_schema()},
    )
    negative_list_entry_id = fields.Integer(allow_none=True)
    letter_overrides = _LETTER_OVERRIDES
    on = fields.Date(metadata={"description": "事项发生的法定日期（默认今天，北京时间）"})
    comment = fields.String(validate=validate.Length(max=2000))


class CorrectionDecisionSchema(BaseSchema):
    """补正告知：案件进入“待补正”，补正告知书草稿随之生成；审核负责人批准后签发。"""

    decision = _decision_field("correction")
    correction_items = fields.List(
        fields.String(validate=validate.Length(min=1, max=500)),
        required=True,
        validate=validate.Length(min=1, max=50),
    )
    correction_period_working_days = fields.Integer(validate=validate.Range(min=1, max=60))
    letter_overrides = _LETTER_OVERRIDES
    on = fields.Date()
    comment = fields.String(validate=validate.Length(max=2000))


class ExtensionDecisionSchema(BaseSchema):
    """延期答复（审核负责人，第三十三条）：延期并签发延期答复告知书，一次完成。"""

    decision = _decision_field("extension")
    extra_working_days = fields.Integer(required=True, validate=validate.Range(min=1, max=20))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    applicant_notified_on = fields.Date()
    letter_overrides = _LETTER_OVERRIDES
    on = fields.Date()
    comment = fields.String(validate=validate.Length(max=2000))


class FeeDecisionSchema(CaseFeePreviewSchema):
    """收费建议（承办人）：审核负责人批准时发出收费通知并签发收费通知书。"""

    decision = _decision_field("fee")


DECISION_SCHEMAS: dict[str, type[Schema]] = {
    "reply": ReplyDecisionSchema,
    "correction": CorrectionDecisionSchema,
    "extension": ExtensionDecisionSchema,
    "fee": FeeDecisionSchema,
}


class ApprovalSchema(BaseSchema):
    """审核负责人批准待审核的决定：答复（含答复书）或收费通知（含收费通知书），以及待审核文书。"""

    on = fields.Date()
    comment = fields.String(validate=validate.Length(max=2000))
    notice_received_on = fields.Date(
        metadata={"description": "收费通知：申请人收到通知的日期（默认同发出日）"}
    )


class DecisionResultSchema(BaseSchema):
    case = fields.Nested(CaseDetailSchema, required=True)
    letters = fields.List(
        fields.Nested(LetterSchema),
        required=True,
        metadata={"description": "本次决定生成、批准或签发的文书（含签发状态）"},
    )
    steps = fields.List(
        fields.String(), required=True, metadata={"description": "本次执行的步骤（按顺序）"}
    )
    pending = fields.Boolean(
        required=True,
        metadata={"description": "仍有文书在签发中（可用Prefer: wait=N等待，或稍后GET）"},
    )


# ---------------------------------------------------------------- oneOf plumbing


def load_one_of(schemas: dict[str, type[Schema]], discriminator: str) -> dict[str, Any]:
    """Validate the JSON body against the schema its discriminator names (422 otherwise)."""
    body = request.get_json(silent=True)
    if body is None and request.get_data():
        from requests_service.api.errors import MALFORMED_JSON

        abort(400, message=MALFORMED_JSON, reason="malformed_json")
    if not isinstance(body, dict):
        abort(422, message="请求体应为JSON对象。", errors={"_schema": ["应为JSON对象。"]})
        raise AssertionError("abort() returned")  # pragma: no cover - narrows the type
    kind = body.get(discriminator)
    if not isinstance(kind, str) or kind not in schemas:
        abort(
            422,
            message=f"{discriminator}取值无效。",
            errors={discriminator: ["取值应为：" + "、".join(schemas) + "。"]},
        )
    try:
        loaded: dict[str, Any] = schemas[str(kind)]().load(body)
        return loaded
    except ValidationError as exc:
        abort(422, message="请求参数校验未通过，请按errors中列出的字段修改。", errors=exc.messages)
    raise AssertionError("unreachable")


def _component_name(schema: type[Schema]) -> str:
    name = schema.__name__
    return name[: -len("Schema")] if name.endswith("Schema") else name


def one_of_body(schemas: dict[str, type[Schema]], discriminator: str) -> dict[str, Any]:
    refs = {kind: f"#/components/schemas/{_component_name(s)}" for kind, s in schemas.items()}
    return {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "oneOf": [{"$ref": ref} for ref in refs.values()],
                    "discriminator": {"propertyName": discriminator, "mapping": refs},
                }
            }
        },
    }


def register_contract_schemas(api: Any) -> None:
    """Put every variant in components/schemas so the oneOf references resolve."""
    existing = api.spec.components.schemas
    for schemas in (TRANSITION_SCHEMAS, DECISION_SCHEMAS):
        for schema in schemas.values():
            name = _component_name(schema)
            if name not in existing:
                api.spec.components.schema(name, schema=schema)
