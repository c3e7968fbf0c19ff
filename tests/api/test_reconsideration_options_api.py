"""Reconsideration body as guided rules per agency, and the court wording (issue 14 items 4, 5)."""

from __future__ import annotations

from typing import Any

from tests.factories import World
from tests.helpers import act, ok, register


def options(client: Any, world: World, agency: str = "A") -> Any:
    return client.get(
        f"/admin/agencies/{world.agencies[agency]}/reconsideration-options",
        headers=world.auth("admin"),
    )


def patch(client: Any, world: World, **body: Any) -> Any:
    return client.patch(
        f"/admin/agencies/{world.agencies['A']}", json=body, headers=world.auth("admin")
    )


def test_options_show_which_rule_applied(client: Any, world: World) -> None:
    shown = options(client, world)
    assert shown.status_code == 200, shown.json
    body = shown.json
    assert body["rule"] == "same_level_government"
    assert body["reconsideration_body"] == "示范市人民政府"
    assert body["applied"]["rule"] == "same_level_government"
    assert "第二十四条" in body["applied"]["article"]
    assert {o["rule"] for o in body["options"]} == {
        "same_level_government",
        "vertical_superior",
        "government_above",
        "custom",
    }
    assert [o["rule"] for o in body["options"] if o["applies"]] == ["same_level_government"]
    assert body["court_wording"] == "向示范市人民法院提起行政诉讼"
    assert body["warnings"] == []


def test_vertical_management_names_the_next_higher_authority(client: Any, world: World) -> None:
    missing = patch(client, world, reconsideration_rule="vertical_superior")
    assert missing.status_code == 422
    assert "higher_authority" in missing.json["errors"]
    changed = patch(
        client,
        world,
        reconsideration_rule="vertical_superior",
        higher_authority="国家税务总局示范省税务局",
        court="",
    )
    assert changed.status_code == 200, changed.json
    assert changed.json["reconsideration_body"] == "国家税务总局示范省税务局"
    body = options(client, world).json
    assert body["applied"]["rule"] == "vertical_superior"
    assert "第二十七条" in body["applied"]["article"]
    assert body["court"] is None
    assert body["court_wording"] == "依法向人民法院提起行政诉讼"
    # the reply letter follows: named body, generic court
    case_id = register(client, world)["id"]
    ok(
        act(
            client,
            world,
            "handler",
            case_id,
            "draft_reply",
            outcome="withheld_special_query",
            reasons="属于不动产登记资料查询事项。",
            details={"special_procedure": "请依照《不动产登记资料查询暂行办法》办理"},
        )
    )
    letter = client.post(
        f"/cases/{case_id}/letters", json={"kind": "reply"}, headers=world.auth("handler")
    ).json
    html = client.get(
        f"/cases/{case_id}/letters/{letter['id']}/preview?format=html",
        headers=world.auth("handler"),
    ).get_data(as_text=True)
    assert "60日内向国家税务总局示范省税务局申请行政复议" in html
    assert "六个月内依法向人民法院提起行政诉讼" in html  # Art. 36(7): both routes
    assert "应当先向行政复议机关" not in html


def test_government_replying_itself_goes_to_the_government_above(client: Any, world: World) -> None:
    changed = patch(
        client, world, reconsideration_rule="government_above", higher_government="示范省人民政府"
    )
    assert changed.status_code == 200, changed.json
    assert changed.json["reconsideration_body"] == "示范省人民政府"
    assert options(client, world).json["applied"]["rule"] == "government_above"


def test_a_typed_body_is_a_custom_choice_with_a_warning(client: Any, world: World) -> None:
    changed = patch(client, world, reconsideration_body="示范市司法局")
    assert changed.status_code == 200
    body = options(client, world).json
    assert body["rule"] == "custom"
    assert body["reconsideration_body"] == "示范市司法局"
    assert body["warnings"]


def test_no_rule_means_no_reply_letter(client: Any, world: World) -> None:
    assert patch(client, world, reconsideration_rule="").status_code == 200
    body = options(client, world).json
    assert body["applied"] is None and body["warnings"]
    case_id = register(client, world)["id"]
    ok(
        act(
            client,
            world,
            "handler",
            case_id,
            "draft_reply",
            outcome="unavailable_needs_creation",
            reasons="需要另行制作。",
        )
    )
    refused = client.post(
        f"/cases/{case_id}/letters", json={"kind": "reply"}, headers=world.auth("handler")
    )
    assert refused.status_code == 422
    assert "行政复议机关" in refused.json["message"]


def test_bad_rule_and_other_agencies_are_refused(client: Any, world: World) -> None:
    assert patch(client, world, reconsideration_rule="nonsense").status_code == 422
    assert options(client, world, "C").status_code == 404
    assert (
        client.get(
            f"/admin/agencies/{world.agencies['A']}/reconsideration-options",
            headers=world.auth("handler"),
        ).status_code
        == 403
    )
