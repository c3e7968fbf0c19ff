"""Text fields: stripped before their length is checked; blank, invisible, bidi-override,
control-character and emoji text refused (issue 15, item 4)."""

from __future__ import annotations

from typing import Any

import pytest

from requests_service.api.schemas_base import clean_text
from tests.api.test_guards import assert_error, post_json
from tests.factories import World, person
from tests.helpers import register

BLANK = ["   ", "\u3000\u3000", "\u200b\u200b\u200b", "\ufeff \u200d", "\n\t "]
HIDDEN = [
    "张三\u202e",
    "\u2066张三\u2069",
    "张\x07三",
    "张三\x1b[31m",
    "张三😀",
    "张三\u2764\ufe0f",
]


def _submit(client: Any, world: World, text: str = "请公开2025年预算", **applicant: Any) -> Any:
    return post_json(
        client,
        "/public/applications",
        {
            "agency_id": world.agencies["A"],
            "applicant": person(**applicant),
            "requested_information": text,
        },
    )


@pytest.mark.parametrize("text", BLANK)
def test_request_text_of_blanks_is_refused(client: Any, world: World, text: str) -> None:
    body = assert_error(_submit(client, world, text=text), 422)
    assert "requested_information" in body["errors"]


def test_length_is_checked_after_stripping(client: Any, world: World) -> None:
    # min length 2: one character padded with spaces and zero-width spaces is still one.
    assert_error(_submit(client, world, text="  a \u200b\u200b "), 422)


@pytest.mark.parametrize("name", BLANK)
def test_names_of_invisible_characters_are_refused(client: Any, world: World, name: str) -> None:
    body = assert_error(_submit(client, world, name=name), 422)
    assert "applicant.name" in body["errors"]


@pytest.mark.parametrize("name", HIDDEN)
def test_bidi_overrides_controls_and_emoji_are_refused(
    client: Any, world: World, name: str
) -> None:
    assert_error(_submit(client, world, name=name), 422)
    assert_error(_submit(client, world, text="请公开2025年预算" + name), 422)


def test_text_is_stored_stripped(client: Any, world: World) -> None:
    case = register(
        client,
        world,
        requested_information="\u200b  2025年本市重点建设项目计划 \n",
        applicant=person(name=" 张三\u3000"),
    )
    assert case["requested_information"] == "2025年本市重点建设项目计划"
    detail = client.get(f"/cases/{case['id']}", headers=world.auth("handler")).json
    assert detail["applicant"]["name"] == "张三"


def test_lists_and_free_form_documents_are_checked(client: Any, world: World) -> None:
    case = register(client, world)
    auth = world.auth("handler")
    client.post(f"/cases/{case['id']}/transitions", json={"action": "start_review"}, headers=auth)
    response = post_json(
        client,
        f"/cases/{case['id']}/transitions",
        {"action": "request_correction", "correction_items": ["请说明年份", "  \u200b "]},
        headers=auth,
    )
    body = assert_error(response, 422)
    assert body["errors"]["correction_items.1"] == ["不能只包含空格或不可见字符。"]
    response = post_json(
        client,
        f"/cases/{case['id']}/transitions",
        {
            "action": "draft_reply",
            "outcome": "disclosed",
            "reasons": "可以公开",
            "details": {"disclosure_route": "provided\u202e"},
        },
        headers=auth,
    )
    assert_error(response, 422)


def test_ordinary_text_passes_unchanged() -> None:
    text = "第一行：2025年（上半年）预算★\n第二行\t附表①，Ａ４纸"
    assert clean_text(text) == text
    assert clean_text("") == ""
