"""Sealing audit events into their hash chains, and verifying the chains (issue 15, item 5)."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from requests_service.db.base import utcnow
from requests_service.db.models import (
    AdminEvent,
    Agency,
    CalendarChange,
    Case,
    CaseEvent,
    DifficultCaseFiling,
    FilingEvent,
    Topic,
    TopicEvent,
)
from requests_service.domain.audit_anchor import (
    AnchorFinding,
    ChainHead,
    anchor_line,
    check_anchors,
    last_mac,
)
from requests_service.domain.audit_chain import (
    GENESIS,
    BrokenLink,
    ChainLink,
    event_hash,
    verify_chain,
)

# What a case event's hash covers (``case_event_content``), in the stored columns' names.
CASE_EVENT_CONTENT = (
    "case_id",
    "seq",
    "action",
    "from_state",
    "to_state",
    "actor_user_id",
    "actor_role",
    "actor_name",
    "occurred_at",
    "effective_on",
    "public",
    "data",
)


def case_event_content(event: CaseEvent) -> dict[str, Any]:
    return _case_event_content({name: getattr(event, name) for name in CASE_EVENT_CONTENT})


def _case_event_content(values: dict[str, Any]) -> dict[str, Any]:
    content = {name: values[name] for name in CASE_EVENT_CONTENT}
    content["public"] = bool(content["public"])
    content["data"] = content["data"] or {}
    return content


def admin_event_content(event: AdminEvent) -> dict[str, Any]:
    return {
        "agency_id": event.agency_id,
        "seq": event.seq,
        "action": event.action,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "actor_user_id": event.actor_user_id,
        "actor_name": event.actor_name,
        "occurred_at": event.occurred_at,
        "before": event.before,
        "after": event.after,
    }


def status_event_content(event: FilingEvent | TopicEvent, chain_key: str) -> dict[str, Any]:
    return {
        chain_key: getattr(event, chain_key),
        "seq": event.seq,
        "action": event.action,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "actor_user_id": event.actor_user_id,
        "actor_name": event.actor_name,
        "occurred_at": event.occurred_at,
        "data": event.data or {},
    }


def calendar_change_content(event: CalendarChange) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "year": event.year,
        "actor_user_id": event.actor_user_id,
        "actor_name": event.actor_name,
        "occurred_at": event.occurred_at,
        "before": event.before,
        "after": event.after,
        "cases_recomputed": event.cases_recomputed,
    }


def _seal(session: Session, event: Any, model: Any, where: Any, content: dict[str, Any]) -> None:
    last = session.execute(
        select(model.seq, model.hash)
        .where(where, model.seq.is_not(None))
        .order_by(model.seq.desc())
        .limit(1)
    ).first()
    event.seq = (last.seq if last else 0) + 1
    event.prev_hash = last.hash if last else GENESIS
    event.hash = event_hash(event.prev_hash, {**content, "seq": event.seq})


def seal_filing_event(session: Session, event: FilingEvent) -> None:
    """Chain per filing; writers queue on the filing row."""
    event.occurred_at = event.occurred_at or utcnow()
    event.data = event.data or {}
    session.execute(
        select(DifficultCaseFiling.id)
        .where(DifficultCaseFiling.id == event.filing_id)
        .with_for_update()
    )
    _seal(
        session,
        event,
        FilingEvent,
        FilingEvent.filing_id == event.filing_id,
        status_event_content(event, "filing_id"),
    )


def seal_topic_event(session: Session, event: TopicEvent) -> None:
    """Chain per topic; writers queue on the topic row.

    ``FOR NO KEY UPDATE``, not ``FOR UPDATE``: every intake into the topic holds a key-share lock
    on it (its case's foreign key) until it commits; waiting for those while holding the topic's
    update lock (intake's counter UPDATE) would deadlock.  Writers still exclude each other."""
    event.occurred_at = event.occurred_at or utcnow()
    event.data = event.data or {}
    session.execute(
        select(Topic.id).where(Topic.id == event.topic_id).with_for_update(key_share=True)
    )
    _seal(
        session,
        event,
        TopicEvent,
        TopicEvent.topic_id == event.topic_id,
        status_event_content(event, "topic_id"),
    )


def seal_calendar_change(session: Session, event: CalendarChange) -> None:
    """One chain; calendar changes are rare and made by top-level admins."""
    event.occurred_at = event.occurred_at or utcnow()
    _seal(session, event, CalendarChange, CalendarChange.id.is_not(None),
          calendar_change_content(event))  # fmt: skip


def seal_case_event(session: Session, event: CaseEvent) -> None:
    """Give a new (not yet added) case event its place and hashes in the case's chain.

    Writers of one case's events queue on the case row (PostgreSQL; SQLite's BEGIN IMMEDIATE
    already serialises writers), so a background letter job and an officer's action never race
    for the same link; the unique (case_id, seq) is the last line of defence.  A new case's
    first event is sealed by ``seal_first_case_event``, without reading anything.
    """
    session.execute(select(Case.id).where(Case.id == event.case_id).with_for_update())
    last = session.execute(
        select(CaseEvent.seq, CaseEvent.hash)
        .where(CaseEvent.case_id == event.case_id, CaseEvent.seq.is_not(None))
        .order_by(CaseEvent.seq.desc())
        .limit(1)
    ).first()
    event.seq = (last.seq if last else 0) + 1
    event.prev_hash = last.hash if last else GENESIS
    event.hash = event_hash(event.prev_hash, case_event_content(event))


def seal_first_case_event(row: dict[str, Any]) -> dict[str, Any]:
    """``seq``, ``prev_hash`` and ``hash`` of a new case's first event, given as the row's
    column values (no ORM object).  The case was inserted by this very transaction, so no one
    else can see it yet and its chain is empty: the first link is sealed without reading."""
    sealed: dict[str, Any] = {"seq": 1, "prev_hash": GENESIS}
    sealed["hash"] = event_hash(GENESIS, _case_event_content({**row, "seq": 1}))
    return sealed


def seal_admin_event(session: Session, event: AdminEvent) -> None:
    """As for case events; an agency's administrative writers queue on the agency row."""
    session.execute(select(Agency.id).where(Agency.id == event.agency_id).with_for_update())
    last = session.execute(
        select(AdminEvent.seq, AdminEvent.hash)
        .where(AdminEvent.agency_id == event.agency_id, AdminEvent.seq.is_not(None))
        .order_by(AdminEvent.seq.desc())
        .limit(1)
    ).first()
    event.seq = (last.seq if last else 0) + 1
    event.prev_hash = last.hash if last else GENESIS
    event.hash = event_hash(event.prev_hash, admin_event_content(event))


def verify_case_chain(session: Session, case_id: int) -> BrokenLink | None:
    events = session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq, CaseEvent.id)
    ).all()
    return verify_chain(
        f"案件 {case_id}",
        (ChainLink(e.id, e.seq, e.prev_hash, e.hash, case_event_content(e)) for e in events),
    )


def verify_all(session: Session) -> list[BrokenLink]:
    """The first broken link of every broken chain (empty when every chain is intact)."""
    broken: list[BrokenLink] = []
    case_ids = session.scalars(select(CaseEvent.case_id).distinct().order_by(CaseEvent.case_id))
    for case_id in case_ids.all():
        found = verify_case_chain(session, case_id)
        if found:
            broken.append(found)
    agency_ids = session.scalars(
        select(AdminEvent.agency_id).distinct().order_by(AdminEvent.agency_id)
    ).all()
    for agency_id in agency_ids:
        events = session.scalars(
            select(AdminEvent)
            .where(AdminEvent.agency_id == agency_id)
            .order_by(AdminEvent.seq, AdminEvent.id)
        ).all()
        found = verify_chain(
            f"机关 {agency_id} 管理日志",
            (ChainLink(e.id, e.seq, e.prev_hash, e.hash, admin_event_content(e)) for e in events),
        )
        if found:
            broken.append(found)
    for model, key, label in (
        (FilingEvent, "filing_id", "疑难件备案"),
        (TopicEvent, "topic_id", "高频申请主题"),
    ):
        rows = session.scalars(
            select(model).order_by(getattr(model, key), model.seq, model.id)
        ).all()
        chains: dict[int, list[Any]] = {}
        for row in rows:
            chains.setdefault(getattr(row, key), []).append(row)
        for chain_id, events in chains.items():
            found = verify_chain(
                f"{label} {chain_id}",
                (
                    ChainLink(e.id, e.seq, e.prev_hash, e.hash, status_event_content(e, key))
                    for e in events
                ),
            )
            if found:
                broken.append(found)
    changes = session.scalars(select(CalendarChange).order_by(CalendarChange.seq)).all()
    found = verify_chain(
        "工作日历变更",
        (ChainLink(e.id, e.seq, e.prev_hash, e.hash, calendar_change_content(e)) for e in changes),
    )
    if found:
        broken.append(found)
    return broken


# ---------------------------------------------------------------- anchors outside the database

# chain prefix -> (event model, the column naming the chain, or None for a single chain)
_CHAINS: dict[str, tuple[Any, str | None]] = {
    "case": (CaseEvent, "case_id"),
    "admin": (AdminEvent, "agency_id"),
    "filing": (FilingEvent, "filing_id"),
    "topic": (TopicEvent, "topic_id"),
    "calendar": (CalendarChange, None),
}


def chain_heads(session: Session) -> list[ChainHead]:
    """Every chain's last sealed event: one grouped query per kind of chain."""
    heads: list[ChainHead] = []
    for prefix, (model, key) in _CHAINS.items():
        if key is None:
            last = session.execute(
                select(model.seq, model.hash)
                .where(model.seq.is_not(None))
                .order_by(model.seq.desc())
                .limit(1)
            ).first()
            if last is not None:
                heads.append(ChainHead(prefix, last.seq, last.hash))
            continue
        column = getattr(model, key)
        newest = (
            select(column.label("chain_id"), func.max(model.seq).label("seq"))
            .where(model.seq.is_not(None))
            .group_by(column)
            .subquery()
        )
        rows = session.execute(
            select(column, model.seq, model.hash)
            .join(newest, (column == newest.c.chain_id) & (model.seq == newest.c.seq))
            .order_by(column)
        ).all()
        heads.extend(ChainHead(f"{prefix}:{chain_id}", seq, hash_) for chain_id, seq, hash_ in rows)
    return heads


def _chain_query(chain: str) -> tuple[Any, Any] | None:
    prefix, _, chain_id = chain.partition(":")
    if prefix not in _CHAINS:
        return None
    model, key = _CHAINS[prefix]
    if key is None:
        return model, model.seq.is_not(None)
    if not chain_id.isdigit():
        return None
    return model, getattr(model, key) == int(chain_id)


def chain_head(session: Session, chain: str) -> ChainHead | None:
    found = _chain_query(chain)
    if found is None:
        return None
    model, where = found
    last = session.execute(
        select(model.seq, model.hash)
        .where(where, model.seq.is_not(None))
        .order_by(model.seq.desc())
        .limit(1)
    ).first()
    return ChainHead(chain, last.seq, last.hash) if last else None


def hash_at(session: Session, chain: str, seq: int) -> str | None:
    found = _chain_query(chain)
    if found is None:
        return None
    model, where = found
    stored: str | None = session.scalar(select(model.hash).where(where, model.seq == seq))
    return stored


def anchor_chains(session: Session, lines_before: Iterable[str], key: bytes) -> str:
    """The next anchor line for a file that holds ``lines_before``."""
    return anchor_line(
        chain_heads(session),
        anchored_at=utcnow().isoformat(timespec="seconds"),
        prev_mac=last_mac(lines_before),
        key=key,
    )


def verify_anchors(session: Session, lines: Iterable[str], key: bytes) -> list[AnchorFinding]:
    return check_anchors(
        lines,
        key=key,
        current_head=lambda chain: chain_head(session, chain),
        hash_at=lambda chain, seq: hash_at(session, chain, seq),
    )


def anchor_key(secret_key: str) -> bytes:
    """The anchors' MAC key: derived from SECRET_KEY, which the database never holds."""
    return hmac.new(secret_key.encode(), b"audit-anchor", hashlib.sha256).digest()


def append_anchor(session: Session, path: str, secret_key: str) -> int:
    """Append the chains' current heads to the anchor file; returns how many chains."""
    file = Path(path)
    before = file.read_text(encoding="utf-8").splitlines() if file.exists() else []
    line = anchor_chains(session, before, anchor_key(secret_key))
    file.parent.mkdir(parents=True, exist_ok=True)
    with file.open("a", encoding="utf-8") as out:
        out.write(line + "\n")
        out.flush()
        os.fsync(out.fileno())
    return len(json.loads(line)["heads"])
