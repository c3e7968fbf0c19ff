"""Which body hears an administrative reconsideration of the agency's reply (guided choice).

The remedy paragraph must name the reconsideration body (行政复议法 2023 第二十条第三款: if it
does not, the 60 days run only from when the applicant learns of it, up to one year).  The
agency chooses the rule that fits it, and the body follows from the rule and one name:

* ``same_level_government`` — a department of a county-level-or-above local government:
  that government (行政复议法 第二十四条第一款第（一）项).
* ``vertical_superior`` — customs, finance, foreign exchange, tax, state security and other
  vertically managed agencies: the next higher authority (上一级主管部门, 第二十七条).
* ``government_above`` — a local people's government replying itself: the government one
  level above (第二十四条第一款第（二）项).
* ``custom`` — a body typed before the guided choice existed or for a case the rules above
  do not cover (e.g. a State Council department, 第二十五条); shown with a warning.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from requests_service.domain.errors import RuleViolation

__all__ = ["RULE_NAME_FIELD", "ReconsiderationChoice", "ReconsiderationRule", "options", "resolve"]


class ReconsiderationRule(StrEnum):
    SAME_LEVEL_GOVERNMENT = "same_level_government"
    VERTICAL_SUPERIOR = "vertical_superior"
    GOVERNMENT_ABOVE = "government_above"
    CUSTOM = "custom"

    @property
    def label(self) -> str:
        return _INFO[self][0]

    @property
    def article(self) -> str:
        return _INFO[self][1]

    @property
    def explanation(self) -> str:
        return _INFO[self][2]


_INFO: Final[Mapping[ReconsiderationRule, tuple[str, str, str]]] = MappingProxyType(
    {
        ReconsiderationRule.SAME_LEVEL_GOVERNMENT: (
            "本级人民政府（县级以上地方人民政府工作部门）",
            "《中华人民共和国行政复议法》第二十四条第一款第（一）项",
            "本机关是县级以上地方人民政府的工作部门，由本级人民政府管辖行政复议",
        ),
        ReconsiderationRule.VERTICAL_SUPERIOR: (
            "上一级主管部门（实行垂直领导的行政机关）",
            "《中华人民共和国行政复议法》第二十七条",
            "本机关实行垂直领导（海关、金融、外汇管理、税务、国家安全等），"
            "由上一级主管部门管辖行政复议",
        ),
        ReconsiderationRule.GOVERNMENT_ABOVE: (
            "上一级人民政府（人民政府自行答复）",
            "《中华人民共和国行政复议法》第二十四条第一款第（二）项",
            "答复机关是地方人民政府本身，由上一级人民政府管辖行政复议",
        ),
        ReconsiderationRule.CUSTOM: (
            "自行填写",
            "",
            "行政复议机关为手工填写，未按行政复议法第二十四条、第二十七条的规则选择，请核实",
        ),
    }
)

RULE_NAME_FIELD: Final[Mapping[ReconsiderationRule, str]] = MappingProxyType(
    {
        ReconsiderationRule.SAME_LEVEL_GOVERNMENT: "same_level_government",
        ReconsiderationRule.VERTICAL_SUPERIOR: "higher_authority",
        ReconsiderationRule.GOVERNMENT_ABOVE: "higher_government",
        ReconsiderationRule.CUSTOM: "reconsideration_body",
    }
)
"""The agency setting that names the body under each rule."""


@dataclass(frozen=True)
class ReconsiderationChoice:
    rule: ReconsiderationRule
    body: str | None
    applies: bool
    missing_name: bool

    def as_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule.value,
            "label": self.rule.label,
            "article": self.rule.article,
            "explanation": self.rule.explanation,
            "name_field": RULE_NAME_FIELD[self.rule],
            "body": self.body,
            "applies": self.applies,
            "missing_name": self.missing_name,
        }


def resolve(rule: ReconsiderationRule | str, names: Mapping[str, str | None]) -> str:
    """The body named under ``rule``; :class:`RuleViolation` when its name is not set."""
    try:
        chosen = ReconsiderationRule(rule)
    except ValueError:
        allowed = "、".join(f"{r.value}（{r.label}）" for r in ReconsiderationRule)
        raise RuleViolation(
            f"未知的行政复议机关确定规则“{rule}”，可选：{allowed}",
            fields={"reconsideration_rule": ["未知的规则。"]},
        ) from None
    field = RULE_NAME_FIELD[chosen]
    body = (names.get(field) or "").strip()
    if not body:
        raise RuleViolation(
            f"按“{chosen.label}”确定行政复议机关，须填写其名称（{field}）。",
            fields={field: [f"请填写{chosen.label}的名称。"]},
        )
    return body


def options(rule: str, names: Mapping[str, str | None]) -> list[ReconsiderationChoice]:
    """Every rule with the body it would give for this agency and whether it is the one in
    force (``rule``, empty when none is chosen)."""
    result = []
    for candidate in ReconsiderationRule:
        body = (names.get(RULE_NAME_FIELD[candidate]) or "").strip() or None
        result.append(
            ReconsiderationChoice(
                rule=candidate,
                body=body,
                applies=candidate.value == rule,
                missing_name=body is None,
            )
        )
    return result
