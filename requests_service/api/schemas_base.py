"""Shared schema pieces: Chinese messages for unknown fields, enum fields with labels."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from enum import StrEnum
from typing import Any, Protocol, cast

import marshmallow as ma
from marshmallow import ValidationError, fields, pre_load, validate, validates_schema
from webargs.multidictproxy import MultiDictProxy

from requests_service.api import i18n  # noqa: F401  (installs Chinese messages)
from requests_service.domain.errors import RuleViolation

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
_INT_RANGE = validate.Range(
    min=INT32_MIN, max=INT32_MAX, error="整数超出允许范围（-2147483648至2147483647）。"
)


def _bound_integers(field: fields.Field[Any]) -> None:
    """Integers in queries and bodies fit the int4 columns they end up in (→ 422, not a
    database overflow error); fields with their own Range keep it."""
    if isinstance(field, fields.List):
        _bound_integers(field.inner)
    elif isinstance(field, fields.Integer) and not any(
        isinstance(v, validate.Range) for v in field.validators
    ):
        field.validators = [*field.validators, _INT_RANGE]


# Text that looks empty or hides its real order must not be stored (issue 15, item 4). The
# refused characters are one table of code-point ranges, read both by the validators and by the
# published contract (``request_constraints``), so the spec promises exactly what the code accepts.
_INVISIBLE_RANGES = (
    (0x200B, 0x200D),
    (0x2060, 0x2060),
    (0xFEFF, 0xFEFF),
    (0x180E, 0x180E),
    (0xAD, 0xAD),
)
_BIDI_RANGES = ((0x061C, 0x061C), (0x200E, 0x200F), (0x202A, 0x202E), (0x2066, 0x2069))
# C0 and C1 controls except tab, line feed and carriage return (multi-line texts keep those).
_CONTROL_RANGES = ((0x00, 0x08), (0x0B, 0x0C), (0x0E, 0x1F), (0x7F, 0x9F))
# Emoji are refused: every text may be printed in an issued letter (a legal act) or the annual
# report, whose CJK fonts have no emoji glyphs (they would print as blank boxes), a person's or
# organisation's name never contains them, and emoji sequences carry invisible joiners.
_EMOJI_RANGES = ((0x1F000, 0x1FAFF), (0x1FC00, 0x1FFFF), (0xFE0F, 0xFE0F), (0x20E3, 0x20E3))


def _python_class(ranges: Iterable[tuple[int, int]]) -> str:
    return "".join(
        f"\\U{first:08x}" + (f"-\\U{last:08x}" if last != first else "") for first, last in ranges
    )


def _ecma_class(ranges: Iterable[tuple[int, int]]) -> str:
    """ECMA-262 escapes for the basic plane; characters beyond it literally (a surrogate-pair
    escape would mean two separate code units to Python's and Rust's regex engines)."""

    def one(code_point: int) -> str:
        return f"\\u{code_point:04X}" if code_point <= 0xFFFF else chr(code_point)

    return "".join(
        one(first) + (f"-{one(last)}" if last != first else "") for first, last in ranges
    )


_INVISIBLE = _python_class(_INVISIBLE_RANGES)
_EDGES = re.compile(f"^[\\s{_INVISIBLE}]+|[\\s{_INVISIBLE}]+$")
_BIDI = re.compile(f"[{_python_class(_BIDI_RANGES)}]")
_CONTROL = re.compile(f"[{_python_class(_CONTROL_RANGES)}]")
_EMOJI = re.compile(f"[{_python_class(_EMOJI_RANGES)}]")

# In the spec the text rules are a ``not``: a text matching any of these is refused. Stated as
# positive patterns (classes of every allowed character) they made generating valid texts, and
# schemathesis' coverage phase, several times slower.
_SPEC_REFUSED = _ecma_class((*_CONTROL_RANGES, *_BIDI_RANGES, *_EMOJI_RANGES))
_SPEC_BLANK = f"\\s{_ecma_class(_INVISIBLE_RANGES)}"
TEXT_REFUSED = {
    "anyOf": [{"pattern": f"[{_SPEC_REFUSED}]"}, {"pattern": f"^[{_SPEC_BLANK}]+$"}],
}
# Also no blank edges: lengths are checked after stripping them, so where a minimum length of
# two or more applies, the spec promises only texts whose length is what is checked.
TRIMMED_TEXT_REFUSED = {
    "anyOf": [
        {"pattern": f"[{_SPEC_REFUSED}]"},
        {"pattern": f"^[{_SPEC_BLANK}]"},
        {"pattern": f"[{_SPEC_BLANK}]$"},
    ],
}
# What marshmallow's URL field accepts, narrowed to what a generator can draw without guessing.
URL_PATTERN = (
    "^https?://[a-z0-9](?:[a-z0-9-]{0,20}[a-z0-9])?(?:\\.[a-z0-9](?:[a-z0-9-]{0,20}[a-z0-9])?)*"
    "\\.[a-z]{2,6}(?:/[A-Za-z0-9._~-]*)*$"
)

BLANK_MESSAGE = "不能只包含空格或不可见字符。"


def _forbidden_reason(text: str, *, stored: bool = True) -> str | None:
    if _BIDI.search(text):
        return "不能包含双向文本控制字符（如U+202E），它们会改变文字的显示顺序。"
    if _CONTROL.search(text):
        return "不能包含控制字符。"
    if stored and _EMOJI.search(text):
        return "不能包含表情符号（Emoji）：文书和统计报表无法正确显示。"
    return None


def clean_text(text: str, *, stored: bool = True) -> str:
    """Strip whitespace and invisible characters at both ends; refuse text that is nothing but
    those, and text with bidi overrides, control characters or (text to be stored, not search
    terms in a query string) emoji (ValidationError)."""
    reason = _forbidden_reason(text, stored=stored)
    if reason:
        raise ValidationError(reason)
    cleaned = _EDGES.sub("", text)
    if text and not cleaned:
        raise ValidationError(BLANK_MESSAGE)
    return cleaned


def _check_nested_text(value: Any) -> None:
    """Free-form documents (Dict/Raw fields): refuse hidden or unprintable characters."""
    stack = [value]
    while stack:
        current = stack.pop()
        if isinstance(current, str):
            reason = _forbidden_reason(current)
            if reason:
                raise ValidationError(reason)
        elif isinstance(current, Mapping):
            stack.extend(current.keys())
            stack.extend(current.values())
        elif isinstance(current, list):
            stack.extend(current)


def _clean_value(field: fields.Field[Any], value: Any, stored: bool = True) -> Any:
    if isinstance(field, fields.String) and isinstance(value, str):
        return clean_text(value, stored=stored)
    if isinstance(field, fields.List) and isinstance(value, list):
        errors: dict[int, Any] = {}
        cleaned = []
        for index, item in enumerate(value):
            try:
                cleaned.append(_clean_value(field.inner, item, stored))
            except ValidationError as exc:
                errors[index] = exc.messages
        if errors:
            raise ValidationError(errors)
        return cleaned
    if isinstance(field, fields.Dict | fields.Raw) and not isinstance(field, fields.Nested):
        _check_nested_text(value)
    return value


# Metadata key of a Dict field whose keys are a closed set: the JSON schema stated in the spec
# (OpenAPI 3.0 has no ``propertyNames``, so free keys could not be constrained otherwise).
CLOSED = "closed_schema"


def closed_texts(keys: Iterable[str], *, max_length: int) -> dict[str, Any]:
    """A JSON object of optional texts under known keys (e.g. a letter's editable variables)."""
    text = {
        "type": "string",
        "minLength": 1,
        "maxLength": max_length,
        "not": TRIMMED_TEXT_REFUSED,
    }
    return {
        "type": "object",
        "properties": {key: dict(text) for key in sorted(keys)},
        "additionalProperties": False,
    }


def request_constraints(
    self: Any, field: fields.Field[Any], ret: dict[str, Any], **_: Any
) -> dict[str, Any]:
    """apispec attribute function: the rules the validators apply, stated in the spec, so a
    client (or a contract fuzzer) knows which inputs are valid before sending them — the text
    rules of ``clean_text`` as a ``not``, the reporting-date range as a year pattern, and an
    enum narrowed by its ``OneOf``. Output-only fields describe what the service wrote."""
    if field.dump_only:
        return {}
    if isinstance(field, fields.Dict) and CLOSED in field.metadata:
        return dict(field.metadata[CLOSED])
    if isinstance(field, fields.Enum):
        allowed = [
            getattr(choice, "value", choice)
            for v in field.validators
            if isinstance(v, validate.OneOf)
            for choice in v.choices
        ]
        return {"enum": allowed} if allowed else {}
    if isinstance(field, fields.Date) and _DATES in field.validators:
        # Whole dates (to the 28th, which every month has), so a generator need not filter.
        return {"pattern": "^(?:20[0-9]{2}|2100)-(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])$"}
    if not isinstance(field, fields.String) or "pattern" in ret:
        return {}
    if isinstance(field, fields.URL):
        return {"pattern": URL_PATTERN}
    if "format" in ret or "enum" in ret:
        return {}
    trimmed = (ret.get("minLength") or 0) >= 2
    return {"not": TRIMMED_TEXT_REFUSED if trimmed else TEXT_REFUSED}


class BaseSchema(ma.Schema):
    error_messages = {"unknown": "未知字段。", "type": "格式无效，应为JSON对象。"}

    class Meta:
        ordered = True

    def on_bind_field(self, field_name: str, field_obj: fields.Field[Any]) -> None:
        _bound_integers(field_obj)

    @pre_load
    def _clean_texts(self, data: Any, **_: Any) -> Any:
        """Every text field is stripped (so lengths are checked on what is stored) and refused
        when blank, or with bidi overrides, control characters or emoji."""
        if not isinstance(data, Mapping):
            return data
        by_key = {f.data_key or name: f for name, f in self.load_fields.items()}
        stored = not isinstance(data, MultiDictProxy)  # query strings are searches, not stored
        cleaned: dict[str, Any] = {}
        errors: dict[str, Any] = {}
        for key in data:
            value = data[key]
            field = by_key.get(key)
            if field is not None:
                try:
                    value = _clean_value(field, value, stored)
                except ValidationError as exc:
                    errors[key] = exc.messages
            cleaned[key] = value
        if errors:
            raise ValidationError(errors)
        return cleaned


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
            # A rule between two well-formed dates, which no schema of either can state.
            raise RuleViolation(
                "结束日期不能早于开始日期。", fields={"date_to": ["结束日期不能早于开始日期。"]}
            )
