"""Message templates: every event an applicant is told about renders on both channels."""

from __future__ import annotations

import pytest

from requests_service.domain.events import (
    CASE_ACTION_EVENTS,
    EventType,
    backoff_delay,
    next_attempt_at,
)
from requests_service.domain.messages import (
    APPLICANT_TEMPLATES,
    applicant_channel,
    render_applicant,
    render_digest,
)

CONTEXT = {
    "applicant_name": "张三",
    "agency_name": "示范市发展和改革委员会",
    "case_ref": "市发改依申〔2026〕第0042号",
    "tracking_code": "ABCD-EFGH-JKLM",
    "state_label": "已撤回",
    "due_on": "2026-04-01",
    "correction_due_on": "2026-03-20",
    "document_number": "市发改公复〔2026〕7号",
}


@pytest.mark.parametrize("event_type", list(APPLICANT_TEMPLATES), ids=str)
@pytest.mark.parametrize("channel", ["email", "sms"])
def test_every_applicant_template_renders_on_both_channels(
    event_type: EventType, channel: str
) -> None:
    message = render_applicant(event_type, channel, CONTEXT)
    assert "{" not in message.body and "—" not in message.body
    assert CONTEXT["agency_name"] in message.body
    if channel == "sms":
        assert message.subject == "" and len(message.body) <= 120
        assert CONTEXT["applicant_name"] not in message.body  # a shared phone shows no name
    else:
        assert message.subject and CONTEXT["applicant_name"] in message.body
        assert "{" not in message.subject


def test_missing_fields_render_as_a_dash_not_an_error() -> None:
    message = render_applicant(EventType.CASE_REGISTERED, "email", {"agency_name": "某机关"})
    assert "—" in message.body and "某机关" in message.body


def test_applicant_events_are_published_case_events() -> None:
    published = set(CASE_ACTION_EVENTS.values())
    assert set(APPLICANT_TEMPLATES) <= published


@pytest.mark.parametrize(
    ("choice", "email", "phone", "expected"),
    [
        ("", "a@example.com", "13800138000", "email"),
        ("", "", "13800138000", "sms"),
        ("", "", "", "none"),
        ("sms", "a@example.com", "13800138000", "sms"),
        ("sms", "a@example.com", "", "none"),
        ("email", "", "13800138000", "none"),
        ("none", "a@example.com", "13800138000", "none"),
    ],
)
def test_the_applicants_chosen_channel(choice: str, email: str, phone: str, expected: str) -> None:
    assert applicant_channel(choice, email=email, phone=phone) == expected


def test_digest_counts_due_soon_and_overdue() -> None:
    rows = [
        {
            "case_number": "A〔2026〕1号",
            "tracking_code": "X",
            "state_label": "办理中",
            "due_on": "2026-03-10",
            "overdue": True,
        },
        {
            "case_number": None,
            "tracking_code": "T-2",
            "state_label": "已登记",
            "due_on": "2026-03-18",
            "overdue": False,
        },
    ]
    message = render_digest("李承办", "2026-03-16", rows)
    assert "即将到期 1 件，已逾期 1 件" in message.subject
    assert "A〔2026〕1号" in message.body and "T-2" in message.body and "李承办" in message.body


def test_backoff_doubles_and_gives_up_at_the_limit() -> None:
    from datetime import UTC, datetime

    assert [backoff_delay(n, base_seconds=30).total_seconds() for n in (1, 2, 3, 4)] == [
        30,
        60,
        120,
        240,
    ]
    assert backoff_delay(30, base_seconds=30).total_seconds() == 6 * 3600  # capped
    with pytest.raises(ValueError):
        backoff_delay(0)
    failed = datetime(2026, 3, 16, tzinfo=UTC)
    assert next_attempt_at(failed, 2, max_attempts=3, base_seconds=10) == datetime(
        2026, 3, 16, 0, 0, 20, tzinfo=UTC
    )
    assert next_attempt_at(failed, 3, max_attempts=3) is None


def test_clock_events_follow_the_clocks_own_pauses() -> None:
    """clock.paused / clock.resumed only for the pauses domain.deadlines applies."""
    paused = {a for a, t in CASE_ACTION_EVENTS.items() if t is EventType.CLOCK_PAUSED}
    resumed = {a for a, t in CASE_ACTION_EVENTS.items() if t is EventType.CLOCK_RESUMED}
    assert paused == {"start_consultation", "issue_fee_notice"}
    assert resumed == {"end_consultation", "record_fee_payment", "waive_fee"}
