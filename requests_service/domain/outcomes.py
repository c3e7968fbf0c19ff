"""Reply outcomes: the taxonomy of the national annual report and what each letter must say.

Every application is counted once, under exactly one row of section 三 "本年度办理结果" of the
《中华人民共和国政府信息公开工作年度报告格式》 (国办公开办函〔2021〕30号); a partly disclosed
application counts only as 部分公开.  :class:`Outcome` is that row.  For each outcome this
module knows the default legal basis in 《中华人民共和国政府信息公开条例》, which structured
details the reply letter needs (:func:`validate_outcome_details`) and the remedy paragraph
every decision letter must carry (:func:`remedy_notice`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Final

from requests_service.domain.errors import RuleViolation
from requests_service.domain.labelled import LabelledEnum

__all__ = [
    "MAX_DETAIL_LENGTH",
    "MAX_REASONS_LENGTH",
    "OUTCOMES_FOR_OFFICER_REPLY",
    "DisclosureRoute",
    "NotHeldBasis",
    "Outcome",
    "OutcomeGroup",
    "RemedyNotice",
    "RemedyRoute",
    "ReplyDecision",
    "cites_art_14_to_16",
    "default_legal_basis",
    "detail_warnings",
    "reconsideration_first_parts",
    "remedy_notice",
    "validate_outcome_details",
    "validate_reply",
]

MAX_DETAIL_LENGTH: Final = 2000
MAX_REASONS_LENGTH: Final = 10000

_OGI: Final = "《中华人民共和国政府信息公开条例》"


class OutcomeGroup(StrEnum):
    """The six top-level result rows (（一）…（六）) of report section 三."""

    DISCLOSED = "disclosed"
    PARTIALLY_DISCLOSED = "partially_disclosed"
    WITHHELD = "withheld"
    UNAVAILABLE = "unavailable"
    NOT_PROCESSED = "not_processed"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _GROUP_INFO[self][1]

    @property
    def report_row(self) -> str:
        return _GROUP_INFO[self][0]


_GROUP_INFO: Final[Mapping[OutcomeGroup, tuple[str, str]]] = MappingProxyType(
    {
        OutcomeGroup.DISCLOSED: ("（一）", "予以公开"),
        OutcomeGroup.PARTIALLY_DISCLOSED: ("（二）", "部分公开"),
        OutcomeGroup.WITHHELD: ("（三）", "不予公开"),
        OutcomeGroup.UNAVAILABLE: ("（四）", "无法提供"),
        OutcomeGroup.NOT_PROCESSED: ("（五）", "不予处理"),
        OutcomeGroup.OTHER: ("（六）", "其他处理"),
    }
)


class DisclosureRoute(LabelledEnum):
    """How disclosed information reaches the applicant (Art. 36 items 1 and 2)."""

    PROVIDED = "provided", "向申请人提供"
    ALREADY_PUBLIC = "already_public", "已主动公开，告知获取方式和途径"


class NotHeldBasis(LabelledEnum):
    """Why this agency cannot provide information it does not hold (Art. 36 items 4 and 5)."""

    DOES_NOT_EXIST = "does_not_exist", "经检索该政府信息不存在"
    OTHER_AGENCY = "other_agency", "不属于本机关负责公开"


class Outcome(StrEnum):
    """One row of report section 三; the decision type of a reply letter."""

    DISCLOSED = "disclosed"
    PARTIALLY_DISCLOSED = "partially_disclosed"
    WITHHELD_STATE_SECRET = "withheld_state_secret"
    WITHHELD_LAW_PROHIBITS = "withheld_law_prohibits"
    WITHHELD_SECURITY_STABILITY = "withheld_security_stability"
    WITHHELD_THIRD_PARTY = "withheld_third_party"
    WITHHELD_INTERNAL_AFFAIRS = "withheld_internal_affairs"
    WITHHELD_PROCESS_INFO = "withheld_process_info"
    WITHHELD_ENFORCEMENT_FILE = "withheld_enforcement_file"
    WITHHELD_SPECIAL_QUERY = "withheld_special_query"
    UNAVAILABLE_NOT_HELD = "unavailable_not_held"
    UNAVAILABLE_NEEDS_CREATION = "unavailable_needs_creation"
    UNAVAILABLE_STILL_UNCLEAR = "unavailable_still_unclear"
    NOT_PROCESSED_PETITION = "not_processed_petition"
    NOT_PROCESSED_REPEAT = "not_processed_repeat"
    NOT_PROCESSED_PUBLICATION = "not_processed_publication"
    NOT_PROCESSED_EXCESSIVE = "not_processed_excessive"
    NOT_PROCESSED_CONFIRM_REISSUE = "not_processed_confirm_reissue"
    OTHER_NO_CORRECTION = "other_no_correction"
    OTHER_FEE_UNPAID = "other_fee_unpaid"
    OTHER = "other"

    @property
    def label(self) -> str:
        """Short Chinese name, the report row text without its counting note."""
        return _OUTCOME_INFO[self].label

    @property
    def report_label(self) -> str:
        """The row text exactly as printed in the report (without its number)."""
        info = _OUTCOME_INFO[self]
        return info.report_label or info.label

    @property
    def group(self) -> OutcomeGroup:
        return _OUTCOME_INFO[self].group

    @property
    def report_row(self) -> str:
        """Row number in section 三, e.g. ``"（三）1"``; top-level rows have no item number."""
        info = _OUTCOME_INFO[self]
        return f"{info.group.report_row}{info.item}"

    @property
    def legal_basis(self) -> str | None:
        """Default citation for the letter; ``None`` for ``other`` (withdrawal is not statutory).

        :func:`default_legal_basis` narrows it using the outcome details.
        """
        return _OUTCOME_INFO[self].legal_basis

    @property
    def requires_reconsideration_first(self) -> bool:
        """True where the applicant must apply for reconsideration before suing.

        《中华人民共和国行政复议法》(2023) 第二十三条第一款第（四）项 puts refusals of OGI
        applications (不予公开) to reconsideration first and para 2 obliges the agency to say so.
        The Supreme People's Court's interpretation on OGI cases (2025, in force 2025-06-01)
        reads 不予公开 there as the refusals under Art. 14, 15 and 16 of the Regulations
        (rules.md §c): so the seven Art. 14–16 rows only — not the Art. 36(7) special-query
        answer.  A 部分公开 letter is decided per withheld part (:func:`remedy_notice`).
        """
        return self in _ART_14_16_REFUSALS

    @property
    def remedy_notice_required(self) -> bool:
        """True for every outcome that ends in a decision letter; all but ``other``.

        A letter that omits the remedy, the body or the period lets the 60 days run only from
        when the applicant learns of them, up to one year (行政复议法 第二十条第三款).
        Closures for no correction / unpaid fee end the application, so they carry it too.
        """
        return self is not Outcome.OTHER

    @property
    def required_details(self) -> tuple[str, ...]:
        """Detail fields always required; some optional ones become required by a choice
        (see :func:`validate_outcome_details`)."""
        return _OUTCOME_INFO[self].required

    @property
    def optional_details(self) -> tuple[str, ...]:
        return _OUTCOME_INFO[self].optional


@dataclass(frozen=True)
class _OutcomeInfo:
    group: OutcomeGroup
    item: str
    label: str
    legal_basis: str | None
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    report_label: str | None = None


_WITHHELD_OPTIONAL: Final = ("negative_list_entry_id",)
_ART_36_3: Final = "第三十六条第（三）项"

_OUTCOME_INFO: Final[Mapping[Outcome, _OutcomeInfo]] = MappingProxyType(
    {
        Outcome.DISCLOSED: _OutcomeInfo(
            OutcomeGroup.DISCLOSED,
            "",
            "予以公开",
            f"{_OGI}第三十六条第（一）项、第（二）项",
            required=("disclosure_route",),
            optional=("public_location", "delivery_form"),
        ),
        Outcome.PARTIALLY_DISCLOSED: _OutcomeInfo(
            OutcomeGroup.PARTIALLY_DISCLOSED,
            "",
            "部分公开",
            f"{_OGI}第三十七条",
            required=("withheld_parts", "disclosed_part_description"),
            optional=("delivery_form",),
            report_label="部分公开（区分处理的，只计这一情形，不计其他情形）",
        ),
        Outcome.WITHHELD_STATE_SECRET: _OutcomeInfo(
            OutcomeGroup.WITHHELD,
            "1",
            "属于国家秘密",
            f"{_OGI}第十四条、{_ART_36_3}",
            optional=_WITHHELD_OPTIONAL,
        ),
        Outcome.WITHHELD_LAW_PROHIBITS: _OutcomeInfo(
            OutcomeGroup.WITHHELD,
            "2",
            "其他法律行政法规禁止公开",
            f"{_OGI}第十四条、{_ART_36_3}",
            required=("cited_law",),
            optional=_WITHHELD_OPTIONAL,
        ),
        Outcome.WITHHELD_SECURITY_STABILITY: _OutcomeInfo(
            OutcomeGroup.WITHHELD,
            "3",
            "危及“三安全一稳定”",
            f"{_OGI}第十四条、{_ART_36_3}",
            optional=_WITHHELD_OPTIONAL,
        ),
        Outcome.WITHHELD_THIRD_PARTY: _OutcomeInfo(
            OutcomeGroup.WITHHELD,
            "4",
            "保护第三方合法权益",
            f"{_OGI}第十五条、第三十二条、{_ART_36_3}",
            optional=("third_party_objection", *_WITHHELD_OPTIONAL),
        ),
        Outcome.WITHHELD_INTERNAL_AFFAIRS: _OutcomeInfo(
            OutcomeGroup.WITHHELD,
            "5",
            "属于三类内部事务信息",
            f"{_OGI}第十六条第一款、{_ART_36_3}",
            optional=_WITHHELD_OPTIONAL,
        ),
        Outcome.WITHHELD_PROCESS_INFO: _OutcomeInfo(
            OutcomeGroup.WITHHELD,
            "6",
            "属于四类过程性信息",
            f"{_OGI}第十六条第二款、{_ART_36_3}",
            optional=_WITHHELD_OPTIONAL,
        ),
        Outcome.WITHHELD_ENFORCEMENT_FILE: _OutcomeInfo(
            OutcomeGroup.WITHHELD,
            "7",
            "属于行政执法案卷",
            f"{_OGI}第十六条第二款、{_ART_36_3}",
            optional=_WITHHELD_OPTIONAL,
        ),
        Outcome.WITHHELD_SPECIAL_QUERY: _OutcomeInfo(
            OutcomeGroup.WITHHELD,
            "8",
            "属于行政查询事项",
            f"{_OGI}第三十六条第（七）项",
            required=("special_procedure",),
            optional=_WITHHELD_OPTIONAL,
        ),
        Outcome.UNAVAILABLE_NOT_HELD: _OutcomeInfo(
            OutcomeGroup.UNAVAILABLE,
            "1",
            "本机关不掌握相关政府信息",
            f"{_OGI}第三十六条第（四）项、第（五）项",
            required=("not_held_basis",),
            optional=("search_description", "competent_agency_name", "competent_agency_contact"),
        ),
        Outcome.UNAVAILABLE_NEEDS_CREATION: _OutcomeInfo(
            OutcomeGroup.UNAVAILABLE,
            "2",
            "没有现成信息需要另行制作",
            f"{_OGI}第三十八条",
        ),
        Outcome.UNAVAILABLE_STILL_UNCLEAR: _OutcomeInfo(
            OutcomeGroup.UNAVAILABLE,
            "3",
            "补正后申请内容仍不明确",
            f"{_OGI}第三十条",
            required=("unclear_points",),
        ),
        Outcome.NOT_PROCESSED_PETITION: _OutcomeInfo(
            OutcomeGroup.NOT_PROCESSED,
            "1",
            "信访举报投诉类申请",
            f"{_OGI}第三十九条第一款",
            optional=("proper_channel",),
        ),
        Outcome.NOT_PROCESSED_REPEAT: _OutcomeInfo(
            OutcomeGroup.NOT_PROCESSED,
            "2",
            "重复申请",
            f"{_OGI}第三十六条第（六）项",
            required=("earlier_case_number",),
        ),
        Outcome.NOT_PROCESSED_PUBLICATION: _OutcomeInfo(
            OutcomeGroup.NOT_PROCESSED,
            "3",
            "要求提供公开出版物",
            f"{_OGI}第三十九条第二款",
            optional=("publication_source",),
        ),
        Outcome.NOT_PROCESSED_EXCESSIVE: _OutcomeInfo(
            OutcomeGroup.NOT_PROCESSED,
            "4",
            "无正当理由大量反复申请",
            f"{_OGI}第三十五条",
            required=("reason_request_summary",),
        ),
        # No single article governs this row (rules.md §c, unverified); Art. 2 (what
        # government information is) and Art. 38 (no duty to create information) are the
        # usual reasoning.  Officers should check and may override.
        Outcome.NOT_PROCESSED_CONFIRM_REISSUE: _OutcomeInfo(
            OutcomeGroup.NOT_PROCESSED,
            "5",
            "要求行政机关确认或重新出具已获取信息",
            f"{_OGI}第二条、第三十八条",
        ),
        Outcome.OTHER_NO_CORRECTION: _OutcomeInfo(
            OutcomeGroup.OTHER,
            "1",
            "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
            f"{_OGI}第三十条",
        ),
        Outcome.OTHER_FEE_UNPAID: _OutcomeInfo(
            OutcomeGroup.OTHER,
            "2",
            "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
            f"{_OGI}第四十二条、《政府信息公开信息处理费管理办法》",
        ),
        Outcome.OTHER: _OutcomeInfo(OutcomeGroup.OTHER, "3", "其他", None),
    }
)

_ART_14_16_REFUSALS: Final[frozenset[Outcome]] = frozenset(
    {
        Outcome.WITHHELD_STATE_SECRET,
        Outcome.WITHHELD_LAW_PROHIBITS,
        Outcome.WITHHELD_SECURITY_STABILITY,
        Outcome.WITHHELD_THIRD_PARTY,
        Outcome.WITHHELD_INTERNAL_AFFAIRS,
        Outcome.WITHHELD_PROCESS_INFO,
        Outcome.WITHHELD_ENFORCEMENT_FILE,
    }
)

OUTCOMES_FOR_OFFICER_REPLY: Final[tuple[Outcome, ...]] = tuple(
    o
    for o in Outcome
    # The two closures arise only from the deemed-abandonment actions; ``other`` records
    # withdrawals, which have no reply letter.
    if o not in (Outcome.OTHER_NO_CORRECTION, Outcome.OTHER_FEE_UNPAID, Outcome.OTHER)
)


# --- detail validation -------------------------------------------------------------------

_FIELD_LABELS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "disclosure_route": "公开方式",
        "public_location": "获取方式和途径",
        "delivery_form": "提供形式",
        "withheld_parts": "不予公开部分",
        "disclosed_part_description": "公开部分说明",
        "cited_law": "禁止公开的法律、行政法规条款",
        "third_party_objection": "第三方意见",
        "special_procedure": "应当依照办理的特别程序",
        "negative_list_entry_id": "不予公开清单条目",
        "not_held_basis": "不掌握信息的情形",
        "search_description": "检索情况说明",
        "competent_agency_name": "负责公开的行政机关名称",
        "competent_agency_contact": "负责公开的行政机关联系方式",
        "unclear_points": "仍不明确的内容",
        "proper_channel": "应当通过的途径",
        "earlier_case_number": "此前答复的案件编号",
        "publication_source": "公开出版物获取途径",
        "reason_request_summary": "要求说明理由及理由不合理的情况",
        "reasons": "理由",
        "legal_basis": "法律依据",
    }
)

_WITHHELD_PART_KEYS: Final = ("description", "reason", "legal_basis")
WITHHELD_PART_KEYS: Final = _WITHHELD_PART_KEYS
_WITHHELD_PART_LABELS: Final[Mapping[str, str]] = MappingProxyType(
    {"description": "不予公开的内容", "reason": "不予公开的理由", "legal_basis": "法律依据"}
)
_CHOICES: Final[Mapping[str, type[DisclosureRoute] | type[NotHeldBasis]]] = MappingProxyType(
    {"disclosure_route": DisclosureRoute, "not_held_basis": NotHeldBasis}
)
DETAIL_CHOICES: Final = _CHOICES


def _label(name: str) -> str:
    return _FIELD_LABELS.get(name, name)


class _Errors:
    """Collects every problem so the officer sees them all at once."""

    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}

    def add(self, name: str, message: str) -> None:
        self.fields.setdefault(name, []).append(message)

    def __bool__(self) -> bool:
        return bool(self.fields)


def _clean_text(
    value: Any, name: str, errors: _Errors, *, max_length: int = MAX_DETAIL_LENGTH
) -> str | None:
    """Strip a text value; empty means missing (``None``)."""
    if value is None:
        return None
    if not isinstance(value, str):
        errors.add(name, f"“{_label(name)}”应为文字")
        return None
    text = value.strip()
    if not text:
        return None
    if len(text) > max_length:
        errors.add(name, f"“{_label(name)}”不能超过{max_length}个字")
        return None
    return text


def _clean_withheld_parts(value: Any, errors: _Errors) -> list[dict[str, str]] | None:
    """Art. 37: each withheld part needs its own description, reason and legal basis."""
    name = "withheld_parts"
    if value is None:
        return None
    if isinstance(value, str | bytes) or not isinstance(value, list | tuple):
        errors.add(name, "“不予公开部分”应为列表，每项写明内容、理由和法律依据")
        return None
    if not value:
        return None
    cleaned: list[dict[str, str]] = []
    for index, item in enumerate(value):
        prefix = f"{name}[{index}]"
        if not isinstance(item, Mapping):
            errors.add(prefix, f"第{index + 1}项应写明不予公开的内容、理由和法律依据")
            continue
        cleaned.append(_clean_withheld_part(item, index, prefix, errors))
    return cleaned


def _clean_withheld_part(
    item: Mapping[str, Any], index: int, prefix: str, errors: _Errors
) -> dict[str, str]:
    for key in item:
        if key not in _WITHHELD_PART_KEYS:
            errors.add(f"{prefix}.{key}", f"第{index + 1}项含有不适用的字段“{key}”")
    part: dict[str, str] = {}
    for key in _WITHHELD_PART_KEYS:
        field = f"{prefix}.{key}"
        text = _clean_text(item.get(key), field, errors)
        if text is not None:
            part[key] = text
        elif field not in errors.fields:
            errors.add(
                field,
                f"第{index + 1}项缺少“{_WITHHELD_PART_LABELS[key]}”"
                "（第三十七条：对不予公开的部分说明理由）",
            )
    return part


def _clean_value(name: str, value: Any, errors: _Errors) -> Any:
    if name == "withheld_parts":
        return _clean_withheld_parts(value, errors)
    if name == "negative_list_entry_id":
        if value is None:
            return None
        # bool is an int subclass; a checkbox value must not pass as an id.
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            errors.add(name, "“不予公开清单条目”应为正整数编号")
            return None
        return value
    text = _clean_text(value, name, errors)
    if text is None or name not in _CHOICES:
        return text
    choice = _CHOICES[name]
    try:
        return choice(text)
    except ValueError:
        options = "、".join(f"{c.value}（{c.label}）" for c in choice)
        errors.add(name, f"“{_label(name)}”只能是：{options}")
        return None


def _missing(errors: _Errors, name: str, why: str) -> None:
    errors.add(name, f"请填写“{_label(name)}”（{why}）")


_REQUIRED_WHY: Final[Mapping[str, str]] = MappingProxyType(
    {
        "disclosure_route": "第三十六条第（一）项、第（二）项：说明是提供信息还是告知获取途径",
        "withheld_parts": "第三十七条：逐项说明不予公开部分的理由和依据",
        "disclosed_part_description": "第三十七条：说明向申请人公开的部分",
        "cited_law": "第十四条：写明禁止公开的具体法律、行政法规条款",
        "special_procedure": "第三十六条第（七）项：告知依照有关法律、行政法规的规定办理",
        "not_held_basis": "第三十六条第（四）项、第（五）项：信息不存在或不属于本机关负责公开",
        "unclear_points": "第三十条：说明补正后仍不明确的内容",
        "earlier_case_number": "第三十六条第（六）项：引用已作出的答复",
        "reason_request_summary": "第三十五条：记录要求说明理由的情况及理由不合理的原因",
    }
)


def _check_conditionals(outcome: Outcome, cleaned: dict[str, Any], errors: _Errors) -> None:
    if outcome is Outcome.DISCLOSED:
        if cleaned.get("disclosure_route") is DisclosureRoute.ALREADY_PUBLIC and (
            "public_location" not in cleaned
        ):
            _missing(
                errors,
                "public_location",
                "第三十六条第（一）项：告知获取该政府信息的方式、途径",
            )
    elif outcome is Outcome.UNAVAILABLE_NOT_HELD:
        basis = cleaned.get("not_held_basis")
        if basis is NotHeldBasis.DOES_NOT_EXIST:
            if "search_description" not in cleaned:
                _missing(
                    errors,
                    "search_description",
                    "第三十六条第（四）项：说明已经检索，该政府信息不存在",
                )
            for name in ("competent_agency_name", "competent_agency_contact"):
                if name in cleaned:
                    errors.add(
                        name,
                        "信息不存在时不应填写负责公开的机关；如信息由其他机关负责公开，"
                        "请选择“不属于本机关负责公开”",
                    )
        elif (
            basis is NotHeldBasis.OTHER_AGENCY
            and "competent_agency_contact" in cleaned
            and "competent_agency_name" not in cleaned
        ):
            errors.add(
                "competent_agency_contact",
                "填写联系方式时请同时填写负责公开的行政机关名称；无法确定负责公开的机关时两项均不填",
            )


def validate_outcome_details(
    outcome: Outcome | str, details: Mapping[str, Any] | None
) -> dict[str, Any]:
    """Check and clean the structured details a reply letter of ``outcome`` needs.

    Rules (《中华人民共和国政府信息公开条例》):

    * ``disclosed`` — ``disclosure_route`` (``provided`` / ``already_public``); when already
      public, ``public_location`` saying how and where to obtain it (Art. 36(1));
      ``delivery_form`` optional (Art. 40).
    * ``partially_disclosed`` — ``withheld_parts``: a non-empty list of
      ``{description, reason, legal_basis}``, and ``disclosed_part_description`` (Art. 37).
    * ``withheld_law_prohibits`` — ``cited_law``, the specific law/article (Art. 14).
    * ``withheld_third_party`` — optional ``third_party_objection`` (Art. 15, 32).
    * ``withheld_special_query`` — ``special_procedure`` under the special law (Art. 36(7)).
    * every ``withheld_*`` — optional ``negative_list_entry_id`` (positive int).
    * ``unavailable_not_held`` — ``not_held_basis``: ``does_not_exist`` needs
      ``search_description`` (Art. 36(4)); ``other_agency`` takes ``competent_agency_name``
      and ``competent_agency_contact`` only where the competent agency can be determined
      (Art. 36(5) "能够确定负责公开该政府信息的行政机关的"); without a name the letter says it
      cannot be determined, and a contact without a name is refused.
    * ``unavailable_still_unclear`` — ``unclear_points`` (Art. 30).
    * ``not_processed_petition`` — optional ``proper_channel`` (Art. 39 para 1).
    * ``not_processed_repeat`` — ``earlier_case_number`` (Art. 36(6)).
    * ``not_processed_publication`` — optional ``publication_source`` (Art. 39 para 2).
    * ``not_processed_excessive`` — ``reason_request_summary`` (Art. 35).

    Text is stripped; an empty string counts as missing; at most
    :data:`MAX_DETAIL_LENGTH` characters.  Keys the outcome does not use are errors.
    Raises :class:`RuleViolation` with ``details={"fields": {name: [message, ...]}}`` listing
    every problem at once.  Returns only the fields that carry a value.
    """
    outcome = _coerce_outcome(outcome)
    errors = _Errors()
    cleaned = _clean_details(outcome, details, errors)
    if errors:
        raise _violation(outcome, errors)
    return cleaned


def _clean_details(
    outcome: Outcome, details: Mapping[str, Any] | None, errors: _Errors
) -> dict[str, Any]:
    details = {} if details is None else details
    if not isinstance(details, Mapping):
        errors.add("details", "答复事项应为键值对象")
        return {}
    known = (*outcome.required_details, *outcome.optional_details)
    for key in details:
        if key not in known:
            errors.add(str(key), f"办理结果“{outcome.label}”不使用该字段")
    cleaned: dict[str, Any] = {}
    for name in known:
        value = _clean_value(name, details.get(name), errors)
        if value is not None:
            cleaned[name] = value
        elif name in outcome.required_details and name not in errors.fields:
            _missing(errors, name, _REQUIRED_WHY[name])
    _check_conditionals(outcome, cleaned, errors)
    return cleaned


def _violation(outcome: Outcome, errors: _Errors) -> RuleViolation:
    count = sum(len(messages) for messages in errors.fields.values())
    return RuleViolation(
        f"办理结果“{outcome.label}”的答复内容有{count}处需要修改",
        fields=errors.fields,
    )


def _coerce_outcome(outcome: Outcome | str) -> Outcome:
    try:
        return Outcome(outcome)
    except ValueError:
        raise RuleViolation(
            f"未知的办理结果“{outcome}”", fields={"outcome": ["未知的办理结果"]}
        ) from None


def detail_warnings(outcome: Outcome | str, details: Mapping[str, Any]) -> dict[str, list[str]]:
    """Advice on cleaned details that the law recommends but does not strictly require."""
    outcome = Outcome(outcome)
    warnings: dict[str, list[str]] = {}
    if (
        outcome is Outcome.UNAVAILABLE_NOT_HELD
        and details.get("not_held_basis") == NotHeldBasis.OTHER_AGENCY
        and details.get("competent_agency_name")
        and not details.get("competent_agency_contact")
    ):
        warnings["competent_agency_contact"] = [
            "建议填写负责公开的行政机关的联系方式（第三十六条第（五）项）"
        ]
    if outcome in (Outcome.DISCLOSED, Outcome.PARTIALLY_DISCLOSED) and not details.get(
        "delivery_form"
    ):
        warnings["delivery_form"] = [
            "建议写明提供政府信息的形式（第四十条：按照申请人要求的形式提供）"
        ]
    return warnings


def default_legal_basis(outcome: Outcome | str, details: Mapping[str, Any]) -> str | None:
    """The outcome's default citation, narrowed to the Art. 36 item the details select."""
    outcome = Outcome(outcome)
    route = details.get("disclosure_route")
    basis = details.get("not_held_basis")
    if outcome is Outcome.DISCLOSED and route == DisclosureRoute.ALREADY_PUBLIC:
        return f"{_OGI}第三十六条第（一）项"
    if outcome is Outcome.DISCLOSED and route == DisclosureRoute.PROVIDED:
        return f"{_OGI}第三十六条第（二）项"
    if outcome is Outcome.UNAVAILABLE_NOT_HELD and basis == NotHeldBasis.DOES_NOT_EXIST:
        return f"{_OGI}第三十六条第（四）项"
    if outcome is Outcome.UNAVAILABLE_NOT_HELD and basis == NotHeldBasis.OTHER_AGENCY:
        return f"{_OGI}第三十六条第（五）项"
    return outcome.legal_basis


@dataclass(frozen=True)
class ReplyDecision:
    """A validated reply decision, ready to be stored and rendered."""

    outcome: Outcome
    reasons: str
    legal_basis: str | None
    details: dict[str, Any]


def validate_reply(
    outcome: Outcome | str,
    reasons: str | None,
    legal_basis: str | None,
    details: Mapping[str, Any] | None,
) -> ReplyDecision:
    """Validate a whole reply decision and report every problem at once.

    ``reasons`` are required for every outcome except ``other``: a refusal must state its
    reasons (Art. 36(3)), and the other letters explain the decision too.  A missing
    ``legal_basis`` defaults to :func:`default_legal_basis`.
    """
    outcome = _coerce_outcome(outcome)
    errors = _Errors()
    cleaned_reasons = _clean_text(reasons, "reasons", errors, max_length=MAX_REASONS_LENGTH)
    if cleaned_reasons is None and outcome is not Outcome.OTHER and "reasons" not in errors.fields:
        errors.add("reasons", "请填写答复理由")
    cleaned_basis = _clean_text(legal_basis, "legal_basis", errors)
    cleaned_details = _clean_details(outcome, details, errors)
    if errors:
        raise _violation(outcome, errors)
    return ReplyDecision(
        outcome=outcome,
        reasons=cleaned_reasons or "",
        legal_basis=cleaned_basis or default_legal_basis(outcome, cleaned_details),
        details=cleaned_details,
    )


# --- remedy notice -----------------------------------------------------------------------

_RECONSIDERATION_LAW: Final = "《中华人民共和国行政复议法》"
_LITIGATION_LAW: Final = "《中华人民共和国行政诉讼法》"

RECONSIDERATION_DAYS: Final = 60
"""行政复议法 (2023) 第二十条第一款: 60 days from knowing of the act."""
LITIGATION_MONTHS: Final = 6
"""行政诉讼法 第四十六条第一款: six months from knowing of the act."""
AFTER_RECONSIDERATION_DAYS: Final = 15
"""行政诉讼法 第四十五条: 15 days after the reconsideration decision, or after the
reconsideration period ends without one."""

GENERIC_COURT: Final = "人民法院"

_ART_14_16_PATTERN: Final = re.compile(r"第十[四五六]条")


class RemedyRoute(LabelledEnum):
    """Which routes the remedy paragraph offers."""

    BOTH = "both", "可以申请行政复议，也可以直接提起行政诉讼"
    RECONSIDERATION_FIRST = "reconsideration_first", "复议前置：应当先申请行政复议"
    # 部分公开: reconsideration first for the Art. 14–16 parts only
    MIXED = "mixed", "依据第十四条至第十六条不予公开的部分复议前置，其余部分两种途径均可"


def cites_art_14_to_16(legal_basis: str) -> bool:
    """True when ``legal_basis`` cites Art. 14, 15 or 16 of the Regulations.

    A citation belongs to the law named before it (《…》第十五条); a bare "第十五条" with no law
    named before it is read as the Regulations, whose letter it appears in.  So
    "《中华人民共和国统计法》第十四条" does not count;
    "《…政府信息公开条例》第十五条、第三十二条" does.
    """
    text = legal_basis or ""
    pieces = text.split("《")
    if _ART_14_16_PATTERN.search(pieces[0]):
        return True
    for piece in pieces[1:]:
        law, _, rest = piece.partition("》")
        if "政府信息公开条例" in law and _ART_14_16_PATTERN.search(rest):
            return True
    return False


def reconsideration_first_parts(details: Mapping[str, Any] | None) -> tuple[int, ...]:
    """1-based numbers of the withheld parts of a 部分公开 decision withheld under Art. 14–16
    (the only parts for which reconsideration comes first)."""
    parts = (details or {}).get("withheld_parts") or []
    return tuple(
        index
        for index, part in enumerate(parts, start=1)
        if isinstance(part, Mapping) and cites_art_14_to_16(str(part.get("legal_basis", "")))
    )


@dataclass(frozen=True)
class RemedyNotice:
    """The remedy paragraph of a decision letter (行政复议法 第二十条第三款: omitting the
    right, body or period extends the time limit, up to one year)."""

    outcome: Outcome
    reconsideration_body: str
    court: str | None
    route: RemedyRoute
    first_parts: tuple[int, ...]
    text: str

    @property
    def reconsideration_first(self) -> bool:
        """True when the letter says reconsideration comes first (for all or some parts)."""
        return self.route is not RemedyRoute.BOTH

    @property
    def court_wording(self) -> str:
        return _court_phrase(self.court)


def _court_phrase(court: str | None) -> str:
    """向江临市中级人民法院 / 依法向人民法院 (rules.md §c: generic unless configured)."""
    return f"向{court}" if court else f"依法向{GENERIC_COURT}"


def remedy_notice(
    outcome: Outcome | str,
    reconsideration_body: str,
    court: str | None = None,
    *,
    details: Mapping[str, Any] | None = None,
) -> RemedyNotice:
    """Compose the Chinese remedy paragraph for a decision letter.

    * Reconsideration within 60 days of knowing of the act, naming the body
      (行政复议法 2023 第二十条).
    * Refusals under Art. 14–16 (:attr:`Outcome.requires_reconsideration_first`): the letter
      says reconsideration comes first (第二十三条第一款第（四）项、第二款), then suit within 15
      days of the decision — or within 15 days after the reconsideration period ends when the
      body does not decide in time (行政诉讼法 第四十五条).
    * Every other outcome, including the Art. 36(7) special-query answer: both routes —
      reconsideration, or suit within six months (行政诉讼法 第四十六条).
    * 部分公开: reconsideration first only for the withheld parts whose legal basis cites
      Art. 14–16 (``details["withheld_parts"]``), both routes for the rest of the decision.

    ``court`` empty or ``None`` → 依法向人民法院提起行政诉讼 (designated courts vary).
    """
    outcome = _coerce_outcome(outcome)
    errors = _Errors()
    body = _clean_text(reconsideration_body, "reconsideration_body", errors)
    court_name = _clean_text(court, "court", errors) if court is not None else None
    if body is None and "reconsideration_body" not in errors.fields:
        errors.add("reconsideration_body", "请填写行政复议机关（行政复议法第二十条第三款）")
    if errors or body is None:
        raise RuleViolation("救济途径告知内容不完整", fields=errors.fields)

    to_court = _court_phrase(court_name)
    first_parts: tuple[int, ...] = ()
    if outcome.requires_reconsideration_first:
        route = RemedyRoute.RECONSIDERATION_FIRST
    elif outcome is Outcome.PARTIALLY_DISCLOSED:
        first_parts = reconsideration_first_parts(details)
        route = RemedyRoute.MIXED if first_parts else RemedyRoute.BOTH
    else:
        route = RemedyRoute.BOTH

    reconsideration = (
        f"如对本答复不服，可以自知道或者应当知道该行政行为之日起{RECONSIDERATION_DAYS}日内"
        f"向{body}申请行政复议（{_RECONSIDERATION_LAW}第二十条）"
    )
    after = (
        f"对行政复议决定不服的，可以自收到行政复议决定书之日起十五日内{to_court}提起行政诉讼；"
        f"行政复议机关逾期不作决定的，可以自复议期满之日起十五日内{to_court}提起行政诉讼"
        f"（{_LITIGATION_LAW}第四十五条）"
    )
    direct = (
        f"也可以自知道或者应当知道该行政行为之日起六个月内{to_court}提起行政诉讼"
        f"（{_LITIGATION_LAW}第四十六条）"
    )
    first_rule = (
        f"根据{_RECONSIDERATION_LAW}第二十三条第一款第（四）项、第二款的规定，"
        "申请政府信息公开，行政机关不予公开的，应当先向行政复议机关申请行政复议"
    )
    if route is RemedyRoute.RECONSIDERATION_FIRST:
        text = f"{reconsideration}。{first_rule}；{after}。"
    elif route is RemedyRoute.MIXED:
        items = "、".join(str(n) for n in first_parts)
        text = (
            f"{reconsideration}。其中，对上表第{items}项依据{_OGI}第十四条至第十六条"
            f"不予公开的部分不服的，{first_rule}；{after}。"
            f"对本答复的其他内容不服的，可以申请行政复议，{direct}。"
        )
    else:
        text = f"{reconsideration}；{direct}。{after}。"
    return RemedyNotice(
        outcome=outcome,
        reconsideration_body=body,
        court=court_name,
        route=route,
        first_parts=first_parts,
        text=text,
    )
