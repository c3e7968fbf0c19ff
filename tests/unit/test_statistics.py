"""Annual report sections 三 and 四 (rules.md §c, §f): a hand-counted year, cell by cell."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta
from types import MappingProxyType

import pytest

from requests_service.domain.errors import RuleViolation
from requests_service.domain.outcomes import Outcome, OutcomeGroup
from requests_service.domain.statistics import (
    APPLICANT_COLUMNS,
    TOTAL,
    CaseRecord,
    RemedyRecord,
    annual_report_section3,
    annual_report_section4,
    check_identity,
    finished_on,
    to_dict,
    to_rows,
)

Oc = Outcome
D = date

# Columns: NP 自然人, CE 商业企业, RI 科研机构, SW 社会公益组织, LS 法律服务机构, OT 其他
NP, CE, RI, SW, LS, OT = (c.value for c in APPLICANT_COLUMNS)


def rec(
    received: date,
    column: str,
    outcome: Outcome | str | None = None,
    replied: date | None = None,
    closed: date | None = None,
) -> CaseRecord:
    value = outcome.value if isinstance(outcome, Outcome) else outcome
    return CaseRecord(received, column, value, replied, closed)


RECORDS_2025 = [
    # carried in from 2024 (not finished before 1 Jan 2025)
    rec(D(2024, 12, 10), NP, Oc.DISCLOSED, D(2025, 1, 8)),  # c1
    rec(D(2024, 12, 20), NP, Oc.PARTIALLY_DISCLOSED, D(2025, 1, 15)),  # c2
    rec(D(2024, 11, 30), CE, Oc.OTHER_FEE_UNPAID, None, D(2025, 2, 1)),  # c3
    rec(D(2024, 12, 28), LS),  # c4: still open at the end of 2025
    # outside the 2025 report
    rec(D(2024, 6, 1), NP, Oc.DISCLOSED, D(2024, 6, 20)),  # x1 finished in 2024
    rec(D(2024, 12, 30), NP, Oc.DISCLOSED, D(2024, 12, 31)),  # x2 finished on 31 Dec 2024
    rec(D(2026, 1, 2), NP),  # x3 received in 2026
    # new in 2025
    rec(D(2025, 1, 5), NP, Oc.DISCLOSED, D(2025, 1, 20)),  # n1
    rec(D(2025, 2, 10), NP, Oc.DISCLOSED, D(2025, 3, 1)),  # n2
    rec(D(2025, 3, 3), NP, Oc.WITHHELD_STATE_SECRET, D(2025, 3, 20)),  # n3
    rec(D(2025, 4, 1), NP, Oc.UNAVAILABLE_NOT_HELD, D(2025, 4, 25)),  # n4
    rec(D(2025, 5, 6), NP, Oc.NOT_PROCESSED_REPEAT, D(2025, 5, 30)),  # n5
    rec(D(2025, 6, 2), NP, Oc.OTHER, None, D(2025, 6, 20)),  # n6 withdrawn
    rec(D(2025, 7, 1), NP, Oc.OTHER_NO_CORRECTION, None, D(2025, 8, 15)),  # n7
    rec(D(2025, 12, 15), NP),  # n8 open at year end
    rec(D(2025, 12, 20), NP, Oc.DISCLOSED, D(2026, 1, 10)),  # n9 replied next year
    rec(D(2025, 8, 1), NP, Oc.NOT_PROCESSED_EXCESSIVE, D(2025, 8, 20)),  # n10
    rec(D(2025, 1, 10), CE, Oc.DISCLOSED, D(2025, 2, 5)),  # n11
    rec(D(2025, 3, 10), CE, Oc.WITHHELD_THIRD_PARTY, D(2025, 4, 1)),  # n12
    rec(D(2025, 5, 10), CE, Oc.PARTIALLY_DISCLOSED, D(2025, 6, 1)),  # n13
    rec(D(2025, 11, 20), CE, Oc.WITHHELD_PROCESS_INFO, D(2025, 12, 31)),  # n14 on 31 Dec
    rec(D(2025, 2, 14), RI, Oc.UNAVAILABLE_NEEDS_CREATION, D(2025, 3, 10)),  # n15
    rec(D(2025, 9, 9), RI, Oc.DISCLOSED, D(2025, 10, 10)),  # n16
    rec(D(2025, 4, 4), SW, Oc.WITHHELD_INTERNAL_AFFAIRS, D(2025, 4, 30)),  # n17
    rec(D(2025, 12, 30), SW),  # n18 open
    rec(D(2025, 6, 6), LS, Oc.WITHHELD_ENFORCEMENT_FILE, D(2025, 7, 1)),  # n19
    # n20: replied 1 Aug, closed 5 Aug -> finished on the earlier date
    rec(D(2025, 7, 7), LS, Oc.UNAVAILABLE_STILL_UNCLEAR, D(2025, 8, 1), D(2025, 8, 5)),
    rec(D(2025, 3, 15), OT, Oc.NOT_PROCESSED_PETITION, D(2025, 4, 10)),  # n21
    rec(D(2025, 10, 1), OT, Oc.WITHHELD_SPECIAL_QUERY, D(2025, 10, 28)),  # n22
    rec(D(2025, 10, 15), OT, Oc.NOT_PROCESSED_PUBLICATION, D(2025, 11, 5)),  # n23
    rec(D(2025, 9, 1), NP, Oc.NOT_PROCESSED_CONFIRM_REISSUE, D(2025, 9, 26)),  # n24
    rec(D(2025, 10, 8), NP, Oc.WITHHELD_LAW_PROHIBITS, D(2025, 10, 30)),  # n25
    rec(D(2025, 11, 3), NP, Oc.WITHHELD_SECURITY_STABILITY, D(2025, 11, 28)),  # n26
    rec(D(2025, 12, 1), CE, Oc.UNAVAILABLE_NOT_HELD, D(2025, 12, 22)),  # n27
    rec(D(2025, 12, 31), NP, Oc.DISCLOSED, D(2025, 12, 31)),  # n28 on-the-spot reply
    rec(D(2025, 12, 31), RI),  # n29 open
    # anomalies: left out, listed
    rec(D(2025, 3, 1), NP, None, D(2025, 3, 10)),  # a1 finished without outcome
    rec(D(2025, 5, 1), CE, Oc.DISCLOSED, D(2025, 4, 1)),  # a2 replied before receipt
    rec(D(2025, 5, 1), "government", Oc.DISCLOSED, D(2025, 5, 20)),  # a3 bad column
    rec(D(2025, 5, 1), NP, "bogus", D(2025, 6, 1)),  # a4 unknown outcome
]

# Hand-counted: (自然人, 商业企业, 科研机构, 社会公益组织, 法律服务机构, 其他, 总计)
EXPECTED_2025: dict[str, tuple[int, ...]] = {
    "new_received": (14, 5, 3, 2, 2, 3, 29),
    "carried_over_from_previous_year": (2, 1, 0, 0, 1, 0, 4),
    "disclosed": (4, 1, 1, 0, 0, 0, 6),
    "partially_disclosed": (1, 1, 0, 0, 0, 0, 2),
    "withheld_state_secret": (1, 0, 0, 0, 0, 0, 1),
    "withheld_law_prohibits": (1, 0, 0, 0, 0, 0, 1),
    "withheld_security_stability": (1, 0, 0, 0, 0, 0, 1),
    "withheld_third_party": (0, 1, 0, 0, 0, 0, 1),
    "withheld_internal_affairs": (0, 0, 0, 1, 0, 0, 1),
    "withheld_process_info": (0, 1, 0, 0, 0, 0, 1),
    "withheld_enforcement_file": (0, 0, 0, 0, 1, 0, 1),
    "withheld_special_query": (0, 0, 0, 0, 0, 1, 1),
    "unavailable_not_held": (1, 1, 0, 0, 0, 0, 2),
    "unavailable_needs_creation": (0, 0, 1, 0, 0, 0, 1),
    "unavailable_still_unclear": (0, 0, 0, 0, 1, 0, 1),
    "not_processed_petition": (0, 0, 0, 0, 0, 1, 1),
    "not_processed_repeat": (1, 0, 0, 0, 0, 0, 1),
    "not_processed_publication": (0, 0, 0, 0, 0, 1, 1),
    "not_processed_excessive": (1, 0, 0, 0, 0, 0, 1),
    "not_processed_confirm_reissue": (1, 0, 0, 0, 0, 0, 1),
    "other_no_correction": (1, 0, 0, 0, 0, 0, 1),
    "other_fee_unpaid": (0, 1, 0, 0, 0, 0, 1),
    "other": (1, 0, 0, 0, 0, 0, 1),
    "results_total": (14, 6, 2, 1, 2, 3, 28),
    "carried_over_to_next_year": (2, 0, 1, 1, 1, 0, 5),
}
COLUMNS = (NP, CE, RI, SW, LS, OT, TOTAL)


@pytest.mark.parametrize("key", sorted(EXPECTED_2025))
def test_section3_hand_counted_year_matches_cell_by_cell(key: str) -> None:
    section = annual_report_section3(RECORDS_2025, 2025)
    got = tuple(section.cell(key, col) for col in COLUMNS)
    assert got == EXPECTED_2025[key]


def test_section3_every_figure_row_is_hand_counted() -> None:
    section = annual_report_section3(RECORDS_2025, 2025)
    figure_rows = {r.key for r in section.rows if r.values is not None}
    assert figure_rows == set(EXPECTED_2025)


def test_section3_identity_holds_for_the_hand_counted_year() -> None:
    section = annual_report_section3(RECORDS_2025, 2025)
    assert check_identity(section) == []
    new = EXPECTED_2025["new_received"]
    carried_in = EXPECTED_2025["carried_over_from_previous_year"]
    results = EXPECTED_2025["results_total"]
    carried_out = EXPECTED_2025["carried_over_to_next_year"]
    for i in range(len(COLUMNS)):
        assert new[i] + carried_in[i] == results[i] + carried_out[i]


def test_section3_anomalies_are_left_out_and_listed() -> None:
    section = annual_report_section3(RECORDS_2025, 2025)
    first = len(RECORDS_2025) - 4
    assert [a.index for a in section.anomalies] == [first, first + 1, first + 2, first + 3]
    reasons = [a.reason for a in section.anomalies]
    assert reasons[0] == "已办结但未记录办理结果"
    assert reasons[1] == "答复或办结日期早于收到申请日期"
    assert "government" in reasons[2]
    assert "bogus" in reasons[3]


def test_section3_group_totals() -> None:
    section = annual_report_section3(RECORDS_2025, 2025)
    assert section.group_total(OutcomeGroup.WITHHELD) == 8
    assert section.group_total(OutcomeGroup.UNAVAILABLE) == 4
    assert section.group_total(OutcomeGroup.NOT_PROCESSED) == 5
    assert section.group_total(OutcomeGroup.OTHER) == 3
    assert section.group_total("withheld", NP) == 3


def test_section3_next_year_carries_in_what_this_year_carried_out() -> None:
    s2025 = annual_report_section3(RECORDS_2025, 2025)
    s2026 = annual_report_section3(RECORDS_2025, 2026)
    for col in COLUMNS:
        assert s2026.cell("carried_over_from_previous_year", col) == s2025.cell(
            "carried_over_to_next_year", col
        )
    assert s2026.cell("new_received") == 1  # x3
    assert s2026.cell("disclosed") == 1  # n9, replied 2026-01-10
    assert check_identity(s2026) == []


def test_section3_empty_year_gives_zeros() -> None:
    section = annual_report_section3([], 2025)
    for row in section.rows:
        if row.values is not None:
            assert set(row.values.values()) == {0}, row.key
    assert check_identity(section) == []
    assert section.anomalies == ()


def test_section3_labels_follow_the_report_format_in_order() -> None:
    section = annual_report_section3([], 2025)
    labels = [r.label for r in section.rows]
    assert labels == [
        "一、本年新收政府信息公开申请数量",
        "二、上年结转政府信息公开申请数量",
        "三、本年度办理结果",
        "（一）予以公开",
        "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
        "（三）不予公开",
        "1.属于国家秘密",
        "2.其他法律行政法规禁止公开",
        "3.危及“三安全一稳定”",
        "4.保护第三方合法权益",
        "5.属于三类内部事务信息",
        "6.属于四类过程性信息",
        "7.属于行政执法案卷",
        "8.属于行政查询事项",
        "（四）无法提供",
        "1.本机关不掌握相关政府信息",
        "2.没有现成信息需要另行制作",
        "3.补正后申请内容仍不明确",
        "（五）不予处理",
        "1.信访举报投诉类申请",
        "2.重复申请",
        "3.要求提供公开出版物",
        "4.无正当理由大量反复申请",
        "5.要求行政机关确认或重新出具已获取信息",
        "（六）其他处理",
        "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        "3.其他",
        "（七）总计",
        "四、结转下年度继续办理",
    ]
    keys = [r.key for r in section.rows]
    assert len(keys) == len(set(keys))
    headings = [r.key for r in section.rows if r.values is None]
    assert headings == [
        "results",
        "withheld_group",
        "unavailable_group",
        "not_processed_group",
        "other_group",
    ]


def test_check_identity_reports_a_broken_table() -> None:
    section = annual_report_section3(RECORDS_2025, 2025)
    rows = list(section.rows)
    i = next(k for k, r in enumerate(rows) if r.key == "new_received")
    values = rows[i].values
    assert values is not None
    broken = dict(values)
    broken[NP] += 1
    rows[i] = replace(rows[i], values=MappingProxyType(broken))
    problems = check_identity(replace(section, rows=tuple(rows)))
    assert any(p.startswith("自然人：一＋二＝17") for p in problems)
    assert any("各列合计" in p for p in problems)  # NP no longer adds up to 总计


def test_section3_identity_holds_for_random_records() -> None:
    rng = random.Random(7)
    outcomes = [*Outcome, None]
    records = []
    for _ in range(2000):
        received = D(2023, 1, 1) + timedelta(days=rng.randrange(3 * 365))
        done = received + timedelta(days=rng.randrange(90)) if rng.random() < 0.9 else None
        outcome = rng.choice(outcomes) if done else rng.choice([None, Outcome.DISCLOSED])
        replied, closed = (done, None) if rng.random() < 0.7 else (None, done)
        records.append(rec(received, rng.choice(COLUMNS[:-1]), outcome, replied, closed))
    for year in (2023, 2024, 2025):
        section = annual_report_section3(records, year)
        assert check_identity(section) == []


def test_finished_on_is_the_earlier_of_reply_and_closure() -> None:
    assert finished_on(rec(D(2025, 1, 1), NP, None, D(2025, 2, 1), D(2025, 1, 20))) == D(
        2025, 1, 20
    )
    assert finished_on(rec(D(2025, 1, 1), NP, None, D(2025, 2, 1))) == D(2025, 2, 1)
    assert finished_on(rec(D(2025, 1, 1), NP, None, None, D(2025, 3, 1))) == D(2025, 3, 1)
    assert finished_on(rec(D(2025, 1, 1), NP)) is None


@pytest.mark.parametrize("year", [0, 10000, "2025"])
def test_section3_rejects_a_bad_year(year: object) -> None:
    with pytest.raises(RuleViolation):
        annual_report_section3([], year)  # type: ignore[arg-type]


def test_section3_to_rows_has_chinese_header_and_one_row_per_report_row() -> None:
    section = annual_report_section3(RECORDS_2025, 2025)
    rows = to_rows(section)
    assert rows[0] == [
        "代码",
        "项目",
        "自然人",
        "商业企业",
        "科研机构",
        "社会公益组织",
        "法律服务机构",
        "其他",
        "总计",
    ]
    assert len(rows) == 1 + len(section.rows)
    assert rows[1] == [
        "new_received",
        "一、本年新收政府信息公开申请数量",
        "14",
        "5",
        "3",
        "2",
        "2",
        "3",
        "29",
    ]
    heading = next(r for r in rows if r[0] == "withheld_group")
    assert heading == ["withheld_group", "（三）不予公开", *[""] * 7]


def test_section3_to_dict_is_json_ready() -> None:
    import json

    data = to_dict(annual_report_section3(RECORDS_2025, 2025))
    assert data["section"] == "三"
    assert data["year"] == 2025
    assert data["columns"][0]["label"] == "自然人"
    by_key = {r["key"]: r for r in data["rows"]}
    assert by_key["results_total"]["values"][TOTAL] == 28
    assert by_key["results"]["values"] is None
    assert len(data["anomalies"]) == 4
    json.dumps(data, ensure_ascii=False)


# --- section 四 ------------------------------------------------------------------------------

REMEDIES = [
    RemedyRecord("reconsideration", "upheld", D(2025, 4, 1), D(2025, 2, 1)),
    RemedyRecord("reconsideration", "corrected", D(2025, 5, 1), D(2025, 3, 1)),
    RemedyRecord("reconsideration", "other", D(2025, 1, 20), D(2024, 11, 1)),  # filed 2024
    RemedyRecord("reconsideration", "pending", None, D(2025, 11, 1)),
    RemedyRecord("reconsideration", "upheld", D(2026, 1, 15), D(2025, 12, 1)),  # open on 31 Dec
    RemedyRecord("reconsideration", "upheld", D(2024, 7, 1), D(2024, 5, 1)),  # all in 2024
    RemedyRecord("litigation_direct", "upheld", D(2025, 9, 10), D(2025, 1, 10)),
    RemedyRecord("litigation_direct", "pending", None, D(2023, 6, 1)),  # still open
    RemedyRecord("litigation_after_reconsideration", "upheld", D(2025, 10, 1), D(2025, 4, 1)),
    RemedyRecord("litigation_after_reconsideration", "corrected", D(2025, 11, 11), D(2025, 5, 1)),
    RemedyRecord("litigation_after_reconsideration", "other", None, D(2026, 1, 5)),  # 2026
    RemedyRecord("reconsideration", "pending", D(2025, 6, 1), D(2025, 2, 2)),  # anomaly
]

# (结果维持, 结果纠正, 其他结果, 尚未审结, 总计)
EXPECTED_S4 = {
    "reconsideration": (1, 1, 1, 2, 5),
    "litigation_direct": (1, 0, 0, 1, 2),
    "litigation_after_reconsideration": (1, 1, 0, 0, 2),
}


@pytest.mark.parametrize("kind", sorted(EXPECTED_S4))
def test_section4_counts_by_kind_and_result(kind: str) -> None:
    section = annual_report_section4(REMEDIES, 2025)
    got = tuple(section.cell(kind, r) for r in ("upheld", "corrected", "other", "pending", TOTAL))
    assert got == EXPECTED_S4[kind]


def test_section4_has_fifteen_numbers_and_lists_anomalies() -> None:
    section = annual_report_section4(REMEDIES, 2025)
    assert sum(len(v) for v in section.figures.values()) == 15
    assert [a.index for a in section.anomalies] == [len(REMEDIES) - 1]


def test_section4_empty_year_gives_zeros() -> None:
    section = annual_report_section4([], 2025)
    assert {n for v in section.figures.values() for n in v.values()} == {0}


def test_section4_rows_and_dict() -> None:
    section = annual_report_section4(REMEDIES, 2025)
    rows = to_rows(section)
    assert rows[0] == ["代码", "项目", "结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    assert rows[1] == ["reconsideration", "行政复议", "1", "1", "1", "2", "5"]
    assert rows[2][1] == "行政诉讼：未经复议直接起诉"
    assert rows[3] == [
        "litigation_after_reconsideration",
        "行政诉讼：复议后起诉",
        "1",
        "1",
        "0",
        "0",
        "2",
    ]
    data = to_dict(section)
    assert data["section"] == "四"
    assert data["groups"][0]["values"] == {
        "upheld": 1,
        "corrected": 1,
        "other": 1,
        "pending": 2,
        "total": 5,
    }


def test_section4_bad_kind_or_result_is_an_anomaly() -> None:
    bad = [
        RemedyRecord("appeal", "upheld", None, D(2025, 1, 1)),  # type: ignore[arg-type]
        RemedyRecord("reconsideration", "won", None, D(2025, 1, 1)),  # type: ignore[arg-type]
        RemedyRecord("reconsideration", "upheld", D(2025, 1, 1), D(2025, 2, 1)),
    ]
    section = annual_report_section4(bad, 2025)
    assert [a.index for a in section.anomalies] == [0, 1, 2]
    assert section.cell("reconsideration", TOTAL) == 0
