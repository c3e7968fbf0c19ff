"""Reply outcome taxonomy, details validation and remedy notices (rules.md §c)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from requests_service.domain.errors import RuleViolation
from requests_service.domain.outcomes import (
    MAX_DETAIL_LENGTH,
    OUTCOMES_FOR_OFFICER_REPLY,
    DisclosureRoute,
    NotHeldBasis,
    Outcome,
    OutcomeGroup,
    RemedyRoute,
    ReplyDecision,
    default_legal_basis,
    detail_warnings,
    remedy_notice,
    validate_outcome_details,
    validate_reply,
)

OC = Outcome
G = OutcomeGroup
HAN = re.compile(r"[\u4e00-\u9fff]")
OGI = "《中华人民共和国政府信息公开条例》"

# (outcome, group, report row, exact row text in the 2021 Report Format, section 三)
REPORT_ROWS: list[tuple[Outcome, OutcomeGroup, str, str]] = [
    (OC.DISCLOSED, G.DISCLOSED, "（一）", "予以公开"),
    (
        OC.PARTIALLY_DISCLOSED,
        G.PARTIALLY_DISCLOSED,
        "（二）",
        "部分公开（区分处理的，只计这一情形，不计其他情形）",
    ),
    (OC.WITHHELD_STATE_SECRET, G.WITHHELD, "（三）1", "属于国家秘密"),
    (OC.WITHHELD_LAW_PROHIBITS, G.WITHHELD, "（三）2", "其他法律行政法规禁止公开"),
    (OC.WITHHELD_SECURITY_STABILITY, G.WITHHELD, "（三）3", "危及“三安全一稳定”"),
    (OC.WITHHELD_THIRD_PARTY, G.WITHHELD, "（三）4", "保护第三方合法权益"),
    (OC.WITHHELD_INTERNAL_AFFAIRS, G.WITHHELD, "（三）5", "属于三类内部事务信息"),
    (OC.WITHHELD_PROCESS_INFO, G.WITHHELD, "（三）6", "属于四类过程性信息"),
    (OC.WITHHELD_ENFORCEMENT_FILE, G.WITHHELD, "（三）7", "属于行政执法案卷"),
    (OC.WITHHELD_SPECIAL_QUERY, G.WITHHELD, "（三）8", "属于行政查询事项"),
    (OC.UNAVAILABLE_NOT_HELD, G.UNAVAILABLE, "（四）1", "本机关不掌握相关政府信息"),
    (OC.UNAVAILABLE_NEEDS_CREATION, G.UNAVAILABLE, "（四）2", "没有现成信息需要另行制作"),
    (OC.UNAVAILABLE_STILL_UNCLEAR, G.UNAVAILABLE, "（四）3", "补正后申请内容仍不明确"),
    (OC.NOT_PROCESSED_PETITION, G.NOT_PROCESSED, "（五）1", "信访举报投诉类申请"),
    (OC.NOT_PROCESSED_REPEAT, G.NOT_PROCESSED, "（五）2", "重复申请"),
    (OC.NOT_PROCESSED_PUBLICATION, G.NOT_PROCESSED, "（五）3", "要求提供公开出版物"),
    (OC.NOT_PROCESSED_EXCESSIVE, G.NOT_PROCESSED, "（五）4", "无正当理由大量反复申请"),
    (
        OC.NOT_PROCESSED_CONFIRM_REISSUE,
        G.NOT_PROCESSED,
        "（五）5",
        "要求行政机关确认或重新出具已获取信息",
    ),
    (
        OC.OTHER_NO_CORRECTION,
        G.OTHER,
        "（六）1",
        "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    ),
    (
        OC.OTHER_FEE_UNPAID,
        G.OTHER,
        "（六）2",
        "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    ),
    (OC.OTHER, G.OTHER, "（六）3", "其他"),
]

# A complete, valid set of details for every outcome.
GOOD_DETAILS: dict[Outcome, dict[str, Any]] = {
    OC.DISCLOSED: {"disclosure_route": "provided", "delivery_form": "纸质"},
    OC.PARTIALLY_DISCLOSED: {
        "disclosed_part_description": "2025年度项目清单",
        "withheld_parts": [
            {
                "description": "中标人银行账户",
                "reason": "涉及商业秘密",
                "legal_basis": f"{OGI}第十五条",
            }
        ],
    },
    OC.WITHHELD_STATE_SECRET: {},
    OC.WITHHELD_LAW_PROHIBITS: {"cited_law": "《中华人民共和国统计法》第三十九条"},
    OC.WITHHELD_SECURITY_STABILITY: {"negative_list_entry_id": 3},
    OC.WITHHELD_THIRD_PARTY: {"third_party_objection": "第三方书面表示不同意公开"},
    OC.WITHHELD_INTERNAL_AFFAIRS: {},
    OC.WITHHELD_PROCESS_INFO: {},
    OC.WITHHELD_ENFORCEMENT_FILE: {},
    OC.WITHHELD_SPECIAL_QUERY: {"special_procedure": "向不动产登记机构申请查询不动产登记资料"},
    OC.UNAVAILABLE_NOT_HELD: {
        "not_held_basis": "does_not_exist",
        "search_description": "检索了2019年至今的收文和发文系统",
    },
    OC.UNAVAILABLE_NEEDS_CREATION: {},
    OC.UNAVAILABLE_STILL_UNCLEAR: {"unclear_points": "未说明所指的具体文件"},
    OC.NOT_PROCESSED_PETITION: {"proper_channel": "12345政务服务便民热线"},
    OC.NOT_PROCESSED_REPEAT: {"earlier_case_number": "公开〔2026〕12号"},
    OC.NOT_PROCESSED_PUBLICATION: {"publication_source": "《某某市人民政府公报》2026年第3期"},
    OC.NOT_PROCESSED_EXCESSIVE: {"reason_request_summary": "2026年3月2日要求说明理由，理由不合理"},
    OC.NOT_PROCESSED_CONFIRM_REISSUE: {},
    OC.OTHER_NO_CORRECTION: {},
    OC.OTHER_FEE_UNPAID: {},
    OC.OTHER: {},
}


def fields_of(error: pytest.ExceptionInfo[RuleViolation]) -> dict[str, list[str]]:
    fields = error.value.details["fields"]
    assert isinstance(fields, dict)
    for messages in fields.values():
        assert messages
        assert all(HAN.search(m) for m in messages)
    return fields


# --- taxonomy ----------------------------------------------------------------------------


def test_all_21_report_rows_in_order() -> None:
    assert [row[0] for row in REPORT_ROWS] == list(Outcome)
    assert len(Outcome) == 21


@pytest.mark.parametrize(("outcome", "group", "row", "text"), REPORT_ROWS)
def test_report_row_texts(outcome: Outcome, group: OutcomeGroup, row: str, text: str) -> None:
    assert outcome.group is group
    assert outcome.report_row == row
    assert outcome.report_label == text
    assert outcome.value == outcome.name.lower()


@pytest.mark.parametrize("outcome", list(Outcome))
def test_every_outcome_has_label_group_and_basis(outcome: Outcome) -> None:
    assert HAN.search(outcome.label)
    assert outcome.report_row.startswith(outcome.group.report_row)
    if outcome is OC.OTHER:
        assert outcome.legal_basis is None
    else:
        assert outcome.legal_basis is not None
        assert outcome.legal_basis.startswith("《")
        assert "第" in outcome.legal_basis
    assert set(outcome.required_details).isdisjoint(outcome.optional_details)


def test_label_examples() -> None:
    assert OC.WITHHELD_STATE_SECRET.label == "属于国家秘密"
    assert OC.WITHHELD_STATE_SECRET.legal_basis == f"{OGI}第十四条、第三十六条第（三）项"
    assert OC.PARTIALLY_DISCLOSED.label == "部分公开"


@pytest.mark.parametrize(
    ("group", "row", "label"),
    [
        (G.DISCLOSED, "（一）", "予以公开"),
        (G.PARTIALLY_DISCLOSED, "（二）", "部分公开"),
        (G.WITHHELD, "（三）", "不予公开"),
        (G.UNAVAILABLE, "（四）", "无法提供"),
        (G.NOT_PROCESSED, "（五）", "不予处理"),
        (G.OTHER, "（六）", "其他处理"),
    ],
)
def test_groups(group: OutcomeGroup, row: str, label: str) -> None:
    assert group.report_row == row
    assert group.label == label


def test_reconsideration_first_only_for_art_14_to_16_refusals() -> None:
    # rules.md §c: the SPC's 2025 interpretation reads 不予公开 as Art. 14–16 refusals; the
    # Art. 36(7) special-query answer and 部分公开 (decided per part) are not in the set.
    expected = {o for o in Outcome if o.value.startswith("withheld_")} - {OC.WITHHELD_SPECIAL_QUERY}
    assert {o for o in Outcome if o.requires_reconsideration_first} == expected


def test_remedy_notice_required_for_every_decision_letter() -> None:
    assert {o for o in Outcome if not o.remedy_notice_required} == {OC.OTHER}


def test_officer_reply_outcomes_exclude_automatic_closures() -> None:
    assert set(OUTCOMES_FOR_OFFICER_REPLY) == set(Outcome) - {
        OC.OTHER_NO_CORRECTION,
        OC.OTHER_FEE_UNPAID,
        OC.OTHER,
    }
    assert list(OUTCOMES_FOR_OFFICER_REPLY) == [
        o for o in Outcome if o in OUTCOMES_FOR_OFFICER_REPLY
    ]


# --- details: good -----------------------------------------------------------------------


@pytest.mark.parametrize("outcome", list(Outcome))
def test_good_details_pass(outcome: Outcome) -> None:
    cleaned = validate_outcome_details(outcome, GOOD_DETAILS[outcome])
    assert set(cleaned) == set(GOOD_DETAILS[outcome])


@pytest.mark.parametrize("outcome", list(Outcome))
def test_required_details_are_enforced(outcome: Outcome) -> None:
    for name in outcome.required_details:
        details = {k: v for k, v in GOOD_DETAILS[outcome].items() if k != name}
        with pytest.raises(RuleViolation) as info:
            validate_outcome_details(outcome, details)
        assert name in fields_of(info)


@pytest.mark.parametrize("outcome", list(Outcome))
def test_unknown_keys_are_rejected(outcome: Outcome) -> None:
    with pytest.raises(RuleViolation) as info:
        validate_outcome_details(outcome, {**GOOD_DETAILS[outcome], "colour": "red"})
    assert "colour" in fields_of(info)


def test_strings_are_stripped_and_choices_parsed() -> None:
    cleaned = validate_outcome_details(
        OC.DISCLOSED,
        {
            "disclosure_route": " already_public ",
            "public_location": "  本机关门户网站“政府信息公开”专栏 ",
            "delivery_form": "",
        },
    )
    assert cleaned == {
        "disclosure_route": DisclosureRoute.ALREADY_PUBLIC,
        "public_location": "本机关门户网站“政府信息公开”专栏",
    }


def test_none_details_mean_empty() -> None:
    assert validate_outcome_details(OC.WITHHELD_STATE_SECRET, None) == {}


def test_outcome_accepted_as_string() -> None:
    assert validate_outcome_details("withheld_state_secret", {}) == {}


def test_other_agency_with_contact() -> None:
    cleaned = validate_outcome_details(
        OC.UNAVAILABLE_NOT_HELD,
        {
            "not_held_basis": "other_agency",
            "competent_agency_name": "某某市自然资源和规划局",
            "competent_agency_contact": "0571-12345678",
        },
    )
    assert cleaned["not_held_basis"] is NotHeldBasis.OTHER_AGENCY
    assert detail_warnings(OC.UNAVAILABLE_NOT_HELD, cleaned) == {}


def test_other_agency_without_contact_is_valid_but_warned() -> None:
    cleaned = validate_outcome_details(
        OC.UNAVAILABLE_NOT_HELD,
        {"not_held_basis": "other_agency", "competent_agency_name": "某某市自然资源和规划局"},
    )
    assert "competent_agency_contact" in detail_warnings(OC.UNAVAILABLE_NOT_HELD, cleaned)


def test_disclosed_without_delivery_form_is_warned() -> None:
    cleaned = validate_outcome_details(OC.DISCLOSED, {"disclosure_route": "provided"})
    assert "delivery_form" in detail_warnings(OC.DISCLOSED, cleaned)


# --- details: bad ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("outcome", "details", "bad_fields"),
    [
        (OC.DISCLOSED, {"disclosure_route": "emailed"}, {"disclosure_route"}),
        (OC.DISCLOSED, {"disclosure_route": "already_public"}, {"public_location"}),
        (
            OC.DISCLOSED,
            {"disclosure_route": "already_public", "public_location": "   "},
            {"public_location"},
        ),
        (
            OC.PARTIALLY_DISCLOSED,
            {"withheld_parts": [], "disclosed_part_description": "x"},
            {"withheld_parts"},
        ),
        (
            OC.PARTIALLY_DISCLOSED,
            {"withheld_parts": "账户信息", "disclosed_part_description": "x"},
            {"withheld_parts"},
        ),
        (
            OC.PARTIALLY_DISCLOSED,
            {
                "withheld_parts": [{"description": "账户", "reason": " ", "legal_basis": 15}],
                "disclosed_part_description": "x",
            },
            {"withheld_parts[0].reason", "withheld_parts[0].legal_basis"},
        ),
        (
            OC.PARTIALLY_DISCLOSED,
            {
                "withheld_parts": [
                    {"description": "a", "reason": "b", "legal_basis": "c", "note": "d"},
                    "e",
                ],
                "disclosed_part_description": "x",
            },
            {"withheld_parts[0].note", "withheld_parts[1]"},
        ),
        (OC.WITHHELD_LAW_PROHIBITS, {"cited_law": ""}, {"cited_law"}),
        (OC.WITHHELD_STATE_SECRET, {"negative_list_entry_id": "3"}, {"negative_list_entry_id"}),
        (OC.WITHHELD_STATE_SECRET, {"negative_list_entry_id": True}, {"negative_list_entry_id"}),
        (OC.WITHHELD_STATE_SECRET, {"negative_list_entry_id": 0}, {"negative_list_entry_id"}),
        (OC.WITHHELD_SPECIAL_QUERY, {}, {"special_procedure"}),
        (OC.UNAVAILABLE_NOT_HELD, {}, {"not_held_basis"}),
        (OC.UNAVAILABLE_NOT_HELD, {"not_held_basis": "does_not_exist"}, {"search_description"}),
        (
            OC.UNAVAILABLE_NOT_HELD,
            {"not_held_basis": "other_agency", "competent_agency_contact": "0571-1"},
            {"competent_agency_contact"},
        ),
        (
            OC.UNAVAILABLE_NOT_HELD,
            {
                "not_held_basis": "does_not_exist",
                "search_description": "已检索",
                "competent_agency_name": "某局",
            },
            {"competent_agency_name"},
        ),
        (OC.UNAVAILABLE_STILL_UNCLEAR, {"unclear_points": None}, {"unclear_points"}),
        (OC.NOT_PROCESSED_REPEAT, {}, {"earlier_case_number"}),
        (OC.NOT_PROCESSED_EXCESSIVE, {"reason_request_summary": 42}, {"reason_request_summary"}),
        (
            OC.NOT_PROCESSED_PETITION,
            {"proper_channel": "x" * (MAX_DETAIL_LENGTH + 1)},
            {"proper_channel"},
        ),
        (OC.UNAVAILABLE_NEEDS_CREATION, {"cited_law": "x"}, {"cited_law"}),
        (OC.OTHER, {"reason": "x"}, {"reason"}),
    ],
)
def test_bad_details_are_rejected(
    outcome: Outcome, details: dict[str, Any], bad_fields: set[str]
) -> None:
    with pytest.raises(RuleViolation) as info:
        validate_outcome_details(outcome, details)
    assert set(fields_of(info)) == bad_fields
    assert outcome.label in info.value.message


def test_all_problems_reported_at_once() -> None:
    with pytest.raises(RuleViolation) as info:
        validate_outcome_details(
            OC.PARTIALLY_DISCLOSED,
            {"withheld_parts": [{"description": "a"}], "extra": 1},
        )
    assert set(fields_of(info)) == {
        "extra",
        "disclosed_part_description",
        "withheld_parts[0].reason",
        "withheld_parts[0].legal_basis",
    }


def test_max_length_is_inclusive() -> None:
    text = "字" * MAX_DETAIL_LENGTH
    assert validate_outcome_details(OC.WITHHELD_LAW_PROHIBITS, {"cited_law": text}) == {
        "cited_law": text
    }


def test_unknown_outcome() -> None:
    with pytest.raises(RuleViolation) as info:
        validate_outcome_details("maybe", {})
    assert "outcome" in fields_of(info)


# --- validate_reply ----------------------------------------------------------------------


def test_validate_reply_defaults_legal_basis() -> None:
    decision = validate_reply(OC.WITHHELD_STATE_SECRET, "  属于国家秘密。 ", "", {})
    assert decision == ReplyDecision(
        outcome=OC.WITHHELD_STATE_SECRET,
        reasons="属于国家秘密。",
        legal_basis=OC.WITHHELD_STATE_SECRET.legal_basis,
        details={},
    )


def test_validate_reply_keeps_explicit_legal_basis() -> None:
    decision = validate_reply(
        OC.WITHHELD_PROCESS_INFO, "讨论记录", "《某某省政府信息公开规定》第十条", None
    )
    assert decision.legal_basis == "《某某省政府信息公开规定》第十条"


@pytest.mark.parametrize(
    ("details", "article"),
    [
        ({"disclosure_route": "provided"}, "第三十六条第（二）项"),
        ({"disclosure_route": "already_public", "public_location": "网站"}, "第三十六条第（一）项"),
    ],
)
def test_disclosed_default_basis_follows_route(details: dict[str, Any], article: str) -> None:
    decision = validate_reply(OC.DISCLOSED, "予以公开", None, details)
    assert decision.legal_basis == f"{OGI}{article}"


@pytest.mark.parametrize(
    ("basis", "article"),
    [
        (NotHeldBasis.DOES_NOT_EXIST, "第三十六条第（四）项"),
        (NotHeldBasis.OTHER_AGENCY, "第三十六条第（五）项"),
    ],
)
def test_not_held_default_basis_follows_basis(basis: NotHeldBasis, article: str) -> None:
    assert default_legal_basis(OC.UNAVAILABLE_NOT_HELD, {"not_held_basis": basis}) == (
        f"{OGI}{article}"
    )


@pytest.mark.parametrize("outcome", [o for o in Outcome if o is not OC.OTHER])
def test_reasons_required_except_other(outcome: Outcome) -> None:
    with pytest.raises(RuleViolation) as info:
        validate_reply(outcome, "   ", None, GOOD_DETAILS[outcome])
    assert set(fields_of(info)) == {"reasons"}


def test_other_needs_no_reasons() -> None:
    decision = validate_reply(OC.OTHER, None, None, None)
    assert decision.reasons == ""
    assert decision.legal_basis is None


def test_validate_reply_reports_reasons_and_details_together() -> None:
    with pytest.raises(RuleViolation) as info:
        validate_reply(OC.NOT_PROCESSED_REPEAT, "", None, {})
    assert set(fields_of(info)) == {"reasons", "earlier_case_number"}


# --- remedy notice -----------------------------------------------------------------------

BODY = "某某市人民政府"
COURT = "某某市某某区人民法院"


# The route each outcome's letter must offer (rules.md §c remedy paragraph).
_FIRST = {
    OC.WITHHELD_STATE_SECRET,
    OC.WITHHELD_LAW_PROHIBITS,
    OC.WITHHELD_SECURITY_STABILITY,
    OC.WITHHELD_THIRD_PARTY,
    OC.WITHHELD_INTERNAL_AFFAIRS,
    OC.WITHHELD_PROCESS_INFO,
    OC.WITHHELD_ENFORCEMENT_FILE,
}
EXPECTED_ROUTE = {
    o: RemedyRoute.RECONSIDERATION_FIRST if o in _FIRST else RemedyRoute.BOTH for o in Outcome
}
FIRST_RULE = "第二十三条第一款第（四）项、第二款"
LATE_LIMB = "行政复议机关逾期不作决定的，可以自复议期满之日起十五日内"


def test_expected_route_table_covers_every_outcome() -> None:
    assert set(EXPECTED_ROUTE) == set(Outcome)
    assert EXPECTED_ROUTE[OC.WITHHELD_SPECIAL_QUERY] is RemedyRoute.BOTH


@pytest.mark.parametrize("court", [COURT, None, ""], ids=["configured", "none", "empty"])
@pytest.mark.parametrize("outcome", list(Outcome))
def test_remedy_paragraph_per_outcome(outcome: Outcome, court: str | None) -> None:
    notice = remedy_notice(outcome, BODY, court)
    text = notice.text
    to_court = f"向{COURT}" if court else "依法向人民法院"
    # the body and the 60-day reconsideration period, always
    assert notice.reconsideration_body == BODY
    assert f"60日内向{BODY}申请行政复议（《中华人民共和国行政复议法》第二十条）" in text
    # after reconsideration: 15 days from the decision, and the missing limb (no decision)
    assert f"自收到行政复议决定书之日起十五日内{to_court}提起行政诉讼" in text
    assert f"{LATE_LIMB}{to_court}提起行政诉讼（《中华人民共和国行政诉讼法》第四十五条）" in text
    # court wording: the configured court, otherwise generic
    if court:
        assert notice.court == COURT
        assert "依法向人民法院" not in text
    else:
        assert notice.court is None
        assert "依法向人民法院提起行政诉讼" in text
        assert COURT not in text
    assert notice.route is EXPECTED_ROUTE[outcome]
    if notice.route is RemedyRoute.RECONSIDERATION_FIRST:
        assert notice.reconsideration_first
        assert FIRST_RULE in text
        assert "应当先向行政复议机关申请行政复议" in text
        assert "六个月" not in text
    else:
        assert not notice.reconsideration_first
        assert FIRST_RULE not in text
        assert f"六个月内{to_court}提起行政诉讼（《中华人民共和国行政诉讼法》第四十六条）" in text


def _part(basis: str) -> dict[str, str]:
    return {"description": "某部分", "reason": "某理由", "legal_basis": basis}


@pytest.mark.parametrize(
    ("bases", "route", "first_parts"),
    [
        (["《中华人民共和国政府信息公开条例》第十五条"], RemedyRoute.MIXED, (1,)),
        (
            ["《中华人民共和国政府信息公开条例》第三十八条", "第十六条第二款"],
            RemedyRoute.MIXED,
            (2,),
        ),
        (["《中华人民共和国统计法》第十四条"], RemedyRoute.BOTH, ()),
        (["《中华人民共和国政府信息公开条例》第三十六条第（七）项"], RemedyRoute.BOTH, ()),
        (
            ["《中华人民共和国统计法》第二十五条、《中华人民共和国政府信息公开条例》第十四条"],
            RemedyRoute.MIXED,
            (1,),
        ),
    ],
)
def test_partial_disclosure_reconsideration_first_only_for_art_14_to_16_parts(
    bases: list[str], route: RemedyRoute, first_parts: tuple[int, ...]
) -> None:
    details = {"withheld_parts": [_part(b) for b in bases]}
    notice = remedy_notice(OC.PARTIALLY_DISCLOSED, BODY, None, details=details)
    assert notice.route is route
    assert notice.first_parts == first_parts
    assert "六个月内依法向人民法院提起行政诉讼" in notice.text
    assert LATE_LIMB in notice.text
    if first_parts:
        items = "、".join(str(n) for n in first_parts)
        assert f"对上表第{items}项依据" in notice.text
        assert "应当先向行政复议机关申请行政复议" in notice.text
        assert "对本答复的其他内容不服的" in notice.text
    else:
        assert "应当先向行政复议机关" not in notice.text


def test_competent_agency_is_optional_when_it_cannot_be_determined() -> None:
    # Art. 36(5) "能够确定负责公开该政府信息的行政机关的，告知该行政机关的名称、联系方式"
    cleaned = validate_outcome_details(OC.UNAVAILABLE_NOT_HELD, {"not_held_basis": "other_agency"})
    assert cleaned == {"not_held_basis": NotHeldBasis.OTHER_AGENCY}
    assert detail_warnings(OC.UNAVAILABLE_NOT_HELD, cleaned) == {}


def test_remedy_notice_needs_a_body() -> None:
    with pytest.raises(RuleViolation) as info:
        remedy_notice(OC.DISCLOSED, "", COURT)
    assert "reconsideration_body" in fields_of(info)


def test_remedy_notice_refuses_a_blank_configured_court_value() -> None:
    # " " is not a court: treated as missing → generic wording, never "向 提起".
    notice = remedy_notice(OC.DISCLOSED, BODY, " ")
    assert "依法向人民法院提起行政诉讼" in notice.text
