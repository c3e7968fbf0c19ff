"""Response dumping compiled from the marshmallow schema objects (issue 16, hot read paths).

Why this exists: marshmallow dumps each field through ``Field.serialize`` → ``get_value`` →
``Schema.get_attribute`` → ``utils.get_value`` → ``_get_value_for_key`` → ``_serialize`` (and
``ensure_text_type`` for a string): five to seven Python calls per field and row. The case list
dumps a page of 20 rows of 23 fields each (with a nested applicant), about 160 calls per row.
Measured with ``bench/profile_reads.py`` (Python calls per request, deterministic), the plans
take the list from 7,745 to 6,166 calls (about 80 fewer per row), the detail from 5,148 to 4,648,
tracking 5,583 → 5,377, the deadline calculator 2,618 → 2,490, the fee calculator
2,040 → 1,954.

How: :func:`compile_dump` walks a schema instance's ``dump_fields`` once and builds a plan —
for each field, the output key, where its value is read and how it is converted. Values are
read the way ``utils.get_value`` reads them (``obj[key]``, falling back to ``getattr``; plain
``getattr`` for objects without ``__getitem__``); the conversions of the field types the hot
schemas use are done inline when the value has exactly the type marshmallow would convert
(``str``, ``int``, ``date``, ``datetime`` with ISO formats, enums by value, nested schemas,
lists), and by the field's own ``_serialize`` otherwise. Any field whose class overrides
``serialize`` or ``get_value`` is dumped by marshmallow itself (``field.serialize``), and a
schema with dump hooks, its own ``get_attribute``/``_serialize`` or another ``dict_class`` is
not compiled at all (``schema.dump``). So the plan changes how often Python is called, never
what is produced; ``tests/api/test_compiled_dump.py`` compares both byte for byte on every
schema that uses it.

Only under marshmallow 4 (the field internals above are 4.x's; marshmallow 3 still passed
``context`` and called Function fields differently): with any other major version
:func:`compile_dump` returns None and schemas dump as usual. Only schemas that inherit
:class:`CompiledDump` use it — the responses of the hot read paths.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial
from importlib.metadata import version
from typing import Any

import marshmallow as ma
from marshmallow import fields, missing
from marshmallow.decorators import POST_DUMP, PRE_DUMP
from marshmallow.utils import get_value

ACTIVE = version("marshmallow").split(".")[0] == "4"

Dump = Callable[[Any, bool], Any]  # (obj, many) -> dumped

# How a field's value is obtained and converted (a small int compared in the loop).
_MARSHMALLOW, _FUNCTION, _RAW, _STR, _INT, _DATE, _DATETIME, _ENUM, _NESTED, _LIST, _OWN = range(11)
_ISO = ("iso", "iso8601")
_ANY: Any = object()  # "any type": the value is dumped as it is

# Exact field classes whose conversion is known, with the options under which it is.
_KNOWN: dict[type, tuple[int, Callable[[Any], bool]]] = {
    fields.Raw: (_RAW, lambda f: True),  # Field._serialize: the value as it is
    fields.Boolean: (_RAW, lambda f: True),  # marshmallow 4's Boolean does not convert on dump
    fields.String: (_STR, lambda f: True),
    fields.Integer: (_INT, lambda f: not f.as_string),
    fields.Date: (_DATE, lambda f: f.format in _ISO),
    fields.DateTime: (_DATETIME, lambda f: f.format in _ISO),
    fields.AwareDateTime: (_DATETIME, lambda f: f.format in _ISO),
    fields.Enum: (_ENUM, lambda f: f.by_value is True),  # then its inner field is Raw
}
# Values of exactly this type come out unchanged.
_PLAIN = {_RAW: _ANY, _STR: str, _INT: int}
# List calls inner._serialize(each, …) directly: only plain value conversions qualify.
_ITEM_KINDS = (_RAW, _STR, _INT, _DATE, _DATETIME, _ENUM, _NESTED)

Step = tuple[str, str, str, Any, Any, int, Any, Any]


def _kind(field: Any, schemas: dict[int, Dump | None]) -> tuple[int, Any]:
    """The plan step of one field: (kind, extra), where extra is the function for _FUNCTION,
    (nested dump, many) for _NESTED and the items' (kind, extra) for _LIST."""
    cls = type(field)
    if not field._CHECK_ATTRIBUTE:  # marshmallow passes None and the object (Function, Method)
        return (_FUNCTION, field.serialize_func) if cls is fields.Function else (_MARSHMALLOW, None)
    if cls.serialize is not fields.Field.serialize or cls.get_value is not fields.Field.get_value:
        return _MARSHMALLOW, None
    known = _KNOWN.get(cls)
    if known is not None and known[1](field):
        return known[0], None
    if cls is fields.Nested:
        nested = _compile(field.schema, schemas)
        if nested is not None:
            return _NESTED, (nested, bool(field.schema.many or field.many))
    if cls is fields.List:
        inner = _kind(field.inner, schemas)
        if inner[0] in _ITEM_KINDS:
            return _LIST, inner
    return _OWN, None


def _convert(kind: int, extra: Any, field: Any, value: Any, name: str, obj: Any) -> Any:
    """``field._serialize(value, name, obj)`` for a value that is not None, without the calls
    where the type is plain."""
    if kind == _ENUM:
        return value.value
    if (kind == _DATE and type(value) is dt.date) or (
        kind == _DATETIME and type(value) is dt.datetime
    ):
        return value.isoformat()
    if kind == _NESTED:
        return extra[0](value, extra[1])
    if kind == _LIST:
        return [_item(extra, field.inner, each, name, obj) for each in value]
    return field._serialize(value, name, obj)


def _item(step: tuple[int, Any], field: Any, value: Any, name: str, obj: Any) -> Any:
    kind, extra = step
    plain = _PLAIN.get(kind)
    if value is None or plain is _ANY or type(value) is plain:
        return value  # None: what each of the item kinds' _serialize returns for it
    return _convert(kind, extra, field, value, name, obj)


def _read_item(obj: Any, key: str, default: Any) -> Any:
    """``utils._get_value_for_key`` for an object with ``__getitem__``."""
    try:
        return obj[key]
    except (KeyError, IndexError, TypeError, AttributeError):
        return getattr(obj, key, default)


def _default(field: Any) -> Any:
    default = field.dump_default
    return default() if callable(default) else default


def _compilable(schema: ma.Schema) -> bool:
    cls = type(schema)
    return (
        ACTIVE
        and not schema._hooks[PRE_DUMP]
        and not schema._hooks[POST_DUMP]
        and cls._serialize is ma.Schema._serialize
        and cls.get_attribute is ma.Schema.get_attribute
        and cls.dump in (ma.Schema.dump, CompiledDump.dump)
        and schema.dict_class is dict
    )


def _compile(schema: ma.Schema, schemas: dict[int, Dump | None]) -> Dump | None:
    if id(schema) in schemas:
        return schemas[id(schema)]
    schemas[id(schema)] = None  # a schema nesting itself is left to marshmallow
    if not _compilable(schema):
        return None
    steps: list[Step] = []
    for name, field in schema.dump_fields.items():
        kind, extra = _kind(field, schemas)
        if kind == _MARSHMALLOW:  # the field dumps itself, as in Schema._serialize
            kind, extra = _FUNCTION, partial(field.serialize, name, accessor=schema.get_attribute)
        key = name if field.attribute is None else field.attribute
        steps.append(
            (
                field.data_key if field.data_key is not None else name,
                name,
                key,
                get_value if "." in key else None,  # a dotted path: marshmallow's reader
                field,
                kind,
                extra,
                _PLAIN.get(kind),
            )
        )
    dump = _plan(steps)
    schemas[id(schema)] = dump
    return dump


def _plan(steps: list[Step]) -> Dump:
    def dump_one(obj: Any) -> dict[str, Any]:
        ret: dict[str, Any] = {}
        read = _read_item if hasattr(obj, "__getitem__") else getattr
        for out, name, key, reader, field, kind, extra, plain in steps:
            if kind == _FUNCTION:
                value = extra(obj)
            else:
                value = (reader or read)(obj, key, missing)
                if value is missing:
                    value = _default(field)
                    if value is missing:
                        continue
                if (value is None and kind != _OWN) or plain is _ANY or type(value) is plain:
                    pass  # None: what each known kind's _serialize returns for it
                else:
                    value = _convert(kind, extra, field, value, name, obj)
            if value is not missing:
                ret[out] = value
        return ret

    def dump(obj: Any, many: bool) -> Any:
        if many and obj is not None:
            return [dump_one(each) for each in obj]
        return dump_one(obj)

    return dump


def compile_dump(schema: ma.Schema) -> Dump | None:
    """A function dumping like ``schema.dump(obj, many=many)``; None when ``schema`` (or this
    marshmallow) is one the plan does not cover."""
    return _compile(schema, {})


_UNCOMPILED: Any = object()


class CompiledDump(ma.Schema):
    """A response schema dumped through its compiled plan (built on first use, per instance)."""

    def dump(self, obj: Any, *, many: bool | None = None) -> Any:
        plan = self.__dict__.get("_compiled_dump", _UNCOMPILED)
        if plan is _UNCOMPILED:
            plan = self.__dict__["_compiled_dump"] = compile_dump(self)
        if plan is None:
            return super().dump(obj, many=many)
        return plan(obj, self.many if many is None else bool(many))
