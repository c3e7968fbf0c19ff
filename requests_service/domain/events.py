"""Events the outside may care about: types, signing, retry schedule, host allow-list.

Plain Python: the outbox, webhook and notification adapters build on these values.

Webhook signature (documented in README): ``v1=`` + hex HMAC-SHA256 with the subscription's
secret over ``f"{timestamp}.{body}"`` where ``timestamp`` is the ``Webhook-Timestamp`` header
(Unix seconds) and ``body`` the raw request body (UTF-8 JSON).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Final
from urllib.parse import urlsplit

from requests_service.domain.errors import RuleViolation
from requests_service.domain.labelled import LabelledEnum


class EventType(LabelledEnum):
    """Event types published through the outbox (webhooks and notifications)."""

    APPLICATION_RECEIVED = "application.received", "收到申请"
    CASE_REGISTERED = "case.registered", "申请已登记"
    CORRECTION_REQUESTED = "correction.requested", "发出补正告知"
    CORRECTION_RECEIVED = "correction.received", "收到补正材料"
    CLOCK_PAUSED = "clock.paused", "办理期限暂停计算"
    CLOCK_RESUMED = "clock.resumed", "办理期限恢复计算"
    CASE_EXTENDED = "case.extended", "延长答复期限"
    CASE_DUE_SOON = "case.due_soon", "即将到期"
    CASE_OVERDUE = "case.overdue", "已逾期"
    LETTER_ISSUED = "letter.issued", "文书已签发"
    CASE_REPLIED = "case.replied", "已作出答复"
    CASE_DELIVERED = "case.delivered", "答复已送达"
    CASE_CLOSED = "case.closed", "案件已终结"
    FILING_GUIDANCE_GIVEN = "filing.guidance_given", "疑难件已给出指导意见"
    TOPIC_CANDIDATE = "topic.candidate", "主题可转为主动公开"


# Audit-trail actions (``CaseEvent.action``) that are published, and as which event type.
# Internal bookkeeping (notes, assignment, edits, drafts) is not published.
CASE_ACTION_EVENTS: Final[Mapping[str, EventType]] = MappingProxyType(
    {
        "submit": EventType.APPLICATION_RECEIVED,
        "register": EventType.CASE_REGISTERED,
        "request_correction": EventType.CORRECTION_REQUESTED,
        "receive_correction": EventType.CORRECTION_RECEIVED,
        # The two pauses the clock knows (domain.deadlines): third-party consultation (Art. 32,
        # 33 para 3, 34) and fee payment (Fee Measures). Asking for reasons (Art. 35) does not
        # pause it.
        "start_consultation": EventType.CLOCK_PAUSED,
        "issue_fee_notice": EventType.CLOCK_PAUSED,
        "end_consultation": EventType.CLOCK_RESUMED,
        "record_fee_payment": EventType.CLOCK_RESUMED,
        "waive_fee": EventType.CLOCK_RESUMED,
        "extend": EventType.CASE_EXTENDED,
        "letter_issued": EventType.LETTER_ISSUED,
        "approve_reply": EventType.CASE_REPLIED,
        "deliver": EventType.CASE_DELIVERED,
        "deem_abandoned_no_correction": EventType.CASE_CLOSED,
        "deem_abandoned_no_fee": EventType.CASE_CLOSED,
        "withdraw": EventType.CASE_CLOSED,
        "archive": EventType.CASE_CLOSED,
        "filing_give_guidance": EventType.FILING_GUIDANCE_GIVEN,
    }
)

# Keys of the audit event's data that may leave the service (no personal data, no notes).
PUBLISHED_DATA_KEYS: Final[frozenset[str]] = frozenset(
    {
        "channel",
        "case_number",
        "receipt_date",
        "letter_id",
        "kind",
        "document_number",
        "outcome",
        "filing_id",
        "due_on",
        "extended_due_on",
        "correction_due_on",
        "fee_payment_due_on",
        "on",
        "working_days_left",
        "applicants",
    }
)


def event_type_for_action(action: str) -> EventType | None:
    return CASE_ACTION_EVENTS.get(action)


# ---------------------------------------------------------------- signing

SIGNATURE_VERSION: Final = "v1"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """``v1=<hex HMAC-SHA256(secret, f"{timestamp}." + body)>``."""
    message = str(timestamp).encode("ascii") + b"." + body
    digest = hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()
    return f"{SIGNATURE_VERSION}={digest}"


def verify(
    secret: str, timestamp: int, body: bytes, signature: str, *, now: int, tolerance: int = 300
) -> bool:
    """A receiver's check: right signature, and a timestamp within ``tolerance`` seconds of now
    (stops a captured request being replayed later). ``signature`` may list several
    comma-separated signatures; one match is enough."""
    if abs(now - timestamp) > tolerance:
        return False
    expected = sign(secret, timestamp, body)
    return any(hmac.compare_digest(expected, part.strip()) for part in signature.split(","))


# ---------------------------------------------------------------- retries


def backoff_delay(
    attempt: int, *, base_seconds: float = 30.0, cap_seconds: float = 6 * 3600
) -> timedelta:
    """Delay before retry number ``attempt`` (1 = first retry): base · 2^(attempt−1), capped."""
    if attempt < 1:
        raise ValueError("attempt starts at 1")
    return timedelta(seconds=min(cap_seconds, base_seconds * 2 ** (attempt - 1)))


def next_attempt_at(
    failed_at: datetime, attempts: int, *, max_attempts: int, base_seconds: float = 30.0
) -> datetime | None:
    """When to try again after ``attempts`` failed tries; None = give up (dead letter)."""
    if attempts >= max_attempts:
        return None
    return failed_at + backoff_delay(attempts, base_seconds=base_seconds)


# ---------------------------------------------------------------- destinations


def host_key(url: str) -> str:
    """``host[:port]`` of a URL, lower-case; default ports omitted."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    port = parts.port
    if port is None or (parts.scheme, port) in (("http", 80), ("https", 443)):
        return host
    return f"{host}:{port}"


def check_destination(url: str, allowed_hosts: frozenset[str] | set[str] | tuple[str, ...]) -> str:
    """A webhook URL must be http(s), without credentials, to a configured host."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError as exc:
        raise RuleViolation("回调地址格式不正确。", fields={"url": ["格式不正确。"]}) from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RuleViolation(
            "回调地址必须是 http 或 https 地址。",
            fields={"url": ["必须以 http:// 或 https:// 开头。"]},
        )
    if parts.username or parts.password:
        raise RuleViolation("回调地址不能包含用户名或密码。", fields={"url": ["不能包含凭据。"]})
    key = host_key(url)
    allowed = {h.strip().lower() for h in allowed_hosts if h.strip()}
    if key not in allowed and (parts.hostname or "").lower() not in allowed:
        raise RuleViolation(
            "回调地址的主机不在系统允许的范围内，请联系系统管理员配置。",
            fields={"url": [f"主机 {key} 未被允许。"]},
        )
    return key
