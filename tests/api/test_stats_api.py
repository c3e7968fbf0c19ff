"""Statistics and the annual report through the API, on a seeded year checked by hand.

The year 2026 of agency A is seeded through the API wherever the API can do it (registration
with past ``submitted_at``, dated actions, fees, remedies) and with direct inserts where it
cannot (a reply dated in 2027, another agency's case, topics, corrupt rows).  Expected figures
are counted by hand from the list below, never computed by the code under test.

Agency A (columns: NP 自然人, CE 商业企业, RI 科研机构, SW 社会公益组织, LS 法律服务机构,
OT 其他):

=====  ==  ===========  ===============================  ==========================
case   col received     what happens                     in 2026 report
=====  ==  ===========  ===============================  ==========================
P1     NP  2025-12-15   disclosed, replied 2026-01-08    二; 三 予以公开
P2     CE  2025-12-22   still open (under review)        二; 四
P3     NP  2025-06-02   disclosed, replied 2025-06-20    — (finished in 2025)
P4     RI  2025-11-03   withdrawn 2026-02-02             二; 三 其他
N1     NP  2026-03-02   disclosed 03-20                  一; 予以公开
N2     NP  2026-03-03   partly disclosed 03-25           一; 部分公开
N3     CE  2026-03-04   third party 04-20 (late)         一; 不予公开4
N4     SW  2026-04-01   not held 04-15 (post_signed)     一; 无法提供1
N5     LS  2026-05-06   petition 05-08 (email)           一; 不予处理1
N6     OT  2026-06-01   no correction, closed 07-01      一; 其他处理1
N7     NP  2026-07-01   fee unpaid, closed 08-10         一; 其他处理2
N8     NP  2026-08-03   fee paid, extended, disclosed    一; 予以公开
N9     CE  2026-10-12   withdrawn 10-20                  一; 其他处理3
N10    NP  2026-11-02   open (under review)              一; 四
N11    NP  2026-09-01   fee waived, disclosed 09-24      一; 予以公开
N12    CE  2026-10-09   open, third-party consultation   一; 四
N13    NP  2026-10-09   open, in handling (overdue)      一; 四
D1     NP  2026-06-10   replied 2027-01-12 (inserted)    一; 四
WEB    NP  (online, not registered: no receipt date)     —
=====  ==  ===========  ===============================  ==========================
"""

from __future__ import annotations

import csv
import io
import re
import secrets
from datetime import UTC, date, datetime
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from requests_service.db.models import Applicant, Case, RemedyRecord, Topic
from requests_service.db.session import current_session
from requests_service.domain.calendar import WorkingCalendar, load_bundled_arrangements
from requests_service.domain.channels import Channel
from requests_service.domain.identity import ApplicantType, IdType, OrganisationType
from requests_service.domain.lifecycle import CaseState
from requests_service.domain.outcomes import Outcome
from requests_service.services.clock import legal_today
from tests.factories import World, company, person
from tests.helpers import PAYMENT, act, in_handling, ok, propose_fee, register

COLUMNS = (
    "natural_person",
    "commercial_enterprise",
    "research_institution",
    "social_welfare_organisation",
    "legal_service_organisation",
    "other",
    "total",
)
HEADINGS = {
    "results",
    "withheld_group",
    "unavailable_group",
    "not_processed_group",
    "other_group",
}


def at(day: str) -> str:
    return f"{day}T10:00:00+08:00"


def org(serial: int, kind: str) -> dict[str, Any]:
    return company(serial, organisation_type=kind, name=f"示范组织{serial}")


def draft_and_approve(
    client: Any, world: World, case_id: int, on: str, outcome: str, **details: Any
) -> dict[str, Any]:
    reasons = {
        "disclosed": "经审查，该信息可以公开。",
        "partially_disclosed": "部分内容涉及个人隐私。",
        "withheld_third_party": "公开会损害第三方合法权益。",
        "unavailable_not_held": "经检索，该信息不存在。",
        "not_processed_petition": "申请内容属于信访投诉。",
    }[outcome]
    ok(
        act(
            client,
            world,
            "handler",
            case_id,
            "draft_reply",
            on=on,
            outcome=outcome,
            reasons=reasons,
            details=details,
        )
    )
    return ok(act(client, world, "approver", case_id, "approve_reply", on=on))


def remedy(client: Any, world: World, case_id: int, **body: Any) -> None:
    response = client.post(
        f"/cases/{case_id}/remedies",
        json={"body": "示范市人民政府", **body},
        headers=world.auth("approver"),
    )
    assert response.status_code == 201, response.json


def insert_case(
    app: Any,
    agency_id: int,
    *,
    receipt: date,
    applicant_type: ApplicantType = ApplicantType.NATURAL_PERSON,
    organisation_type: OrganisationType | None = None,
    state: CaseState = CaseState.IN_HANDLING,
    outcome: Outcome | None = None,
    replied_on: date | None = None,
    closed_on: date | None = None,
    channel: Channel = Channel.ONLINE,
) -> int:
    """A case written straight to the database (for what the API cannot backdate)."""
    with app.app_context():
        session = current_session()
        applicant = Applicant(
            applicant_type=applicant_type,
            organisation_type=organisation_type,
            name="直接写入",
            id_type=IdType.OTHER,
            id_number=secrets.token_hex(6),
            id_fingerprint=secrets.token_hex(32),
        )
        row = Case(
            agency_id=agency_id,
            applicant=applicant,
            state=state,
            channel=channel,
            tracking_code=secrets.token_hex(8),
            tracking_secret_hash=secrets.token_hex(32),
            requested_information="直接写入的申请",
            submitted_at=datetime(receipt.year, receipt.month, receipt.day, 2, tzinfo=UTC),
            receipt_date=receipt,
            outcome=outcome,
            replied_on=replied_on,
            closed_on=closed_on,
            reply_details={},
            clock_inputs=[],
        )
        session.add(row)
        session.commit()
        return row.id


def seed_year(client: Any, world: World, app: Any) -> dict[str, int]:
    """The cases of the module docstring; returns their ids by name."""
    ids: dict[str, int] = {}

    # --- received in 2025 ---------------------------------------------------------------
    p1 = register(client, world, applicant=person(101), submitted_at=at("2025-12-15"))
    draft_and_approve(
        client, world, p1["id"], "2026-01-08", "disclosed", disclosure_route="provided"
    )
    p2 = register(
        client,
        world,
        applicant=org(102, "commercial_enterprise"),
        submitted_at=at("2025-12-22"),
    )
    ok(act(client, world, "handler", p2["id"], "start_review", on="2025-12-23"))
    p3 = register(client, world, applicant=person(103), submitted_at=at("2025-06-02"))
    draft_and_approve(
        client, world, p3["id"], "2025-06-20", "disclosed", disclosure_route="provided"
    )
    p4 = register(
        client, world, applicant=org(104, "research_institution"), submitted_at=at("2025-11-03")
    )
    ok(act(client, world, "registrar", p4["id"], "withdraw", on="2026-02-02", reason="不再需要"))
    ids.update(P1=p1["id"], P2=p2["id"], P3=p3["id"], P4=p4["id"])

    # --- received in 2026 ---------------------------------------------------------------
    n1 = register(client, world, applicant=person(1), submitted_at=at("2026-03-02"))
    draft_and_approve(
        client, world, n1["id"], "2026-03-20", "disclosed", disclosure_route="provided"
    )
    n2 = register(client, world, applicant=person(2), submitted_at=at("2026-03-03"))
    draft_and_approve(
        client,
        world,
        n2["id"],
        "2026-03-25",
        "partially_disclosed",
        withheld_parts=[
            {"description": "住址", "reason": "个人隐私", "legal_basis": "第十五条"},
        ],
        disclosed_part_description="其余部分",
    )
    n3 = register(
        client, world, applicant=org(3, "commercial_enterprise"), submitted_at=at("2026-03-04")
    )
    draft_and_approve(client, world, n3["id"], "2026-04-20", "withheld_third_party")
    n4 = register(
        client,
        world,
        applicant=org(4, "social_welfare_organisation"),
        channel="post_signed",
        submitted_at=at("2026-03-30"),
        signed_for_at=at("2026-04-01"),
    )
    assert n4["receipt_date"] == "2026-04-01"
    draft_and_approve(
        client,
        world,
        n4["id"],
        "2026-04-15",
        "unavailable_not_held",
        not_held_basis="does_not_exist",
        search_description="检索了2020年以来的全部档案。",
    )
    n5 = register(
        client,
        world,
        applicant=org(5, "legal_service_organisation"),
        channel="email",
        submitted_at=at("2026-05-05"),
        confirmed_at=at("2026-05-06"),
    )
    assert n5["receipt_date"] == "2026-05-06"
    draft_and_approve(client, world, n5["id"], "2026-05-08", "not_processed_petition")

    n6 = register(client, world, applicant=org(6, "other"), submitted_at=at("2026-06-01"))
    ok(act(client, world, "handler", n6["id"], "start_review", on="2026-06-02"))
    ok(
        act(
            client,
            world,
            "handler",
            n6["id"],
            "request_correction",
            on="2026-06-03",
            correction_items=["请说明所需信息的年份"],
            correction_period_working_days=10,
        )
    )
    ok(act(client, world, "handler", n6["id"], "deem_abandoned_no_correction", on="2026-07-01"))

    n7 = in_handling(client, world, applicant=person(7), submitted_at=at("2026-07-01"))
    propose_fee(client, world, n7["id"], units=11)
    ok(act(client, world, "approver", n7["id"], "issue_fee_notice", on="2026-07-06"))
    ok(act(client, world, "handler", n7["id"], "deem_abandoned_no_fee", on="2026-08-10"))

    n8 = in_handling(client, world, applicant=person(8), submitted_at=at("2026-08-03"))
    propose_fee(client, world, n8["id"], units=11)
    ok(act(client, world, "approver", n8["id"], "issue_fee_notice", on="2026-08-10"))
    ok(act(client, world, "handler", n8["id"], "record_fee_payment", on="2026-08-14", **PAYMENT))
    ok(
        act(
            client,
            world,
            "approver",
            n8["id"],
            "extend",
            on="2026-08-20",
            extra_working_days=20,
            reason="需要检索大量档案",
        )
    )
    draft_and_approve(
        client, world, n8["id"], "2026-09-15", "disclosed", disclosure_route="provided"
    )

    n9 = register(
        client, world, applicant=org(9, "commercial_enterprise"), submitted_at=at("2026-10-12")
    )
    ok(act(client, world, "registrar", n9["id"], "withdraw", on="2026-10-20"))

    n10 = register(client, world, applicant=person(10), submitted_at=at("2026-11-02"))
    ok(act(client, world, "handler", n10["id"], "start_review", on="2026-11-03"))

    enabled = client.patch(
        f"/admin/agencies/{world.agencies['A']}",
        json={"fee_waiver_allowed": True},
        headers=world.auth("admin"),
    )
    assert enabled.status_code == 200, enabled.json
    n11 = in_handling(client, world, applicant=person(11), submitted_at=at("2026-09-01"))
    propose_fee(client, world, n11["id"], units=11)
    ok(act(client, world, "approver", n11["id"], "issue_fee_notice", on="2026-09-07"))
    ok(act(client, world, "approver", n11["id"], "waive_fee", on="2026-09-09", reason="公益用途"))
    draft_and_approve(
        client, world, n11["id"], "2026-09-24", "disclosed", disclosure_route="provided"
    )

    n12 = in_handling(
        client, world, applicant=org(12, "commercial_enterprise"), submitted_at=at("2026-10-09")
    )
    ok(
        act(
            client,
            world,
            "handler",
            n12["id"],
            "start_consultation",
            on="2026-10-12",
            consulted_party="某公司",
        )
    )
    n13 = in_handling(client, world, applicant=person(13), submitted_at=at("2026-10-09"))
    assert n13["due_on"] == "2026-11-05"
    ids.update(
        N1=n1["id"],
        N2=n2["id"],
        N3=n3["id"],
        N4=n4["id"],
        N5=n5["id"],
        N6=n6["id"],
        N7=n7["id"],
        N8=n8["id"],
        N9=n9["id"],
        N10=n10["id"],
        N11=n11["id"],
        N12=n12["id"],
        N13=n13["id"],
    )

    # A reply dated next year cannot go through the API (dates may not lie in the future).
    ids["D1"] = insert_case(
        app,
        world.agencies["A"],
        receipt=date(2026, 6, 10),
        state=CaseState.REPLIED,
        outcome=Outcome.DISCLOSED,
        replied_on=date(2027, 1, 12),
    )
    web = client.post(
        "/public/applications",
        json={
            "agency_id": world.agencies["A"],
            "applicant": person(99),
            "requested_information": "请公开本市2026年财政预算",
            "delivery_form": "electronic",
            "delivery_method": "email",
        },
    )
    assert web.status_code == 201, web.json

    # --- reconsideration and litigation (section 四) ------------------------------------
    remedy(
        client,
        world,
        n3["id"],
        kind="reconsideration",
        filed_on="2026-05-06",
        decided_on="2026-06-10",
        result="upheld",
    )
    remedy(
        client,
        world,
        n4["id"],
        kind="reconsideration",
        filed_on="2026-05-01",
        decided_on="2026-06-15",
        result="corrected",
        correction_reasons=["inadequate_search"],
    )
    remedy(
        client,
        world,
        n2["id"],
        kind="litigation_direct",
        body="示范市人民法院",
        filed_on="2026-05-10",
        result="pending",
    )
    remedy(
        client,
        world,
        n3["id"],
        kind="litigation_after_reconsideration",
        body="示范市人民法院",
        filed_on="2026-06-20",
        decided_on="2026-09-01",
        result="other",
    )
    remedy(
        client,
        world,
        p3["id"],
        kind="reconsideration",
        filed_on="2025-07-01",
        decided_on="2025-08-01",
        result="upheld",
    )
    remedy(
        client,
        world,
        p3["id"],
        kind="reconsideration",
        filed_on="2025-10-01",
        decided_on="2026-01-15",
        result="upheld",
    )
    return ids


# Hand-counted section 三 of 2026 for agency A (NP, CE, RI, SW, LS, OT, 总计); every row not
# listed is all zeros.
EXPECTED_2026 = {
    "new_received": [8, 3, 0, 1, 1, 1, 14],
    "carried_over_from_previous_year": [1, 1, 1, 0, 0, 0, 3],
    "disclosed": [4, 0, 0, 0, 0, 0, 4],
    "partially_disclosed": [1, 0, 0, 0, 0, 0, 1],
    "withheld_third_party": [0, 1, 0, 0, 0, 0, 1],
    "unavailable_not_held": [0, 0, 0, 1, 0, 0, 1],
    "not_processed_petition": [0, 0, 0, 0, 1, 0, 1],
    "other_no_correction": [0, 0, 0, 0, 0, 1, 1],
    "other_fee_unpaid": [1, 0, 0, 0, 0, 0, 1],
    "other": [0, 1, 1, 0, 0, 0, 2],
    "results_total": [6, 2, 1, 1, 1, 1, 12],
    "carried_over_to_next_year": [3, 2, 0, 0, 0, 0, 5],
}
EXPECTED_2025 = {
    "new_received": [2, 1, 1, 0, 0, 0, 4],
    "disclosed": [1, 0, 0, 0, 0, 0, 1],
    "results_total": [1, 0, 0, 0, 0, 0, 1],
    "carried_over_to_next_year": [1, 1, 1, 0, 0, 0, 3],
}
SECTION4_2026 = {
    "reconsideration": {"upheld": 2, "corrected": 1, "other": 0, "pending": 0, "total": 3},
    "litigation_direct": {"upheld": 0, "corrected": 0, "other": 0, "pending": 1, "total": 1},
    "litigation_after_reconsideration": {
        "upheld": 0,
        "corrected": 0,
        "other": 1,
        "pending": 0,
        "total": 1,
    },
}
SECTION4_2025 = {
    "reconsideration": {"upheld": 1, "corrected": 0, "other": 0, "pending": 1, "total": 2},
    "litigation_direct": dict.fromkeys(("upheld", "corrected", "other", "pending", "total"), 0),
    "litigation_after_reconsideration": dict.fromkeys(
        ("upheld", "corrected", "other", "pending", "total"), 0
    ),
}


def annual(client: Any, world: World, year: int, who: str = "handler", **args: Any) -> Any:
    query = "&".join(f"{k}={v}" for k, v in args.items())
    return client.get(f"/reports/annual/{year}?{query}", headers=world.auth(who))


def statistics(client: Any, world: World, who: str = "handler", **args: Any) -> Any:
    query = "&".join(f"{k}={v}" for k, v in args.items())
    return client.get(f"/statistics?{query}", headers=world.auth(who))


def table(section3: dict[str, Any]) -> dict[str, list[int] | None]:
    """Row key -> values in COLUMNS order (None for headings)."""
    assert [c["key"] for c in section3["columns"]] == list(COLUMNS)
    return {
        row["key"]: None if row["values"] is None else [row["values"][c] for c in COLUMNS]
        for row in section3["rows"]
    }


def assert_section3(section3: dict[str, Any], expected: dict[str, list[int]]) -> None:
    rows = table(section3)
    assert len(rows) == 30  # 一, 二, 三, 21 outcome rows, 4 group headings, (七), 四
    assert {k for k, v in rows.items() if v is None} == HEADINGS
    for key, values in rows.items():
        if values is not None:
            assert values == expected.get(key, [0] * 7), key
    outcome_keys = [o.value for o in Outcome]
    for i in range(7):
        # 一 + 二 = 三(七) + 四, and (七) = the sum of the result rows, per column.
        assert (
            rows["new_received"][i] + rows["carried_over_from_previous_year"][i]  # type: ignore[index]
            == rows["results_total"][i] + rows["carried_over_to_next_year"][i]  # type: ignore[index]
        )
        assert sum(rows[k][i] for k in outcome_keys) == rows["results_total"][i]  # type: ignore[index]


def section4_values(section4: dict[str, Any]) -> dict[str, dict[str, int]]:
    assert [c["key"] for c in section4["columns"]] == [
        "upheld",
        "corrected",
        "other",
        "pending",
        "total",
    ]
    return {g["key"]: g["values"] for g in section4["groups"]}


# --- the annual report ---------------------------------------------------------------------------


def test_annual_report_section3_cell_by_cell(client: Any, world: World, app: Any) -> None:
    seed_year(client, world, app)
    report = ok(annual(client, world, 2026))
    assert report["year"] == 2026
    assert report["agency_ids"] == [world.agencies["A"]]
    assert report["agencies"] == [{"id": world.agencies["A"], "name": "测试机关A"}]
    assert report["identity_violations"] == []
    assert report["anomalies"] == []
    assert_section3(report["section3"], EXPECTED_2026)
    labels = {r["key"]: r["label"] for r in report["section3"]["rows"]}
    assert labels["new_received"] == "一、本年新收政府信息公开申请数量"
    assert labels["carried_over_to_next_year"] == "四、结转下年度继续办理"

    # The previous year, and the chain: 2025's 四 is 2026's 二, column by column.
    previous = ok(annual(client, world, 2025))
    assert_section3(previous["section3"], EXPECTED_2025)
    before = table(previous["section3"])["carried_over_to_next_year"]
    assert before == table(report["section3"])["carried_over_from_previous_year"]


def test_annual_report_section4(client: Any, world: World, app: Any) -> None:
    seed_year(client, world, app)
    report = ok(annual(client, world, 2026))
    assert section4_values(report["section4"]) == SECTION4_2026
    labels = [g["label"] for g in report["section4"]["groups"]]
    assert labels == ["行政复议", "行政诉讼：未经复议直接起诉", "行政诉讼：复议后起诉"]
    # A reconsideration pending at the end of 2025 is 尚未审结 there, 结果维持 in 2026.
    assert section4_values(ok(annual(client, world, 2025))["section4"]) == SECTION4_2025


def test_statistics_agree_with_section3(client: Any, world: World, app: Any) -> None:
    seed_year(client, world, app)
    rows = table(ok(annual(client, world, 2026))["section3"])
    stats = ok(statistics(client, world, date_from="2026-01-01", date_to="2026-12-31"))
    received = stats["received"]
    assert received["total"] == rows["new_received"][6]  # type: ignore[index]
    by_applicant = {i["key"]: i["count"] for i in received["by_applicant"]}
    assert [by_applicant[c] for c in COLUMNS[:6]] == rows["new_received"][:6]  # type: ignore[index]
    outcomes = {i["key"]: i["count"] for i in stats["outcomes"]["items"]}
    for outcome in Outcome:
        assert outcomes[outcome.value] == rows[outcome.value][6], outcome  # type: ignore[index]
    assert stats["outcomes"]["total"] == rows["results_total"][6]  # type: ignore[index]
    assert stats["outcomes"]["finished"] == 12
    assert stats["outcomes"]["without_outcome"] == 0
    assert stats["pending_at_end"] == rows["carried_over_to_next_year"][6]  # type: ignore[index]


def test_statistics_figures_of_the_seeded_year(client: Any, world: World, app: Any) -> None:
    ids = seed_year(client, world, app)
    with app.app_context():
        session = current_session()
        agency = world.agencies["A"]
        session.add_all(
            [
                Topic(
                    agency_id=agency,
                    representative_text="本市2026年重点项目",
                    status="converted",
                    first_on=date(2026, 3, 1),
                    last_on=date(2026, 4, 1),
                    # 2026-05-01 07:00 in Shanghai
                    decided_at=datetime(2026, 4, 30, 23, 0, tzinfo=UTC),
                ),
                Topic(
                    agency_id=agency,
                    representative_text="去年的",
                    status="converted",
                    first_on=date(2025, 3, 1),
                    last_on=date(2025, 4, 1),
                    # 2025-12-31 23:30 in Shanghai: outside 2026
                    decided_at=datetime(2025, 12, 31, 15, 30, tzinfo=UTC),
                ),
                Topic(
                    agency_id=agency,
                    representative_text="未决定的",
                    status="open",
                    first_on=date(2026, 3, 1),
                    last_on=date(2026, 4, 1),
                ),
                Topic(
                    agency_id=world.agencies["C"],
                    representative_text="别的机关",
                    status="converted",
                    first_on=date(2026, 3, 1),
                    last_on=date(2026, 4, 1),
                    decided_at=datetime(2026, 5, 1, 2, 0, tzinfo=UTC),
                ),
            ]
        )
        session.commit()

    stats = ok(statistics(client, world, date_from="2026-01-01", date_to="2026-12-31"))
    assert stats["agency_ids"] == [world.agencies["A"]]
    channels = {i["key"]: i["count"] for i in stats["received"]["by_channel"]}
    assert channels == {
        "in_person": 11,
        "post_signed": 1,
        "ordinary_mail": 0,
        "online": 1,
        "fax": 0,
        "email": 1,
    }
    matrix = {m["channel"]: m["values"] for m in stats["received"]["matrix"]}
    assert matrix["in_person"] == {
        "natural_person": 7,
        "commercial_enterprise": 3,
        "research_institution": 0,
        "social_welfare_organisation": 0,
        "legal_service_organisation": 0,
        "other": 1,
        "total": 11,
    }
    assert matrix["post_signed"]["social_welfare_organisation"] == 1
    assert matrix["email"]["legal_service_organisation"] == 1
    assert matrix["online"]["natural_person"] == 1
    assert stats["received"]["unclassified"] == 0

    # Replied in 2026: P1, N1, N2, N3, N4, N5, N8, N11; only N3 after its due date (04-01).
    timeliness = stats["timeliness"]
    assert timeliness == {
        "replied": 8,
        "with_due_date": 8,
        "without_due_date": 0,
        "on_time": 7,
        "late": 1,
        "on_time_rate": 0.875,
        "average_working_days": timeliness["average_working_days"],
    }
    calendar = WorkingCalendar(load_bundled_arrangements())
    pairs = [
        ("2025-12-15", "2026-01-08"),
        ("2026-03-02", "2026-03-20"),
        ("2026-03-03", "2026-03-25"),
        ("2026-03-04", "2026-04-20"),
        ("2026-04-01", "2026-04-15"),
        ("2026-05-06", "2026-05-08"),
        ("2026-08-03", "2026-09-15"),
        ("2026-09-01", "2026-09-24"),
    ]
    days = [
        calendar.working_days_between(date.fromisoformat(a), date.fromisoformat(b))
        for a, b in pairs
    ]
    # Spot checks by hand: 2026-03-02 → 03-20 is 14 working days, 03-04 → 04-20 is 32
    # (Qingming 4–6 April off), 12-15 → 01-08 is 17 (1–3 January off, Sunday 4 worked).
    assert days[1] == 14
    assert days[3] == 32
    assert days[0] == 17
    assert timeliness["average_working_days"] == round(sum(days) / 8, 2)

    assert stats["extensions"] == 1
    assert stats["fees"] == {
        "notices_issued": 3,
        "amount_noticed": "300.00",
        "payments": 1,
        "collected": "100.00",
        "waivers": 1,
        "waived": "100.00",
        "refunds": 0,
        "refunded": "0.00",
        "net_collected": "100.00",
    }
    assert stats["topics_converted"] == 1
    assert any("毛时长" in note for note in stats["notes"])

    # Open as of 2026-11-20: P2, N10, N12, N13, the unregistered web submission, and the
    # signed replies not yet delivered (P3, N2, N3, N4, N5, N8, N11, D1; P1 and N1 were
    # delivered).  N12 is paused; P2 (due in January) and N13 (due 11-05) are overdue — the
    # undelivered replies are not, whatever their due dates.
    for case_id in (ids["P1"], ids["N1"]):
        ok(act(client, world, "registrar", case_id, "deliver", delivery_method="post"))
    period = ok(statistics(client, world, date_from="2026-01-01", date_to="2026-11-20"))
    assert period["as_of"] == "2026-11-20"
    assert period["open"] == {
        "as_of": "2026-11-20",
        "open": 13,
        "paused": 1,
        "awaiting_delivery": 8,
        "overdue": 2,
    }
    assert period["pending_at_end"] == 5
    assert ids["N13"] and ids["D1"]

    # A quarter: received in Q1 2026 (N1, N2, N3), finished in Q1 (P1, N1, N2, P4).
    q1 = ok(statistics(client, world, date_from="2026-01-01", date_to="2026-03-31"))
    assert q1["received"]["total"] == 3
    q1_outcomes = {i["key"]: i["count"] for i in q1["outcomes"]["items"] if i["count"]}
    assert q1_outcomes == {"disclosed": 2, "partially_disclosed": 1, "other": 1}
    assert q1["extensions"] == 0
    assert q1["fees"]["collected"] == "0.00"
    assert q1["topics_converted"] == 0


def test_report_csv_html_and_pdf(client: Any, world: World, app: Any) -> None:
    seed_year(client, world, app)
    response = annual(client, world, 2026, format="csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.data.startswith("\ufeff".encode())
    text = response.data.decode("utf-8-sig")
    first, second = text.split("\r\n\r\n")
    s3 = list(csv.reader(io.StringIO(first)))
    assert s3[0] == [
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
    by_key = {row[0]: row for row in s3[1:]}
    assert len(by_key) == 30
    for key, values in EXPECTED_2026.items():
        assert by_key[key][2:] == [str(v) for v in values], key
    assert by_key["results"][2:] == [""] * 7
    s4 = list(csv.reader(io.StringIO(second)))
    assert s4[0] == ["代码", "项目", "结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    assert s4[1] == ["reconsideration", "行政复议", "2", "1", "0", "0", "3"]
    assert s4[2] == ["litigation_direct", "行政诉讼：未经复议直接起诉", "0", "0", "0", "1", "1"]

    html = annual(client, world, 2026, format="html")
    assert html.status_code == 200
    assert html.mimetype == "text/html"
    page = html.data.decode()
    assert "测试机关A2026年政府信息公开工作年度报告" in page
    assert "一、本年新收政府信息公开申请数量" in page
    assert "四、政府信息公开行政复议、行政诉讼情况" in page

    pdf = annual(client, world, 2026, format="pdf")
    assert pdf.status_code == 200
    assert pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf.data))
    content = "\n".join(p.extract_text() for p in reader.pages)
    flat = re.sub(r"\s+", " ", content)
    assert "本年新收" in content
    assert "一、本年新收政府信息公开申请数量 8 3 0 1 1 1 14" in flat
    assert "（七）总计 6 2 1 1 1 1 12" in flat
    assert "四、结转下年度继续办理 3 2 0 0 0 0 5" in flat
    assert "2 1 0 0 3 0 0 0 1 1 0 0 1 0 1" in flat  # section 四, 15 numbers


def test_statistics_csv(client: Any, world: World, app: Any) -> None:
    seed_year(client, world, app)
    response = statistics(client, world, date_from="2026-01-01", date_to="2026-12-31", format="csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0] == ["类别", "项目", "代码", "数值"]
    values = {row[2]: row[3] for row in rows[1:] if row[2] != "notes"}
    assert values["received.total"] == "14"
    assert values["received.by_channel.in_person"] == "11"
    assert values["received.matrix.in_person.commercial_enterprise"] == "3"
    assert values["outcomes.disclosed"] == "4"
    assert values["fees.collected"] == "100.00"
    assert values["timeliness.on_time_rate"] == "0.875"
    assert values["extensions"] == "1"


# --- scope and isolation -----------------------------------------------------------------------


def test_rollup_and_isolation(client: Any, world: World, app: Any) -> None:
    seed_year(client, world, app)
    insert_case(
        app,
        world.agencies["B"],
        receipt=date(2026, 4, 1),
        state=CaseState.REPLIED,
        outcome=Outcome.DISCLOSED,
        replied_on=date(2026, 4, 10),
    )
    o, a, b = world.agencies["O"], world.agencies["A"], world.agencies["B"]

    # The oversight office: its own agency alone has no cases; rolled up it sees A and B.
    alone = ok(annual(client, world, 2026, who="oversight"))
    assert alone["agency_ids"] == [o]
    assert table(alone["section3"])["new_received"] == [0] * 7
    rolled = ok(annual(client, world, 2026, who="oversight", agency_id=o, rollup="true"))
    assert rolled["agency_ids"] == sorted([o, a, b])
    rows = table(rolled["section3"])
    assert rows["new_received"] == [9, 3, 0, 1, 1, 1, 15]
    assert rows["disclosed"] == [5, 0, 0, 0, 0, 0, 5]
    assert rolled["identity_violations"] == []
    just_a = ok(annual(client, world, 2026, who="oversight", agency_id=a))
    assert table(just_a["section3"])["new_received"] == EXPECTED_2026["new_received"]
    stats = ok(
        statistics(
            client,
            world,
            who="oversight",
            date_from="2026-01-01",
            date_to="2026-12-31",
            agency_id=o,
            rollup="true",
        )
    )
    assert stats["received"]["total"] == 15
    pdf_label = annual(client, world, 2026, who="oversight", agency_id=o, rollup=1, format="html")
    assert "含下级机关，共3个机关" in pdf_label.data.decode()

    # Another office, another agency's officer, and an unknown agency: 404, nothing leaks.
    for who, agency in (("oversight2", a), ("handler_b", a), ("handler", b), ("handler", o)):
        refused = annual(client, world, 2026, who=who, agency_id=agency)
        assert refused.status_code == 404, (who, agency)
        assert refused.json["message"] == "机关不存在。"
        refused = statistics(
            client, world, who=who, date_from="2026-01-01", date_to="2026-12-31", agency_id=agency
        )
        assert refused.status_code == 404
    assert annual(client, world, 2026, agency_id=99999).status_code == 404
    assert ok(annual(client, world, 2026, who="oversight2", agency_id=world.agencies["C"]))
    assert client.get("/reports/annual/2026").status_code == 401
    assert client.get("/statistics?date_from=2026-01-01&date_to=2026-12-31").status_code == 401


# --- bad input and empty years -------------------------------------------------------------------

BAD = [
    "/statistics?date_from=2026-12-31&date_to=2026-01-01",
    "/statistics?date_to=2026-01-01",
    "/statistics?date_from=2026-02-30&date_to=2026-03-31",
    "/statistics?date_from=yesterday&date_to=2026-03-31",
    "/statistics?date_from=1999-12-31&date_to=2026-03-31",
    "/statistics?date_from=2026-01-01&date_to=2101-01-01",
    "/statistics?date_from=2026-01-01&date_to=2026-12-31&format=xlsx",
    "/statistics?date_from=2026-01-01&date_to=2026-12-31&agency_id=abc",
    "/statistics?date_from=2026-01-01&date_to=2026-12-31&rollup=maybe",
    "/reports/annual/2007",
    "/reports/annual/1",
    "/reports/annual/99999",
    "/reports/annual/2026?format=docx",
    "/reports/annual/2026?agency_id=0",
]


@pytest.mark.parametrize("url", BAD)
def test_bad_input_is_422_not_500(client: Any, world: World, url: str) -> None:
    response = client.get(url, headers=world.auth("handler"))
    assert response.status_code == 422, response.json
    assert set(response.json) >= {"code", "status", "message"}
    assert response.json["code"] == 422


def test_period_ending_before_it_starts_says_so(client: Any, world: World) -> None:
    response = statistics(client, world, date_from="2026-12-31", date_to="2026-01-01")
    assert response.status_code == 422
    assert response.json["errors"]["date_to"] == ["结束日期不能早于开始日期。"]


def test_year_out_of_range_says_which_years(client: Any, world: World) -> None:
    next_year = legal_today().year + 1
    assert ok(annual(client, world, next_year))["year"] == next_year
    response = annual(client, world, next_year + 1)
    assert response.status_code == 422
    assert "2008" in response.json["message"]
    assert str(next_year) in response.json["message"]
    assert "year" in response.json["errors"]


def test_year_without_data_is_all_zeros(client: Any, world: World, app: Any) -> None:
    seed_year(client, world, app)
    report = ok(annual(client, world, 2024))
    assert_section3(report["section3"], {})
    assert section4_values(report["section4"]) == {
        k: dict.fromkeys(("upheld", "corrected", "other", "pending", "total"), 0)
        for k in SECTION4_2025
    }
    assert report["identity_violations"] == []
    stats = ok(statistics(client, world, date_from="2024-01-01", date_to="2024-12-31"))
    assert stats["received"]["total"] == 0
    assert stats["outcomes"]["finished"] == 0
    assert stats["timeliness"]["on_time_rate"] is None
    assert stats["timeliness"]["average_working_days"] is None
    assert stats["fees"]["collected"] == "0.00"
    assert stats["pending_at_end"] == 0
    empty = annual(client, world, 2024, format="csv")
    assert empty.status_code == 200
    assert "new_received,一、本年新收政府信息公开申请数量,0,0,0,0,0,0,0" in empty.data.decode()


def test_bad_records_are_listed_not_counted(client: Any, world: World, app: Any) -> None:
    a = world.agencies["A"]
    no_outcome = insert_case(
        app, a, receipt=date(2026, 5, 5), state=CaseState.WITHDRAWN, closed_on=date(2026, 5, 20)
    )
    backwards = insert_case(
        app,
        a,
        receipt=date(2026, 6, 10),
        state=CaseState.REPLIED,
        outcome=Outcome.DISCLOSED,
        replied_on=date(2026, 6, 1),
    )
    no_type = insert_case(
        app, a, receipt=date(2026, 7, 1), applicant_type=ApplicantType.LEGAL_PERSON
    )
    good = insert_case(app, a, receipt=date(2026, 7, 2))
    with app.app_context():
        session = current_session()
        session.add(
            RemedyRecord(
                case_id=good,
                agency_id=a,
                kind="reconsideration",
                body="示范市人民政府",
                filed_on=date(2026, 7, 10),
                decided_on=date(2026, 8, 1),
                result="pending",
            )
        )
        session.commit()
        remedy_id = session.scalar(select(RemedyRecord.id))

    report = ok(annual(client, world, 2026))
    rows = table(report["section3"])
    assert rows["new_received"] == [1, 0, 0, 0, 0, 0, 1]
    assert rows["carried_over_to_next_year"] == [1, 0, 0, 0, 0, 0, 1]
    assert report["identity_violations"] == []
    anomalies = {(x["case_id"], x["remedy_record_id"]): x for x in report["anomalies"]}
    assert set(anomalies) == {
        (no_outcome, None),
        (backwards, None),
        (no_type, None),
        (None, remedy_id),
    }
    assert anomalies[(no_outcome, None)]["reason"] == "已办结但未记录办理结果"
    assert anomalies[(backwards, None)]["section"] == "三"
    assert anomalies[(None, remedy_id)]["section"] == "四"
    assert report["section3"]["anomalies"] and report["section4"]["anomalies"]
    assert section4_values(report["section4"])["reconsideration"]["total"] == 0
    assert any("数据有误" in note for note in report["notes"])
    html = annual(client, world, 2026, format="html").data.decode()
    assert "有4条案件或复议诉讼记录数据有误" in html

    stats = ok(statistics(client, world, date_from="2026-01-01", date_to="2026-12-31"))
    assert stats["received"]["total"] == 4
    assert stats["received"]["unclassified"] == 1
    assert stats["outcomes"]["without_outcome"] == 1
    assert any("未填写组织类型" in note for note in stats["notes"])
