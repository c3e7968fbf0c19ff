"""Schemas for webhook subscriptions, deliveries, and the payload receivers get."""

from __future__ import annotations

from marshmallow import fields, validate

from requests_service.api.schemas_base import BaseSchema
from requests_service.domain.delivery_status import DeliveryStatus
from requests_service.domain.events import EventType

EVENT_TYPES = [t.value for t in EventType]
EVENT_TYPE_DOC = "；".join(f"{t.value}={t.label}" for t in EventType)


# The service refuses other schemes; which hosts are allowed is the installation's setting.
WEBHOOK_URL_PATTERN = "^https?://[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:[/?#][!-~]*)?$"


class SubscriptionCreateSchema(BaseSchema):
    agency_id = fields.Integer(metadata={"description": "默认为本人所在机关"})
    url = fields.String(
        required=True,
        validate=validate.Length(min=8, max=500),
        metadata={
            "description": "接收地址（http/https），主机须在系统允许的范围内",
            "pattern": WEBHOOK_URL_PATTERN,
        },
    )
    description = fields.String(validate=validate.Length(max=200))
    event_types = fields.List(
        fields.String(validate=validate.OneOf(EVENT_TYPES)),
        metadata={"description": "订阅的事件类型，空表示全部。取值：" + EVENT_TYPE_DOC},
    )
    active = fields.Boolean()


class SubscriptionUpdateSchema(BaseSchema):
    url = fields.String(
        validate=validate.Length(min=8, max=500), metadata={"pattern": WEBHOOK_URL_PATTERN}
    )
    description = fields.String(validate=validate.Length(max=200))
    event_types = fields.List(fields.String(validate=validate.OneOf(EVENT_TYPES)))
    active = fields.Boolean()


class SubscriptionSchema(BaseSchema):
    id = fields.Integer()
    agency_id = fields.Integer()
    url = fields.String()
    description = fields.String()
    event_types = fields.List(fields.String())
    active = fields.Boolean()
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class SubscriptionWithSecretSchema(SubscriptionSchema):
    secret = fields.String(
        metadata={"description": "签名密钥：仅在创建或轮换时返回一次，请妥善保存"}
    )


class DeliveryQueryArgsSchema(BaseSchema):
    status = fields.String(validate=validate.OneOf(tuple(DeliveryStatus)))


class AttemptSchema(BaseSchema):
    attempted_at = fields.AwareDateTime()
    status_code = fields.Integer(allow_none=True)
    error = fields.String(allow_none=True)
    duration_ms = fields.Integer()


class DeliverySchema(BaseSchema):
    id = fields.Integer()
    subscription_id = fields.Integer()
    url = fields.String()
    event_id = fields.String()
    event_type = fields.String()
    event_type_label = fields.String()
    case_id = fields.Integer(allow_none=True)
    status = fields.String(metadata={"description": "pending/sending/succeeded/dead"})
    status_label = fields.Function(lambda d: DeliveryStatus(d["status"]).label)
    attempts = fields.Integer()
    next_attempt_at = fields.AwareDateTime(allow_none=True)
    last_status_code = fields.Integer(allow_none=True)
    last_error = fields.String(allow_none=True)
    delivered_at = fields.AwareDateTime(allow_none=True)
    created_at = fields.AwareDateTime()


class DeliveryDetailSchema(DeliverySchema):
    payload = fields.Dict()
    log = fields.List(fields.Nested(AttemptSchema), metadata={"description": "投递日志"})


# ---------------------------------------------------------------- what receivers get


class WebhookCaseSchema(BaseSchema):
    id = fields.Integer()
    case_number = fields.String(allow_none=True)
    tracking_code = fields.String()
    state = fields.String()
    state_label = fields.String()
    channel = fields.String()
    due_on = fields.Date(allow_none=True)
    due_provisional = fields.Boolean()


class WebhookTopicSchema(BaseSchema):
    id = fields.Integer()
    status = fields.String()
    case_count = fields.Integer()
    applicant_count = fields.Integer()


class WebhookEventSchema(BaseSchema):
    """The JSON body POSTed to a subscription (no personal data of applicants)."""

    id = fields.String(
        metadata={"description": "事件ID（UUID），重试时不变，接收方据此去重；同 Webhook-Id 头"}
    )
    type = fields.String(
        validate=validate.OneOf(EVENT_TYPES), metadata={"description": EVENT_TYPE_DOC}
    )
    type_label = fields.String()
    occurred_at = fields.AwareDateTime()
    agency_id = fields.Integer()
    case = fields.Nested(WebhookCaseSchema, metadata={"description": "案件事件才有"})
    topic = fields.Nested(WebhookTopicSchema, metadata={"description": "topic.candidate 才有"})
    data = fields.Dict(
        metadata={
            "description": "事件数据：action（触发的办理环节）、public（申请人可见）、"
            "due_on、document_number、kind、filing_id 等"
        }
    )


SIGNATURE_HEADERS = [
    {
        "name": "Webhook-Id",
        "in": "header",
        "required": True,
        "schema": {"type": "string"},
        "description": "事件ID，重试时不变",
    },
    {
        "name": "Webhook-Event",
        "in": "header",
        "required": True,
        "schema": {"type": "string"},
        "description": "事件类型",
    },
    {
        "name": "Webhook-Timestamp",
        "in": "header",
        "required": True,
        "schema": {"type": "integer"},
        "description": "发送时间（Unix 秒）",
    },
    {
        "name": "Webhook-Signature",
        "in": "header",
        "required": True,
        "schema": {"type": "string"},
        "description": "v1=十六进制 HMAC-SHA256(密钥, 时间戳 + '.' + 原始请求体)；"
        "校验方法见 README。可能以逗号分隔列出多个签名，任一匹配即可",
    },
]


def callbacks() -> dict[str, object]:
    """OpenAPI 3.0 callbacks: one per event type, POSTed to the subscription's URL."""
    return {
        event_type.value: {
            "{$request.body#/url}": {
                "post": {
                    "summary": f"{event_type.label}（{event_type.value}）",
                    "description": "2xx 表示已收到；其他状态码或超时将按指数退避重试，"
                    "超过次数后进入死信列表。重定向只在同一主机内跟随。",
                    "parameters": SIGNATURE_HEADERS,
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": WebhookEventSchema}},
                    },
                    "responses": {"200": {"description": "已收到"}},
                }
            }
        }
        for event_type in EventType
    }
