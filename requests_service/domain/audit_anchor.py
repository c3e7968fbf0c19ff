"""Anchors: the audit chains' heads written down outside the database (issue 15).

A hash chain shows that an event was edited, removed from the middle or inserted; it cannot
show that the newest events were deleted and the chain re-written from there on, because whoever
can write the database can recompute every later hash. An anchor records, at a moment, each
chain's last sequence number and hash; kept outside the database (an append-only file, a
write-once mount, a log shipped elsewhere), it lets ``flask verify-audit --anchors`` prove that
the chains still contain exactly what they contained then.

Each anchor is one JSON line with an HMAC under a key the database does not hold, and the MAC
of the anchor before it, so anchors cannot be forged, edited or dropped from the middle of the
file unnoticed either. Plain Python: heads in, lines and findings out.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

ANCHOR_VERSION = 1


@dataclass(frozen=True)
class ChainHead:
    chain: str  # "case:42", "admin:3", "filing:7", "topic:5", "calendar"
    seq: int
    hash: str


def _mac(key: bytes, record: Mapping[str, Any]) -> str:
    canonical = json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hmac.new(key, canonical.encode(), hashlib.sha256).hexdigest()


def anchor_line(heads: Iterable[ChainHead], *, anchored_at: str, prev_mac: str, key: bytes) -> str:
    """One anchor as a JSON line (without the newline)."""
    record: dict[str, Any] = {
        "v": ANCHOR_VERSION,
        "anchored_at": anchored_at,
        "prev": prev_mac,
        "heads": {h.chain: [h.seq, h.hash] for h in sorted(heads, key=lambda h: h.chain)},
    }
    record["mac"] = _mac(key, record)
    return json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def last_mac(lines: Iterable[str]) -> str:
    """The MAC the next anchor links to ("" for an empty file)."""
    mac = ""
    for line in lines:
        if line.strip():
            mac = str(json.loads(line).get("mac", ""))
    return mac


@dataclass(frozen=True)
class AnchorFinding:
    line: int  # 1-based line of the anchor file
    chain: str
    problem: str

    def describe(self) -> str:
        where = f"（{self.chain}）" if self.chain else ""
        return f"锚点第{self.line}行{where}：{self.problem}"


def check_anchors(
    lines: Iterable[str],
    *,
    key: bytes,
    current_head: Callable[[str], ChainHead | None],
    hash_at: Callable[[str, int], str | None],
) -> list[AnchorFinding]:
    """Every finding: anchors whose MAC or link fails, and chains that no longer contain the
    anchored head (shorter than anchored, or another hash at the anchored position — the trace
    of deleting the newest events and re-chaining)."""
    findings: list[AnchorFinding] = []
    prev = ""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            claimed = record.pop("mac")
        except (ValueError, KeyError, AttributeError):
            findings.append(AnchorFinding(number, "", "无法读取（不是锚点记录）。"))
            continue
        if not hmac.compare_digest(str(claimed), _mac(key, record)):
            findings.append(AnchorFinding(number, "", "校验码不符：锚点被修改或不是本系统写入的。"))
            continue
        if record.get("prev", "") != prev:
            problem = "与上一条锚点衔接不上：锚点文件中有记录被删除。"
            findings.append(AnchorFinding(number, "", problem))
        prev = str(claimed)
        for chain, (seq, anchored_hash) in record.get("heads", {}).items():
            head = current_head(chain)
            if head is None or head.seq < seq:
                have = head.seq if head else 0
                findings.append(
                    AnchorFinding(
                        number,
                        chain,
                        f"锚定时已有{seq}条事件，现只剩{have}条：最新的事件被删除。",
                    )
                )
            elif hash_at(chain, seq) != anchored_hash:
                findings.append(
                    AnchorFinding(
                        number,
                        chain,
                        f"第{seq}条事件的哈希与锚定时不同：该链在锚定后被改写。",
                    )
                )
    return findings
