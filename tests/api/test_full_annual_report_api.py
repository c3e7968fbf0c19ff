"""The whole annual report (sections 一–六): agency inputs, four formats, cross-checks."""

from __future__ import annotations

import csv
import io
from typing import Any

from pypdf import PdfReader

from tests.api.test_stats_api import annual, seed_year, statistics
from tests.factories import World

INPUTS = {
    "section1_text": "2026年，本机关深入贯彻《中华人民共和国政府信息公开条例》。\n"
    "全年依申请公开工作平稳有序。",
    "section2": {
        "regulations": {"made": 0, "repealed": 0, "in_force": 2},
        "normative_documents": {"made": 5, "repealed": 1, "in_force": 37},
        "licensing": {"decisions": 1280},
        "penalties": {"decisions": 46},
        "enforcement": {"decisions": 3},
        "administrative_fees": {"amount_10k_yuan": "12.5"},
    },
    "section5_text": "答复文书说理不够充分。下一步将加强答复书审核。",
    "section6_text": "本年度无其他需要报告的事项。",
}


def full(client: Any, world: World, year: int, fmt: str = "json", who: str = "handler") -> Any:
    return client.get(f"/reports/annual/{year}/full?format={fmt}", headers=world.auth(who))


def put_inputs(client: Any, world: World, year: int, body: Any, who: str = "admin") -> Any:
    return client.put(f"/reports/annual/{year}/inputs", json=body, headers=world.auth(who))


def test_inputs_are_validated_audited_and_missing_ones_listed(client: Any, world: World) -> None:
    empty = client.get("/reports/annual/2026/inputs", headers=world.auth("handler"))
    assert empty.status_code == 200
    assert empty.json["version"] == 0
    assert "五、存在的主要问题及改进情况" in empty.json["missing"]
    assert "二、行政许可：本年处理决定数量" in empty.json["missing"]
    assert put_inputs(client, world, 2026, INPUTS, who="handler").status_code == 403
    bad = put_inputs(
        client,
        world,
        2026,
        {
            "section2": {
                "licensing": {"decisions": -1},
                "administrative_fees": {"amount_10k_yuan": "1.23456"},
                "unknown_row": {"x": 1},
                "penalties": {"made": 1},
            }
        },
    )
    assert bad.status_code == 422
    assert set(bad.json["errors"]) == {
        "section2.licensing.decisions",
        "section2.administrative_fees.amount_10k_yuan",
        "section2.unknown_row",
        "section2.penalties.made",
    }
    assert put_inputs(client, world, 2026, {"section7_text": "x"}).status_code == 422
    assert put_inputs(client, world, 1999, INPUTS).status_code == 422
    saved = put_inputs(client, world, 2026, INPUTS)
    assert saved.status_code == 200, saved.json
    assert saved.json["missing"] == []
    assert saved.json["data"]["section2"]["administrative_fees"]["amount_10k_yuan"] == "12.5000"
    again = put_inputs(client, world, 2026, {**INPUTS, "section6_text": "无。"})
    assert again.json["version"] == 2
    events = client.get("/admin/events", headers=world.auth("admin"))
    assert events.status_code == 200
    mine = [e for e in events.json if e["action"] == "annual_report_inputs"]
    assert len(mine) == 2  # newest first
    assert mine[0]["before"]["section6_text"] == INPUTS["section6_text"]
    assert mine[0]["after"]["section6_text"] == "无。"
    assert mine[1]["before"] is None
    # another office's agency is not visible
    other = client.put(
        f"/reports/annual/2026/inputs?agency_id={world.agencies['C']}",
        json=INPUTS,
        headers=world.auth("admin"),
    )
    assert other.status_code == 404


def test_full_report_cross_checks_with_statistics(client: Any, world: World, app: Any) -> None:
    seed_year(client, world, app)
    assert put_inputs(client, world, 2026, INPUTS).status_code == 200
    response = full(client, world, 2026)
    assert response.status_code == 200, response.json
    report = response.json
    assert report["title"] == "测试机关A2026年政府信息公开工作年度报告"
    assert [s["number"] for s in report["sections"]] == ["一", "二", "三", "四", "五", "六"]
    assert report["section1"]["text"].startswith("2026年")
    # 三 and 四 are the same tables as the sections-三/四 report
    sections = annual(client, world, 2026).json
    assert report["section3"]["rows"] == sections["section3"]["rows"]
    assert report["section4"] == sections["section4"]
    # every check passes, and they compare with the period statistics of the year
    assert report["checks_passed"], [c for c in report["checks"] if not c["passed"]]
    stats = statistics(client, world, date_from="2026-01-01", date_to="2026-12-31").json
    by_key = {c["key"]: c for c in report["checks"]}
    assert by_key["s3_received"]["statistics_value"] == stats["received"]["total"]
    assert by_key["s3_results"]["statistics_value"] == stats["outcomes"]["finished"]
    assert by_key["s3_carried_over"]["statistics_value"] == stats["pending_at_end"]
    # 六: fees from the service's records, equal to the statistics
    fees = report["section6"]["fees"]
    assert fees["collected"] == stats["fees"]["collected"]
    assert fees["notices_issued"] == stats["fees"]["notices_issued"]
    assert by_key["s6_fees.collected"]["passed"]
    # 二: the agency's cells and the converted topics
    licensing = next(t for t in report["section2"]["tables"] if t["key"] == "licensing")
    assert licensing["cells"][0]["value"] == 1280
    assert report["section2"]["topics_converted"] == stats["topics_converted"]
    assert report["missing_inputs"] == []


def test_full_report_in_all_four_formats(client: Any, world: World, app: Any) -> None:
    seed_year(client, world, app)
    put_inputs(client, world, 2026, INPUTS)
    report = full(client, world, 2026).json
    text_csv = full(client, world, 2026, "csv")
    assert text_csv.status_code == 200
    assert text_csv.mimetype == "text/csv"
    body = text_csv.get_data(as_text=True)
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    headings = [
        r[0] for r in rows if r and r[0][:2] in ("一、", "二、", "三、", "四、", "五、", "六、")
    ]
    assert [h[:2] for h in headings] == ["一、", "二、", "三、", "四、", "五、", "六、"]
    assert ["第二十条第（五）项", "行政许可", "本年处理决定数量", "1280"] in rows
    assert next(r for r in rows if r and r[0] == "s3_identity")[-1] == "一致"
    html = full(client, world, 2026, "html")
    assert html.status_code == 200
    page = html.get_data(as_text=True)
    for text in (
        "一、总体情况",
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况",
        "五、存在的主要问题及改进情况",
        "六、其他需要报告的事项",
        "第二十条第（一）项",
        "本年制发件数",
        "行政事业性收费",
        "实际收取信息处理费" + report["section6"]["fees"]["collected"] + "元",
    ):
        assert text in page, text
    pdf = full(client, world, 2026, "pdf")
    assert pdf.status_code == 200
    assert pdf.data.startswith(b"%PDF")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    flat = text.replace("\n", "").replace(" ", "")
    for part in ("一、总体情况", "六、其他需要报告的事项", "数据核对", "1280"):
        assert part in flat, part


def test_full_report_marks_missing_inputs(client: Any, world: World) -> None:
    report = full(client, world, 2026).json
    assert report["section5"]["text"] is None
    assert "五、存在的主要问题及改进情况" in report["missing_inputs"]
    page = full(client, world, 2026, "html").get_data(as_text=True)
    assert "（未填写）" in page
    assert full(client, world, 2026, "xml").status_code == 422
    assert full(client, world, 1990).status_code == 422
