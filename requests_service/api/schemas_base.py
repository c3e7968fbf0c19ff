"""Shared schema pieces: Chinese messages for unknown fields, enum fields with labels."""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Any

import marshmallow as ma
from marshmallow import ValidationError, fields, validate, validates_schema

from requests_service.api import i18n  # noqa: F401  (installs Chinese messages)

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
_INT_RANGE = validate.Range(
    min=INT32_MIN, max=INT32_MAX, error="整数超出允许范围（-2147483648至2147483647）。"
)


def _bound_integers(field: fields.Field) -> None:
    """Integers in queries and bodies fit the int4 columns they end up in (→ 422, not a
    database overflow error); fields with their own Range keep it."""
    if isinstance(field, fields.List):
        _bound_integers(field.inner)
    elif isinstance(field, fields.Integer) and not any(
        isinstance(v, validate.Range) for v in field.validators
    ):
        field.validators = [*field.validators, _INT_RANGE]


class BaseSchema(ma.Schema):
    error_messages = {"unknown": "未知字段。", "type": "格式无效，应为JSON对象。"}

    class Meta:
        ordered = True

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        _bound_integers(field_obj)


def enum_field(enum_cls: type[Enum], **kwargs: Any) -> fields.Enum:
    """An enum accepted and returned by value; its Chinese labels go into the description."""
    labels = "；".join(f"{m.value}={m.label}" for m in enum_cls)  # type: ignore[attr-defined]
    metadata = dict(kwargs.pop("metadata", {}))
    metadata["description"] = (metadata.get("description", "") + " 取值：" + labels).strip()
    return fields.Enum(enum_cls, by_value=True, metadata=metadata, **kwargs)


def label_of(attr: str) -> fields.Function:
    """A read-only `<attr>_label` field: the Chinese label of an enum attribute."""

    def _label(obj: Any) -> str | None:
        value = getattr(obj, attr, None) if not isinstance(obj, dict) else obj.get(attr)
        return value.label if value is not None else None

    return fields.Function(_label, dump_only=True)


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
