"""The unit of work and a use case run on plain SQLAlchemy sessions: no Flask app, no HTTP.

Services own their transactions through ``UnitOfWork``; these tests pin its contract with a
fake session (commit once, roll back on any error or a forgotten commit, inner units only
flush) and run one administrative use case end to end on an in-memory database.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from requests_service.db.base import Base
from requests_service.db.models import AdminEvent, Agency, WebhookSubscription
from requests_service.domain.errors import RuleViolation
from requests_service.domain.lifecycle import Role
from requests_service.services import outbox, webhooks
from requests_service.services.access import Actor
from requests_service.services.unit_of_work import UnitOfWork


class FakeSession:
    """Records what the unit of work asks of a session."""

    def __init__(self) -> None:
        self.info: dict[str, Any] = {}
        self.calls: list[str] = []

    def flush(self) -> None:
        self.calls.append("flush")

    def commit(self) -> None:
        self.calls.append("commit")

    def rollback(self) -> None:
        self.calls.append("rollback")

    def __contains__(self, item: object) -> bool:
        return False


def fake() -> tuple[Any, list[str]]:
    session = FakeSession()
    woken: list[str] = []
    session.info[outbox.KICK_KEY] = lambda: woken.append("kick")
    return session, woken


def test_commit_commits_once_and_wakes_the_worker_only_when_events_were_written() -> None:
    session, woken = fake()
    with UnitOfWork(session) as uow:
        uow.commit()
    assert session.calls == ["commit"] and woken == []

    session.info[outbox.PENDING_KEY] = [(object(), None)]
    with UnitOfWork(session) as uow:
        uow.commit()
    assert session.calls == ["commit", "commit"] and woken == ["kick"]


def test_an_error_or_a_forgotten_commit_rolls_back_and_drops_pending_events() -> None:
    session, woken = fake()
    session.info[outbox.PENDING_KEY] = [(object(), None)]
    with pytest.raises(RuleViolation), UnitOfWork(session):
        raise RuleViolation("不符合规则。")
    assert session.calls == ["rollback"] and outbox.PENDING_KEY not in session.info
    with UnitOfWork(session):
        pass
    assert session.calls == ["rollback", "rollback"] and woken == []


def test_inner_units_only_flush_and_the_outer_one_decides() -> None:
    session, _ = fake()
    with pytest.raises(RuntimeError), UnitOfWork(session):
        with UnitOfWork(session) as inner:
            inner.commit()
        raise RuntimeError("the composite use case fails after its first step")
    assert session.calls == ["flush", "rollback"]  # the inner step's work is undone too

    session, _ = fake()
    with UnitOfWork(session) as outer:
        with UnitOfWork(session) as inner:
            inner.commit()
        outer.commit()
    assert session.calls == ["flush", "commit"]


@pytest.fixture
def plain_session() -> Any:
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        yield session
    engine.dispose()


def test_a_use_case_runs_on_a_plain_session_and_leaves_nothing_when_refused(
    plain_session: Session,
) -> None:
    agency = Agency(name="测试机关", short_name="测试", case_number_prefix="测依申")
    plain_session.add(agency)
    plain_session.commit()
    admin = Actor(
        role_set=frozenset({Role.AGENCY_ADMIN}), name="管理员", user_id=None, agency_id=agency.id
    )
    hosts = ("hooks.example.gov.cn",)

    with pytest.raises(RuleViolation):
        webhooks.create_subscription(
            plain_session,
            admin,
            webhooks.CreateSubscription(url="http://elsewhere.example.com/x"),
            allowed_hosts=hosts,
        )
    assert plain_session.scalar(select(func.count()).select_from(WebhookSubscription)) == 0
    assert plain_session.scalar(select(func.count()).select_from(AdminEvent)) == 0

    subscription, secret = webhooks.create_subscription(
        plain_session,
        admin,
        webhooks.CreateSubscription(url="https://hooks.example.gov.cn/ogi"),
        allowed_hosts=hosts,
    )
    plain_session.expire_all()
    stored = plain_session.get(WebhookSubscription, subscription.id)
    assert stored is not None and stored.secret == secret
    event = plain_session.scalars(select(AdminEvent)).one()
    assert (event.action, event.target_id, event.actor_name) == (
        "webhook_create",
        subscription.id,
        "管理员",
    )
