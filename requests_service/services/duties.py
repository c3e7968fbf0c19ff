"""Separation of duties (issue 15, item 1).

- **Four-eyes**: the approver of a reply or a letter is never the person who drafted it. An agency
  with a single officer may switch on ``single_officer_exception``; the exception then applies only
  while the agency really has one active officer, and every such approval records it.
- **No self-escalation**: an admin cannot change their own roles, and nobody grants ``oversight``
  through the API (the oversight office's accounts are created by operators with the CLI).
- **No tokens for another person**: an admin issues a one-time enrolment code; the person redeems
  it for a token that only they see.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from requests_service.db.models import Agency, CaseEvent, User, UserRole
from requests_service.domain.errors import Forbidden
from requests_service.domain.lifecycle import Action, Role
from requests_service.services.access import Actor

OFFICER_ROLES = (Role.REGISTRAR, Role.HANDLER, Role.APPROVER)
DRAFT_ACTIONS = (Action.DRAFT_REPLY.value, Action.REVISE_REPLY.value)


def active_officer_count(session: Session, agency_id: int) -> int:
    return int(
        session.scalar(
            select(func.count(func.distinct(User.id)))
            .join(UserRole, UserRole.user_id == User.id)
            .where(
                User.agency_id == agency_id,
                User.active.is_(True),
                UserRole.role.in_(OFFICER_ROLES),
            )
        )
        or 0
    )


def check_four_eyes(
    session: Session, actor: Actor, *, agency_id: int, drafter_id: int | None, what: str
) -> dict[str, Any]:
    """Refuse (403) when ``actor`` drafted what they approve; returns what to record."""
    if drafter_id is None or actor.user_id is None or drafter_id != actor.user_id:
        return {}
    agency = session.get(Agency, agency_id)
    if agency is not None and agency.single_officer_exception:
        officers = active_officer_count(session, agency_id)
        if officers <= 1:
            return {"four_eyes_exception": "single_officer", "active_officers": officers}
    raise Forbidden(
        f"双人审核：{what}的审核人不能是起草人本人，请由其他审核负责人审核。",
        rule="four_eyes",
    )


def reply_drafter_id(session: Session, case_id: int) -> int | None:
    return session.scalar(
        select(CaseEvent.actor_user_id)
        .where(CaseEvent.case_id == case_id, CaseEvent.action.in_(DRAFT_ACTIONS))
        .order_by(CaseEvent.id.desc())
        .limit(1)
    )


def check_role_grant(
    actor: Actor, *, target_user_id: int | None, before: Iterable[Role], after: Iterable[Role]
) -> None:
    """Admins cannot change their own roles nor grant ``oversight`` (403)."""
    before_set, after_set = set(before), set(after)
    if before_set == after_set:
        return
    if target_user_id is not None and target_user_id == actor.user_id:
        raise Forbidden("不能修改自己的角色，请由其他管理员办理。", rule="self_grant")
    if Role.OVERSIGHT in after_set - before_set:
        raise Forbidden(
            "监督机构角色不能通过管理接口授予，请由系统运维人员使用命令行创建。",
            rule="grant_oversight",
        )
