"""Tamper evidence for audit trails: every event carries the hash of the previous event of its
chain (a case's events; an agency's administrative events) and its own hash over its content.

Editing an event changes its hash; deleting one leaves a gap in the sequence numbers and a link
whose ``prev_hash`` no longer matches; re-ordering or back-dating changes the hashes. Plain
Python: values in, digests and findings out.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

GENESIS = "0" * 64


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def event_hash(prev_hash: str, content: Mapping[str, Any]) -> str:
    """SHA-256 over the previous hash and the event's content as canonical JSON."""
    canonical = json.dumps(
        {k: _plain(v) for k, v in content.items()},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(f"{prev_hash}\n{canonical}".encode()).hexdigest()


@dataclass(frozen=True)
class ChainLink:
    """One stored event as read back: its position, stored hashes and content."""

    event_id: int
    seq: int | None
    prev_hash: str | None
    hash: str | None
    content: Mapping[str, Any]


@dataclass(frozen=True)
class BrokenLink:
    chain: str
    event_id: int
    seq: int | None
    problem: str

    def describe(self) -> str:
        return f"{self.chain}: 事件 id={self.event_id} 序号={self.seq}：{self.problem}"


def verify_chain(chain: str, links: Iterable[ChainLink]) -> BrokenLink | None:
    """The first broken link of one chain (links ordered by ``seq``), or None when intact."""
    prev = GENESIS
    expected_seq = 1
    for link in links:
        if link.seq != expected_seq:
            return BrokenLink(
                chain, link.event_id, link.seq, f"序号不连续（应为{expected_seq}），有事件被删除"
            )
        if link.prev_hash != prev:
            return BrokenLink(chain, link.event_id, link.seq, "与前一事件的哈希链接断开")
        if link.hash != event_hash(prev, link.content):
            return BrokenLink(chain, link.event_id, link.seq, "内容与哈希不符，事件被修改")
        prev = link.hash
        expected_seq += 1
    return None
