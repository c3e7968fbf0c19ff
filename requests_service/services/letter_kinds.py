"""The single table of letter kinds: template, title, number abbreviation, who approves, to whom
it goes, and the procedural step it belongs to.

Every other list of letter kinds (the API's choices, document numbers, public downloads,
sample set) derives from :data:`LETTER_KINDS`; ``letters.render.DOCUMENT_KINDS`` holds the
printable titles and a test checks the two agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from requests_service.domain.letter_status import LetterStatus
from requests_service.domain.lifecycle import Action, Role

__all__ = ["LETTER_KINDS", "LetterKind", "LetterStatus"]


@dataclass(frozen=True)
class LetterKind:
    key: str
    title: str  # short name in lists (the printed title is in letters.render)
    template: str
    abbreviation: str | None  # in the document number: 市发改公复〔2026〕12号
    approvers: frozenset[Role]
    to_applicant: bool  # downloadable through public tracking
    step: Action | None  # the lifecycle step whose event the letter is built from
    article: str


_APPROVER: Final = frozenset({Role.APPROVER})

_TABLE: Final[tuple[LetterKind, ...]] = (
    LetterKind(
        "acknowledgement",
        "登记回执",
        "acknowledgement.html.j2",
        "公登",
        frozenset({Role.APPROVER, Role.REGISTRAR}),
        True,
        Action.REGISTER,
        "第三十一条、第三十三条",
    ),
    LetterKind(
        "correction_notice",
        "补正告知书",
        "correction_notice.html.j2",
        "公补",
        _APPROVER,
        True,
        Action.REQUEST_CORRECTION,
        "第三十条",
    ),
    LetterKind(
        "extension_notice",
        "延期答复告知书",
        "extension_notice.html.j2",
        "公延",
        _APPROVER,
        True,
        Action.EXTEND,
        "第三十三条第二款",
    ),
    LetterKind(
        "third_party_consultation",
        "第三方意见征询函",
        "third_party_consultation.html.j2",
        "公征",
        _APPROVER,
        False,
        Action.START_CONSULTATION,
        "第三十二条、第三十四条",
    ),
    LetterKind(
        "third_party_disclosure_notice",
        "第三方告知书（决定公开）",
        "third_party_disclosure_notice.html.j2",
        "公告",
        _APPROVER,
        False,
        Action.DECIDE_DISCLOSURE_OVER_OBJECTION,
        "第三十二条",
    ),
    LetterKind(
        "fee_notice",
        "收费通知书",
        "fee_notice.html.j2",
        "公费",
        _APPROVER,
        True,
        Action.ISSUE_FEE_NOTICE,
        "第四十二条",
    ),
    LetterKind(
        "reasons_request",
        "说明理由告知书",
        "reasons_request.html.j2",
        "公理",
        _APPROVER,
        True,
        Action.REQUEST_REASONS,
        "第三十五条",
    ),
    LetterKind(
        "deferral_notice",
        "延迟答复告知书",
        "deferral_notice.html.j2",
        "公迟",
        _APPROVER,
        True,
        Action.RECEIVE_REASONS,
        "第三十五条",
    ),
    LetterKind(
        "reply",
        "政府信息公开申请答复书",
        "reply.html.j2",
        "公复",
        _APPROVER,
        True,
        Action.APPROVE_REPLY,
        "第三十六条至第三十九条",
    ),
    LetterKind(
        "application_form",
        "政府信息公开申请表",
        "application_form.html.j2",
        None,
        _APPROVER,
        False,
        None,
        "第二十九条",
    ),
)

LETTER_KINDS: Final[Mapping[str, LetterKind]] = MappingProxyType({k.key: k for k in _TABLE})
