"""Administration use cases: agencies, users and roles, tokens, negative lists."""

from __future__ import annotations

import json
import secrets
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from requests_service.db.base import utcnow
from requests_service.db.models import (
    AdminEvent,
    Agency,
    ApiToken,
    Enrolment,
    NegativeListEntry,
    User,
    UserRole,
)
from requests_service.domain.errors import Conflict, Forbidden, NotFound, RuleViolation
from requests_service.domain.lifecycle import Role
from requests_service.domain.outcomes import Outcome, OutcomeGroup
from requests_service.domain.reconsideration import ReconsiderationRule, options, resolve
from requests_service.services.access import (
    Actor,
    actor_for_user,
    descendant_agency_ids,
    hash_token,
    new_token,
)
from requests_service.services.audit import seal_admin_event
from requests_service.services.commands import UNSET, Unset
from requests_service.services.duties import check_role_grant
from requests_service.services.lapses import LapseReport, close_lapsed_cases
from requests_service.services.queries import paginate
from requests_service.services.topic_corrections import RegroupReport, regroup_topics
from requests_service.services.unit_of_work import UnitOfWork
from requests_service.services.views import Annotated

INTAKE_FIELDS = {
    "name": "intake_office_name",
    "address": "intake_address",
    "postcode": "intake_postcode",
    "phone": "intake_phone",
    "email": "intake_email",
    "office_hours": "intake_office_hours",
    "online_form_url": "online_form_url",
}


AGENCY_AUDITED = (
    "name",
    "short_name",
    "case_number_prefix",
    "parent_id",
    "is_oversight_office",
    "intake_office_name",
    "intake_address",
    "intake_postcode",
    "intake_phone",
    "intake_email",
    "intake_office_hours",
    "online_form_url",
    "reconsideration_body",
    "reconsideration_rule",
    "same_level_government",
    "higher_authority",
    "higher_government",
    "court",
    "reasons_period_working_days",
    "letterhead_enabled",
    "letterhead_text",
    "correction_period_working_days",
    "fee_waiver_allowed",
    "hold_reply_while_filing_pending",
    "single_officer_exception",
    "topic_min_applicants",
    "topic_window_days",
    "active",
)

RECONSIDERATION_NAMES = ("same_level_government", "higher_authority", "higher_government")


def _snapshot(obj: Any, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in names}


def audit(
    session: Session,
    actor: Actor,
    *,
    agency_id: int,
    action: str,
    target: Any,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    """One audit row per administrative change (who, when, what, before → after)."""
    session.flush()
    event = AdminEvent(
        agency_id=agency_id,
        action=action,
        target_type=type(target).__name__,
        target_id=target.id,
        actor_user_id=actor.user_id,
        actor_name=actor.name,
        occurred_at=utcnow(),
        before=_json_safe(before),
        after=_json_safe(after),
    )
    seal_admin_event(session, event)
    session.add(event)


def _json_safe(value: dict[str, Any] | None) -> dict[str, Any] | None:
    """As the JSON column will give it back (so the event's hash can be re-computed)."""
    if value is None:
        return None
    return json.loads(json.dumps(value, default=str))  # type: ignore[no-any-return]


def managed_agency_ids(session: Session, actor: Actor) -> set[int]:
    """An agency admin manages their own agency and every agency below it."""
    assert actor.agency_id is not None
    return descendant_agency_ids(session, actor.agency_id)


def get_managed_agency(session: Session, actor: Actor, agency_id: int) -> Agency:
    agency = session.get(Agency, agency_id)
    if agency is None or agency.id not in managed_agency_ids(session, actor):
        raise NotFound("机关不存在。", agency_id=agency_id)
    return agency


@dataclass(frozen=True)
class AgencyChanges:
    """An agency's settings as an administrator sends them: on creation the ones not given
    keep the model's defaults; on update only the ones given change."""

    name: str | Unset = UNSET
    short_name: str | Unset = UNSET
    case_number_prefix: str | Unset = UNSET
    parent_id: int | Unset | None = UNSET
    is_oversight_office: bool | Unset = UNSET
    intake_office: Mapping[str, str | None] | Unset = UNSET  # keys of INTAKE_FIELDS
    reconsideration_rule: str | Unset | None = UNSET
    reconsideration_body: str | Unset | None = UNSET
    same_level_government: str | Unset = UNSET
    higher_authority: str | Unset = UNSET
    higher_government: str | Unset = UNSET
    court: str | Unset = UNSET
    reasons_period_working_days: int | Unset = UNSET
    letterhead_enabled: bool | Unset = UNSET
    letterhead_text: str | Unset = UNSET
    correction_period_working_days: int | Unset = UNSET
    fee_waiver_allowed: bool | Unset = UNSET
    hold_reply_while_filing_pending: bool | Unset = UNSET
    single_officer_exception: bool | Unset = UNSET
    topic_min_applicants: int | Unset = UNSET
    topic_window_days: int | Unset = UNSET
    active: bool | Unset = UNSET


# Set apart from the plain columns: the parent is checked, the intake office is nested, the
# reconsideration body is resolved from the rule.
_AGENCY_SPECIAL = frozenset(
    {"parent_id", "intake_office", "reconsideration_rule", "reconsideration_body"}
)


def _apply_agency_fields(agency: Agency, changes: AgencyChanges) -> None:
    for field in fields(changes):
        value = getattr(changes, field.name)
        if field.name in _AGENCY_SPECIAL or isinstance(value, Unset):
            continue
        setattr(agency, field.name, value.strip() if isinstance(value, str) else value)
    _apply_reconsideration(agency, changes)
    intake = {} if isinstance(changes.intake_office, Unset) else changes.intake_office
    for key, attr in INTAKE_FIELDS.items():
        if key in intake:
            setattr(agency, attr, intake[key] or "")


def _apply_reconsideration(agency: Agency, changes: AgencyChanges) -> None:
    """The guided choice (行政复议法 第二十四条、第二十七条) resolves the body's name; a body typed
    directly is kept as a ``custom`` choice."""
    rule_given = not isinstance(changes.reconsideration_rule, Unset)
    if not isinstance(changes.reconsideration_rule, Unset):
        agency.reconsideration_rule = changes.reconsideration_rule or ""
    elif not isinstance(changes.reconsideration_body, Unset):
        agency.reconsideration_rule = ReconsiderationRule.CUSTOM.value
    if not isinstance(changes.reconsideration_body, Unset):
        agency.reconsideration_body = (changes.reconsideration_body or "").strip()
    rule = agency.reconsideration_rule
    if not rule:
        if rule_given:
            agency.reconsideration_body = ""
        return
    names = {name: getattr(agency, name) for name in RECONSIDERATION_NAMES}
    names["reconsideration_body"] = agency.reconsideration_body
    agency.reconsideration_body = resolve(rule, names)


def reconsideration_options(session: Session, actor: Actor, agency_id: int) -> dict[str, Any]:
    """Which rule determines the agency's reconsideration body, what each rule would give, and
    the court wording its letters use."""
    agency = get_managed_agency(session, actor, agency_id)
    names = {name: getattr(agency, name) for name in RECONSIDERATION_NAMES}
    names["reconsideration_body"] = (
        agency.reconsideration_body
        if agency.reconsideration_rule == ReconsiderationRule.CUSTOM.value
        else ""
    )
    choices = [c.as_dict() for c in options(agency.reconsideration_rule, names)]
    applied = next((c for c in choices if c["applies"]), None)
    warnings = []
    if applied is None:
        warnings.append("尚未选择行政复议机关确定规则：答复书无法载明行政复议机关，不能制作。")
    elif applied["rule"] == ReconsiderationRule.CUSTOM.value:
        warnings.append(str(applied["explanation"]))
    return {
        "agency_id": agency.id,
        "rule": agency.reconsideration_rule or None,
        "reconsideration_body": agency.reconsideration_body or None,
        "applied": applied,
        "options": choices,
        "court": agency.court or None,
        "court_wording": f"向{agency.court}提起行政诉讼"
        if agency.court
        else "依法向人民法院提起行政诉讼",
        "warnings": warnings,
    }


def _check_name_free(session: Session, name: str, exclude_id: int | None = None) -> None:
    clash = session.scalar(select(Agency.id).where(Agency.name == name))
    if clash is not None and clash != exclude_id:
        raise Conflict(f"已存在名为“{name}”的机关。")


def create_agency(session: Session, actor: Actor, changes: AgencyChanges) -> Agency:
    with UnitOfWork(session) as uow:
        missing = [
            name
            for name in ("name", "short_name", "case_number_prefix")
            if isinstance(getattr(changes, name), Unset)
        ]
        if missing or isinstance(changes.name, Unset):
            raise RuleViolation(
                "请填写机关名称、简称和文号前缀。", fields={n: ["此项为必填项。"] for n in missing}
            )
        parent = None if isinstance(changes.parent_id, Unset) else changes.parent_id
        parent_id = parent or actor.home_agency_id
        get_managed_agency(session, actor, parent_id)
        _check_name_free(session, changes.name)
        agency = Agency(parent_id=parent_id)
        _apply_agency_fields(agency, changes)
        session.add(agency)
        session.flush()
        audit(
            session,
            actor,
            agency_id=agency.id,
            action="agency_create",
            target=agency,
            before=None,
            after=_snapshot(agency, AGENCY_AUDITED),
        )
        uow.commit()
        return agency


def update_agency(session: Session, actor: Actor, agency_id: int, changes: AgencyChanges) -> Agency:
    with UnitOfWork(session) as uow:
        agency = get_managed_agency(session, actor, agency_id)
        before = _snapshot(agency, AGENCY_AUDITED)
        if not isinstance(changes.name, Unset):
            _check_name_free(session, changes.name, exclude_id=agency.id)
        new_parent = changes.parent_id
        if not isinstance(new_parent, Unset) and new_parent != agency.parent_id:
            if new_parent is None or new_parent in descendant_agency_ids(session, agency.id):
                raise RuleViolation(
                    "上级机关无效：不能为空，也不能是本机关或其下级机关。",
                    fields={"parent_id": ["上级机关无效。"]},
                )
            get_managed_agency(session, actor, new_parent)
            agency.parent_id = new_parent
        _apply_agency_fields(agency, changes)
        audit(
            session,
            actor,
            agency_id=agency.id,
            action="agency_update",
            target=agency,
            before=before,
            after=_snapshot(agency, AGENCY_AUDITED),
        )
        uow.commit()
        return agency


def operator_actor(session: Session, agency_id: int) -> Actor:
    """The command line (server operators) acting on one agency, e.g. to create its users."""
    return Actor(role_set=frozenset({Role.SYSTEM}), name="命令行", agency_id=agency_id)


@dataclass(frozen=True)
class CreateUser:
    username: str
    display_name: str
    roles: Collection[Role | str]
    email: str = ""
    agency_id: int | None = None  # the administrator's own agency when not given


@dataclass(frozen=True)
class UpdateUser:
    """A partial update: only the fields given change."""

    display_name: str | Unset = UNSET
    email: str | Unset | None = UNSET
    active: bool | Unset = UNSET
    roles: Collection[Role | str] | Unset = UNSET


def create_user(
    session: Session, actor: Actor, command: CreateUser, *, by_operator: bool = False
) -> User:
    """Create an officer. Admins cannot grant ``oversight``; only operators (CLI) can."""
    with UnitOfWork(session) as uow:
        agency_id = command.agency_id or actor.agency_id
        assert agency_id is not None
        get_managed_agency(session, actor, agency_id)
        if session.scalar(select(User.id).where(User.username == command.username)):
            raise Conflict(f"用户名“{command.username}”已被使用。")
        roles = {Role(r) for r in command.roles}
        if not by_operator:
            check_role_grant(actor, target_user_id=None, before=(), after=roles)
        user = User(
            agency_id=agency_id,
            username=command.username,
            display_name=command.display_name,
            email=command.email or "",
        )
        user.role_rows = [UserRole(role=r) for r in sorted(roles)]
        session.add(user)
        session.flush()
        audit(
            session,
            actor,
            agency_id=agency_id,
            action="user_create",
            target=user,
            before=None,
            after=_user_snapshot(user),
        )
        uow.commit()
        return user


def _user_snapshot(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "display_name": user.display_name,
        "email": user.email,
        "active": user.active,
        "roles": [r.value for r in user.roles],
    }


def get_managed_user(session: Session, actor: Actor, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None or user.agency_id not in managed_agency_ids(session, actor):
        raise NotFound("用户不存在。", user_id=user_id)
    return user


def update_user(session: Session, actor: Actor, user_id: int, command: UpdateUser) -> User:
    with UnitOfWork(session) as uow:
        user = get_managed_user(session, actor, user_id)
        before = _user_snapshot(user)
        if not isinstance(command.display_name, Unset):
            user.display_name = command.display_name
        if not isinstance(command.email, Unset):
            user.email = command.email or ""
        if not isinstance(command.active, Unset):
            user.active = command.active
        if not isinstance(command.roles, Unset):
            wanted = {Role(r) for r in command.roles}
            check_role_grant(actor, target_user_id=user.id, before=user.roles, after=wanted)
            user.role_rows = [r for r in user.role_rows if r.role in wanted]
            have = {r.role for r in user.role_rows}
            user.role_rows.extend(UserRole(role=r) for r in sorted(wanted - have))
        audit(
            session,
            actor,
            agency_id=user.agency_id,
            action="user_update",
            target=user,
            before=before,
            after=_user_snapshot(user),
        )
        uow.commit()
        return user


def issue_token(
    session: Session,
    user: User,
    name: str,
    actor: Actor | None = None,
    *,
    ttl_days: int = 90,
    via: str = "self",
) -> tuple[ApiToken, str]:
    """Create a bearer token; only its hash is stored, the plain value is returned once.

    A person's token is only ever shown to that person: through the API an officer issues
    tokens for themself (``actor`` is ``user``) or redeems an enrolment code; the CLI
    (operators, ``via="cli"``) is the only other way. Every token expires after ``ttl_days``.
    """
    if actor is not None and actor.user_id != user.id:
        raise Forbidden(
            "不能为他人签发令牌：请为该用户生成一次性登记码，由本人兑换令牌。",
            rule="token_for_other",
        )
    with UnitOfWork(session) as uow:
        plain = new_token()
        token = ApiToken(
            user_id=user.id,
            token_hash=hash_token(plain),
            name=name,
            expires_at=utcnow() + timedelta(days=ttl_days),
        )
        session.add(token)
        audit(
            session,
            actor or _operator(via),
            agency_id=user.agency_id,
            action="token_issue",
            target=token,
            before=None,
            after={"user_id": user.id, "name": name, "via": via, "ttl_days": ttl_days},
        )
        uow.commit()
        return token, plain


def _operator(via: str) -> Actor:
    """Who acted when no officer did: the command line (operators) or the enrolment itself."""
    return Actor(role_set=frozenset({Role.SYSTEM}), name="命令行" if via == "cli" else "系统")


def create_enrolment(
    session: Session, actor: Actor, user: User, *, ttl_hours: int = 72
) -> tuple[Enrolment, str]:
    """A one-time code the person redeems for their own token (the admin never sees it)."""
    with UnitOfWork(session) as uow:
        plain = "enrol_" + secrets.token_urlsafe(24)
        enrolment = Enrolment(
            user_id=user.id,
            code_hash=hash_token(plain),
            created_by_user_id=actor.user_id,
            expires_at=utcnow() + timedelta(hours=ttl_hours),
        )
        session.add(enrolment)
        audit(
            session,
            actor,
            agency_id=user.agency_id,
            action="enrolment_create",
            target=enrolment,
            before=None,
            after={"user_id": user.id, "ttl_hours": ttl_hours},
        )
        uow.commit()
        return enrolment, plain


def redeem_enrolment(
    session: Session, code: str, *, name: str, ttl_days: int = 90
) -> tuple[ApiToken, str]:
    """Exchange a one-time enrolment code for a bearer token (once, before it expires)."""
    enrolment = session.scalar(
        select(Enrolment).where(Enrolment.code_hash == hash_token(code)).with_for_update()
    )
    now = utcnow()
    if enrolment is None or enrolment.used_at is not None or enrolment.expires_at <= now:
        session.rollback()
        raise NotFound("登记码无效、已使用或已过期。")
    user = session.get(User, enrolment.user_id)
    if user is None or not user.active:
        session.rollback()
        raise NotFound("登记码无效、已使用或已过期。")
    enrolment.used_at = now
    session.flush()
    owner = actor_for_user(session, user)
    token, plain = issue_token(session, user, name, owner, ttl_days=ttl_days, via="enrolment")
    enrolment.token_id = token.id
    session.commit()
    return token, plain


def revoke_token(session: Session, actor: Actor, token_id: int) -> ApiToken:
    with UnitOfWork(session) as uow:
        token = session.get(ApiToken, token_id)
        if token is None:
            raise NotFound("令牌不存在。")
        owner = get_managed_user(session, actor, token.user_id)
        if token.revoked_at is None:
            token.revoked_at = utcnow()
            audit(
                session,
                actor,
                agency_id=owner.agency_id,
                action="token_revoke",
                target=token,
                before={"revoked": False},
                after={"revoked": True},
            )
        uow.commit()
        return token


def _check_negative_outcome(outcome: Outcome) -> None:
    if outcome.group is not OutcomeGroup.WITHHELD:
        raise RuleViolation(
            "负面清单条目只能对应不予公开类答复结果。", fields={"outcome": ["应为不予公开类。"]}
        )


@dataclass(frozen=True)
class NegativeEntry:
    category: str
    legal_basis: str
    outcome: Outcome
    description: str = ""


@dataclass(frozen=True)
class UpdateNegativeEntry:
    """A partial update: only the fields given change."""

    category: str | Unset = UNSET
    description: str | Unset = UNSET
    legal_basis: str | Unset = UNSET
    outcome: Outcome | Unset = UNSET
    active: bool | Unset = UNSET


def create_negative_entry(
    session: Session, actor: Actor, agency_id: int, command: NegativeEntry
) -> NegativeListEntry:
    with UnitOfWork(session) as uow:
        get_managed_agency(session, actor, agency_id)
        _check_negative_outcome(command.outcome)
        entry = NegativeListEntry(
            agency_id=agency_id,
            category=command.category,
            description=command.description,
            legal_basis=command.legal_basis,
            outcome=command.outcome,
        )
        session.add(entry)
        session.flush()
        audit(
            session,
            actor,
            agency_id=agency_id,
            action="negative_list_create",
            target=entry,
            before=None,
            after=_entry_snapshot(entry),
        )
        uow.commit()
        return entry


def _entry_snapshot(entry: NegativeListEntry) -> dict[str, Any]:
    return {
        "category": entry.category,
        "description": entry.description,
        "legal_basis": entry.legal_basis,
        "outcome": str(entry.outcome),
        "active": entry.active,
    }


def update_negative_entry(
    session: Session, actor: Actor, entry_id: int, command: UpdateNegativeEntry
) -> NegativeListEntry:
    with UnitOfWork(session) as uow:
        entry = session.get(NegativeListEntry, entry_id)
        if entry is None:
            raise NotFound("负面清单条目不存在。")
        get_managed_agency(session, actor, entry.agency_id)
        if not isinstance(command.outcome, Unset):
            _check_negative_outcome(command.outcome)
        before = _entry_snapshot(entry)
        for field in fields(command):
            value = getattr(command, field.name)
            if not isinstance(value, Unset):
                setattr(entry, field.name, value)
        audit(
            session,
            actor,
            agency_id=entry.agency_id,
            action="negative_list_update",
            target=entry,
            before=before,
            after=_entry_snapshot(entry),
        )
        uow.commit()
        return entry


# ---------------------------------------------------------------- read models and jobs


def list_managed_agencies(
    session: Session, actor: Actor, *, page: int, page_size: int
) -> tuple[Sequence[Agency], int]:
    """The actor's agency and those below it."""
    ids = managed_agency_ids(session, actor)
    query = select(Agency).where(Agency.id.in_(ids)).order_by(Agency.id)
    return paginate(session, query, page=page, page_size=page_size)


def list_managed_users(
    session: Session, actor: Actor, *, page: int, page_size: int
) -> tuple[Sequence[User], int]:
    ids = managed_agency_ids(session, actor)
    query = select(User).where(User.agency_id.in_(ids)).order_by(User.id)
    return paginate(session, query, page=page, page_size=page_size)


def user_tokens(session: Session, actor: Actor, user_id: int) -> Sequence[ApiToken]:
    """A managed user's tokens (only hashes are stored, and they are never shown)."""
    user = get_managed_user(session, actor, user_id)
    return session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)
    ).all()


def issue_token_for(
    session: Session, actor: Actor, user_id: int, name: str, *, ttl_days: int
) -> Annotated[ApiToken]:
    """Issue a token for the actor themself (anyone else: 403, use an enrolment code); the
    plain value is in the result, and only there."""
    user = get_managed_user(session, actor, user_id)
    token, plain = issue_token(session, user, name, actor, ttl_days=ttl_days)
    return Annotated(token, token=plain)


def create_enrolment_for(
    session: Session, actor: Actor, user_id: int, *, ttl_hours: int
) -> Annotated[Enrolment]:
    """A one-time enrolment code for a managed user; the plain code is in the result only."""
    user = get_managed_user(session, actor, user_id)
    enrolment, plain = create_enrolment(session, actor, user, ttl_hours=ttl_hours)
    return Annotated(enrolment, code=plain)


def negative_list(session: Session, actor: Actor, agency_id: int) -> Sequence[NegativeListEntry]:
    """An agency's negative list (负面清单), for its officers and the agencies above it."""
    if not actor.can_see_agency(agency_id):
        get_managed_agency(session, actor, agency_id)
    return session.scalars(
        select(NegativeListEntry)
        .where(NegativeListEntry.agency_id == agency_id)
        .order_by(NegativeListEntry.id)
    ).all()


def close_lapsed_in_managed(session: Session, actor: Actor) -> LapseReport:
    """Close lapsed cases of the agencies the actor manages (the daily job, on demand)."""
    return close_lapsed_cases(session, agency_ids=managed_agency_ids(session, actor))


def regroup_agency_topics(session: Session, actor: Actor, agency_id: int) -> RegroupReport:
    """Regroup a managed agency's undecided topics (``flask regroup-topics``, on demand)."""
    get_managed_agency(session, actor, agency_id)
    return regroup_topics(session, actor, agency_id)


def admin_events(
    session: Session, actor: Actor, *, page: int, page_size: int
) -> tuple[Sequence[AdminEvent], int]:
    """Audit trail of administrative changes in the managed agencies, newest first."""
    ids = managed_agency_ids(session, actor)
    query = select(AdminEvent).where(AdminEvent.agency_id.in_(ids)).order_by(AdminEvent.id.desc())
    return paginate(session, query, page=page, page_size=page_size)


def redeem_enrolment_view(
    session: Session, code: str, *, name: str, ttl_days: int
) -> Annotated[ApiToken]:
    """Redeem a one-time enrolment code; the plain token is in the result, and only there."""
    token, plain = redeem_enrolment(session, code, name=name, ttl_days=ttl_days)
    return Annotated(token, token=plain)


def issue_own_token(
    session: Session, actor: Actor, name: str, *, ttl_days: int
) -> Annotated[ApiToken]:
    """An officer issues themself a new token (e.g. before the current one expires)."""
    user = session.get(User, actor.user_id) if actor.user_id is not None else None
    if user is None:
        raise NotFound("用户不存在。")
    token, plain = issue_token(session, user, name, actor, ttl_days=ttl_days)
    return Annotated(token, token=plain)
