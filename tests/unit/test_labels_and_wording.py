"""Small frictions of issue 12: Chinese event labels, no doubled 经审查, no machine text."""

from __future__ import annotations

import re
from pathlib import Path

from requests_service.letters.render import readable, without_opening
from requests_service.services.history import EVENT_LABELS, event_label

PACKAGE = Path(__file__).resolve().parents[2] / "requests_service"


def test_every_recorded_event_has_a_chinese_label() -> None:
    recorded: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        recorded |= set(re.findall(r'action="([a-z_]+)"', source))
        recorded |= set(re.findall(r'_event\(session, case, actor, "([a-z_]+)"', source))
        recorded |= set(re.findall(r'action, data = "([a-z_]+)"', source))
    admin_only = {a for a in recorded if a.split("_")[0] in ("agency", "user", "token", "negative")}
    for action in sorted(recorded - admin_only):
        label = event_label(action)
        assert label != "其他事项" and re.search("[\u4e00-\u9fff]", label), action
    assert event_label("letter_issued") == "签发文书" and "letter_issued" in EVENT_LABELS
    assert event_label("register") == "登记"


def test_reasons_do_not_repeat_the_opening() -> None:
    assert without_opening("经审查，该信息可以公开。") == "该信息可以公开。"
    assert without_opening("经审查：部分涉及隐私") == "部分涉及隐私"
    assert without_opening("该信息由他机关制作。") == "该信息由他机关制作。"


def test_deadline_explanation_reads_as_chinese() -> None:
    line = "2026-12-01 收到申请，20个工作日 → 2026-12-30"
    assert readable(line) == "2026年12月1日 收到申请，20个工作日，期限至2026年12月30日"
    assert "→" not in readable(line) and "-" not in readable(line)
