"""Where an outgoing message or a scheduled job stands: webhook deliveries, notifications to
people, daily job runs. Deliveries and notifications share ``pending``/``sending``, which the
claim query (services/claims.py) relies on."""

from __future__ import annotations

from requests_service.domain.labelled import LabelledEnum

__all__ = ["DeliveryStatus", "JobRunStatus", "NotificationStatus"]


class DeliveryStatus(LabelledEnum):
    """pending → sending → succeeded | pending (retry) | dead"""

    PENDING = "pending", "待发送/等待重试"
    SENDING = "sending", "发送中"
    SUCCEEDED = "succeeded", "已送达"
    DEAD = "dead", "死信（已放弃重试）"


class NotificationStatus(LabelledEnum):
    """pending → sending → sent | skipped | pending (retry) | dead"""

    PENDING = "pending", "待发送/等待重试"
    SENDING = "sending", "发送中"
    SENT = "sent", "已发送"
    SKIPPED = "skipped", "未发送（已退订或无联系方式）"
    DEAD = "dead", "发送失败（已放弃重试）"


class JobRunStatus(LabelledEnum):
    RUNNING = "running", "运行中"
    SUCCEEDED = "succeeded", "成功"
    FAILED = "failed", "失败"
