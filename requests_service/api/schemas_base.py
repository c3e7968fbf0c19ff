"""Shared schema pieces: Chinese messages for unknown fields, enum fields with labels."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from enum import StrEnum
from typing import Any, Protocol, cast

import marshmallow as ma
from marshmallow import ValidationError, fields, validate, validates_schema

from requests_service.api import i18n  # noqa: F401  (installs Chinese messages)


class BaseSchema(ma.Schema):
    error_messages = {"unknown": "未知字段。", "type": "格式无效，应为JSON对象。"}

    class Meta:
        ordered = True


class Labelled(Protocol):
    """A code-table member: the English value the API uses and the Chinese label people read."""

    @property
    def value(self) -> str: ...

    @property
    def label(self) -> str: ...


def labels_of(enum_cls: Iterable[Labelled]) -> list[dict[str, str]]:
    return [{"value": m.value, "label": m.label} for m in enum_cls]


def enum_field(enum_cls: type[StrEnum], **kwargs: Any) -> fields.Enum[Any]:
    """An enum accepted and returned by value; its Chinese labels go into the description."""
    members: Iterable[Labelled] = cast(Iterable[Labelled], enum_cls)
    labels = "；".join(f"{m['value']}={m['label']}" for m in labels_of(members))
    metadata = dict(kwargs.pop("metadata", {}))
    metadata["description"] = (metadata.get("description", "") + " 取值：" + labels).strip()
    metadata.setdefault("type", "string")  # typed enums in generated clients, not Any
    return fields.Enum(enum_cls, by_value=True, metadata=metadata, **kwargs)


def money(**kwargs: Any) -> fields.Decimal:
    """An amount in yuan: a string with two decimals on the wire ("100.00"), so in the spec."""
    return fields.Decimal(
        as_string=True,
        places=2,
        metadata={"type": "string", "format": "decimal", "example": "100.00"},
        **kwargs,
    )


def label_of(attr: str) -> fields.Function:
    """A read-only `<attr>_label` field: the Chinese label of an enum attribute."""

    def _label(obj: Any) -> str | None:
        value = getattr(obj, attr, None) if not isinstance(obj, dict) else obj.get(attr)
        return value.label if value is not None else None

    return fields.Function(_label, dump_only=True, metadata={"type": "string", "nullable": True})


_DATES = validate.Range(
    min=date(2000, 1, 1), max=date(2100, 12, 31), error="日期应在2000-01-01至2100-12-31之间。"
)


class PeriodArgsSchema(BaseSchema):
    """A reporting period: both days included; the end may not precede the start."""

    date_from = fields.Date(
        required=True, validate=_DATES, metadata={"description": "开始日期（含）"}
    )
    date_to = fields.Date(
        required=True, validate=_DATES, metadata={"description": "结束日期（含）"}
    )

    @validates_schema
    def _ordered(self, data: dict[str, Any], **_: Any) -> None:
        if data["date_to"] < data["date_from"]:
            raise ValidationError("结束日期不能早于开始日期。", "date_to")
