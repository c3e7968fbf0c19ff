"""Schemas for frequently requested information, the public catalogue and surge alerts."""

from __future__ import annotations

from marshmallow import fields, validate

from requests_service.api.schemas_base import BaseSchema
from requests_service.domain.topic_status import TopicStatus


class TopicSchema(BaseSchema):
    id = fields.Integer()
    agency_id = fields.Integer()
    representative_text = fields.String()
    status = fields.String()
    status_label = fields.Function(
        lambda t: TopicStatus(t.status).label, metadata={"type": "string"}
    )
    case_count = fields.Integer()
    applicant_count = fields.Integer(metadata={"description": "近12个月不同申请人数"})
    first_on = fields.Date()
    last_on = fields.Date()
    decided_at = fields.AwareDateTime(allow_none=True)
    decision_reason = fields.String(allow_none=True)


class TopicMemberSchema(BaseSchema):
    id = fields.Integer()
    case_number = fields.String(allow_none=True)
    receipt_date = fields.Date(allow_none=True)
    requested_information = fields.String()
    topic_explanation = fields.String(
        allow_none=True,
        metadata={
            "description": "归入该主题的依据，如“共同要素：滨河片区 · 征收补偿方案 · 2025年”"
        },
    )


class TopicSplitSchema(BaseSchema):
    case_ids = fields.List(
        fields.Integer(), required=True, validate=validate.Length(min=1, max=10000)
    )
    reason = fields.String(required=True, validate=validate.Length(max=2000))


class TopicMergeSchema(BaseSchema):
    topic_id = fields.Integer(required=True, metadata={"description": "并入本主题的另一主题"})
    reason = fields.String(required=True, validate=validate.Length(max=2000))


class CaseTopicMoveSchema(BaseSchema):
    topic_id = fields.Integer(required=True, metadata={"description": "目标主题"})
    reason = fields.String(required=True, validate=validate.Length(max=2000))


class TopicQueryArgsSchema(BaseSchema):
    status = fields.String(validate=validate.OneOf(tuple(TopicStatus)))
    agency_id = fields.Integer()
    min_applicants = fields.Integer(validate=validate.Range(min=1, max=100000))


class TopicDecisionSchema(BaseSchema):
    decision = fields.String(required=True, validate=validate.OneOf(("convert", "decline")))
    title = fields.String(validate=validate.Length(min=2, max=300))
    location = fields.String(
        validate=validate.Length(min=2, max=500), metadata={"description": "公开位置（网址或栏目）"}
    )
    category = fields.String(
        validate=validate.Length(min=2, max=100), metadata={"description": "主动公开类别"}
    )
    published_on = fields.Date()
    reason = fields.String(validate=validate.Length(max=2000))


class TopicEventSchema(BaseSchema):
    id = fields.Integer()
    action = fields.String()
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    actor_name = fields.String()
    occurred_at = fields.AwareDateTime()
    data = fields.Dict()


class PublishedItemSchema(BaseSchema):
    id = fields.Integer()
    agency_id = fields.Integer()
    topic_id = fields.Integer(allow_none=True)
    title = fields.String()
    location = fields.String()
    category = fields.String()
    published_on = fields.Date()
    score = fields.Float(
        allow_none=True, metadata={"description": "与查询文字的相似度（仅检索时；否则为null）"}
    )


class CatalogueQueryArgsSchema(BaseSchema):
    q = fields.String(validate=validate.Length(min=1, max=2000))
    agency_id = fields.Integer()


class SurgeAlertSchema(BaseSchema):
    id = fields.Integer()
    topic_id = fields.Integer()
    agency_id = fields.Integer()
    day = fields.Date()
    today_count = fields.Integer()
    baseline_mean = fields.Float()
    message = fields.String()
    acknowledged_at = fields.AwareDateTime(allow_none=True)


class RelatedSchema(BaseSchema):
    topic_id = fields.Integer(allow_none=True)
    topic_pending = fields.Boolean(
        metadata={
            "description": "该申请尚在归入主题（几秒内完成）：此前同一主题的申请暂未列出，"
            "判断是否重复申请请稍后再看"
        }
    )
    earlier_same_topic = fields.List(fields.Dict())
    repeat_suspected = fields.Boolean()
    excessive = fields.Dict(allow_none=True)
