"""Transactional outbox and webhooks: nothing lost, nothing sent for a rollback, no duplicates."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from requests_service.db.base import utcnow
from requests_service.db.models import (
    Case,
    OutboxEvent,
    User,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from requests_service.domain.events import sign, verify
from requests_service.domain.lifecycle import Action
from requests_service.jobs.events import drain, drainer_for
from requests_service.services import claims
from requests_service.services.access import actor_for_user
from requests_service.services.case_commands import (
    ActionCommand,
    ApplicantDetails,
    Registration,
)
from requests_service.services.cases import register_case, transition_case
from requests_service.services.delivery import deliver_due, dispatch_pending
from requests_service.services.unit_of_work import UnitOfWork
from tests.factories import World, person
from tests.helpers import register
from tests.receiver import Receiver, running

SECRET = "whsec_test_0123456789"


def _session(app: Any) -> Any:
    return app.extensions["db_session_factory"]()


def _subscribe(app: Any, world: World, url: str, *types: str, agency: str = "A") -> int:
    session = _session(app)
    sub = WebhookSubscription(
        agency_id=world.agencies[agency], url=url, event_types=list(types), secret=SECRET
    )
    session.add(sub)
    session.commit()
    sub_id = sub.id
    session.close()
    return sub_id


def _events(app: Any, **where: Any) -> list[OutboxEvent]:
    session = _session(app)
    try:
        query = select(OutboxEvent).order_by(OutboxEvent.id)
        for name, value in where.items():
            query = query.where(getattr(OutboxEvent, name) == value)
        return list(session.scalars(query))
    finally:
        session.close()


@pytest.fixture
def hooks(app: Any) -> Any:
    app.config["WEBHOOK_ALLOWED_HOSTS"] = ("127.0.0.1",)
    app.config["WEBHOOK_BACKOFF_SECONDS"] = 0
    app.config["WEBHOOK_TIMEOUT_SECONDS"] = 5
    return app


def test_state_change_writes_its_event_in_the_same_transaction(client: Any, world: World) -> None:
    case = register(client, world)
    events = _events(client.application, case_id=case["id"])
    assert [e.event_type for e in events] == ["case.registered"]
    event = events[0]
    assert len(event.event_id) == 36 and event.payload["id"] == event.event_id
    # The snapshot is taken at commit: the due date computed after the audit row is in it.
    assert event.payload["case"]["due_on"] == case["due_on"]
    assert event.payload["case"]["case_number"] == case["case_number"]
    assert "applicant" not in json.dumps(event.payload)
    assert "张三" not in json.dumps(event.payload, ensure_ascii=False)
    assert event.dispatched_at is None


def test_rolled_back_change_leaves_no_event_and_sends_nothing(
    hooks: Any, client: Any, world: World
) -> None:
    case_id = register(client, world)["id"]
    with running(Receiver(SECRET)) as receiver:
        _subscribe(hooks, world, receiver.url)
        drain(hooks)  # deliver the registration
        assert len(receiver.accepted) == 1
        session = _session(hooks)
        actor = actor_for_user(session, session.get(User, world.users["handler"]))
        before = len(_events(hooks))
        with pytest.raises(RuntimeError), UnitOfWork(session):
            case = session.get(Case, case_id)
            transition_case(session, actor, case, Action.START_REVIEW, ActionCommand())
            raise RuntimeError("crash before commit")
        session.close()
        assert len(_events(hooks)) == before
        report = drain(hooks)
        assert report.dispatched == 0 and report.delivered == 0
        assert len(receiver.requests) == 1


def test_event_committed_but_never_delivered_is_delivered_by_a_later_drain(
    hooks: Any, client: Any, world: World
) -> None:
    """The process dies right after commit (no kick, no worker): the row waits in the outbox."""
    with running(Receiver(SECRET)) as receiver:
        _subscribe(hooks, world, receiver.url, "case.registered")
        case = register(client, world)
        assert receiver.requests == []  # nothing sent yet: the "process" died here
        report = drain(hooks)  # a new worker, later
        assert report.dispatched == 1 and report.delivered == 1
        (event,) = receiver.accepted.values()
        assert event["type"] == "case.registered" and event["case"]["id"] == case["id"]
        assert drain(hooks).delivered == 0  # nothing twice


def test_worker_dying_mid_send_is_retried_after_its_claim_expires(
    hooks: Any, client: Any, world: World
) -> None:
    with running(Receiver(SECRET)) as receiver:
        _subscribe(hooks, world, receiver.url)
        register(client, world)
        session = _session(hooks)
        assert dispatch_pending(session) == 1
        now = utcnow()
        claimed = claims.claim_due(session, WebhookDelivery, now, 10, 60)
        assert len(claimed) == 1  # ...and the worker dies before sending
        assert claims.claim_due(session, WebhookDelivery, now, 10, 60) == []  # nobody else
        settings = drainer_for(hooks).settings
        assert deliver_due(session, settings).delivered == 0  # still claimed
        later = deliver_due(session, settings, now=lambda: utcnow() + timedelta(seconds=61))
        assert later.delivered == 1 and len(receiver.accepted) == 1
        session.close()


def test_two_drains_deliver_each_event_once(hooks: Any, client: Any, world: World) -> None:
    with running(Receiver(SECRET)) as receiver:
        sub_id = _subscribe(hooks, world, receiver.url)
        for _ in range(3):
            register(client, world)
        session = _session(hooks)
        assert dispatch_pending(session) == 3
        assert dispatch_pending(session) == 0
        drain(hooks)
        drain(hooks)
        assert len(receiver.accepted) == 3 and receiver.duplicates == 0
        count = session.scalar(
            select(func.count())
            .select_from(WebhookDelivery)
            .where(WebhookDelivery.subscription_id == sub_id)
        )
        assert count == 3
        session.close()


def test_receiver_failing_twice_gets_the_event_once_with_the_same_id(
    hooks: Any, client: Any, world: World
) -> None:
    with running(Receiver(SECRET, failures=[500, 503])) as receiver:
        _subscribe(hooks, world, receiver.url)
        register(client, world)
        report = drain(hooks)  # backoff 0: retried within the drain
        assert report.delivered == 1 and report.failed == 2
        assert len(receiver.requests) == 3
        ids = {r["headers"]["Webhook-Id"] for r in receiver.requests}
        assert len(ids) == 1 and list(receiver.accepted) == list(ids)
        assert receiver.duplicates == 0 and receiver.bad_signatures == 0
        session = _session(hooks)
        attempts = session.scalars(select(WebhookAttempt).order_by(WebhookAttempt.id)).all()
        assert [a.status_code for a in attempts] == [500, 503, 200]
        session.close()


def test_signature_covers_timestamp_and_body() -> None:
    body = b'{"id":"e1"}'
    signature = sign("s3cret", 1_700_000_000, body)
    assert signature.startswith("v1=") and len(signature) == 3 + 64
    assert verify("s3cret", 1_700_000_000, body, signature, now=1_700_000_100)
    assert not verify("s3cret", 1_700_000_000, body + b" ", signature, now=1_700_000_100)
    assert not verify("other", 1_700_000_000, body, signature, now=1_700_000_100)
    assert not verify("s3cret", 1_700_000_001, body, signature, now=1_700_000_100)
    # Replayed later than the tolerance: refused even with a valid signature.
    assert not verify("s3cret", 1_700_000_000, body, signature, now=1_700_000_000 + 301)
    # Several signatures (secret rotation): any one valid is enough.
    assert verify("s3cret", 1_700_000_000, body, f"v1=bad, {signature}", now=1_700_000_000)
    assert int(time.time()) > 0


def test_every_published_step_of_a_case_is_in_the_outbox_in_order(
    client: Any, world: World, fixed_clock: Any
) -> None:
    """The lifecycle end to end (online submission → archive): one event per published step,
    each with the state the case had when it was committed."""
    from tests.api.test_lifecycle_api import test_online_submission_through_archive

    test_online_submission_through_archive(client, world, fixed_clock)
    events = _events(client.application)
    assert [e.event_type for e in events] == [
        "application.received",
        "case.registered",
        "correction.requested",
        "correction.received",
        "clock.paused",  # third-party consultation
        "clock.resumed",
        "case.replied",
        "case.delivered",
        "case.closed",  # archived
    ]
    assert [e.payload["case"]["state"] for e in events] == [
        "received",
        "registered",
        "awaiting_correction",
        "in_handling",
        "third_party_consultation",
        "in_handling",
        "replied",
        "delivered",
        "archived",
    ]
    assert len({e.event_id for e in events}) == len(events)
    assert events[2].payload["data"]["public"] is True
    assert events[-1].payload["data"]["action"] == "archive"


def test_topic_candidate_and_filing_guidance_are_published(client: Any, world: World) -> None:
    from tests.api.test_oversight_api import test_filing_lifecycle_end_to_end
    from tests.api.test_topics_api import PARAPHRASES, submit

    for serial, text in enumerate(PARAPHRASES[:3], start=1):
        submit(client, world, text, serial)
    (topic_event,) = _events(client.application, event_type="topic.candidate")
    assert topic_event.payload["topic"]["applicant_count"] == 3
    assert topic_event.case_id is None and topic_event.agency_id == world.agencies["A"]
    test_filing_lifecycle_end_to_end(client, world)
    (guidance,) = _events(client.application, event_type="filing.guidance_given")
    assert guidance.payload["data"]["filing_id"]
    assert "guidance" not in guidance.payload["data"]  # the text stays in the service


def test_issued_letter_to_the_applicant_is_published_and_notified(
    client: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from requests_service.outbound.senders import Senders
    from tests.api.test_letters_api import drafted_case, new_letter
    from tests.api.test_notifications import Outbox

    app = client.application
    app.config["LETTER_QUEUE"] = "inline"
    box = Outbox()
    monkeypatch.setitem(app.extensions, "senders", Senders(email=box, sms=box))
    case = drafted_case(client, world)
    letter = new_letter(client, world, case["id"]).json
    base = f"/cases/{case['id']}/letters/{letter['id']}"
    assert client.post(f"{base}/approval", headers=world.auth("approver")).status_code == 200
    issued = client.post(f"{base}/issue", headers=world.auth("handler"))
    assert issued.status_code == 200, issued.json
    (event,) = _events(app, event_type="letter.issued")
    assert event.payload["data"]["document_number"] == issued.json["document_number"]
    assert event.payload["data"]["public"] is True and event.payload["data"]["kind"] == "reply"
    drain(app)
    bodies = [body for _to, _subject, body in box.emails]
    assert any(issued.json["document_number"] in body for body in bodies)


def test_oversight_office_subscription_sees_the_agencies_under_it(
    hooks: Any, client: Any, world: World
) -> None:
    """O oversees A and B; O2 oversees C. A subscription of O gets A's and B's events, not C's;
    A's own subscription gets only A's."""
    with running(Receiver(SECRET)) as for_o, running(Receiver(SECRET)) as for_a:
        _subscribe(hooks, world, for_o.url, agency="O")
        _subscribe(hooks, world, for_a.url, agency="A")
        case_a = register(client, world)
        session = _session(hooks)
        for officer, agency in (("handler_b", "B"), ("handler_c", "C")):
            # Registered by an officer of that agency (the service files it under their agency).
            actor = actor_for_user(session, session.get(User, world.users[officer]))
            register_case(
                session,
                actor,
                Registration(
                    channel="in_person",
                    applicant=ApplicantDetails(**person()),
                    requested_information=f"{agency}机关2025年的工作报告",
                ),
                secret_key="test-secret",
            )
        session.close()
        drain(hooks)
        seen_by_o = {e["agency_id"] for e in for_o.accepted.values()}
        assert seen_by_o == {world.agencies["A"], world.agencies["B"]}
        assert [e["case"]["id"] for e in for_a.accepted.values()] == [case_a["id"]]


def test_an_unreachable_redis_is_not_retried_on_every_commit(
    app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from redis.exceptions import ConnectionError as RedisConnectionError

    from requests_service.jobs import events as event_jobs

    class DownRedis:
        calls = 0

        def set(self, *args: Any, **kwargs: Any) -> bool:
            DownRedis.calls += 1
            raise RedisConnectionError("connection refused")

    monkeypatch.setitem(app.extensions, "events_redis", DownRedis())
    monkeypatch.setitem(app.extensions, "events_kick_paused_until", 0.0)
    assert event_jobs.kick(app) is False
    assert event_jobs.kick(app) is False
    assert DownRedis.calls == 1  # the second commit did not wait for Redis again
    monkeypatch.setitem(app.extensions, "events_kick_paused_until", 0.0)
    assert event_jobs.kick(app) is False and DownRedis.calls == 2
