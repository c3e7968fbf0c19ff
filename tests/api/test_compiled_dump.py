"""The compiled dump plans (``api/dumping.py``) produce exactly what marshmallow produces.

Every comparison is of JSON text (key order included, non-JSON values tagged with their type),
so a plan that returned ``Decimal("1")`` where marshmallow returns ``"1"`` would fail. Covered:
every response schema that uses a plan, on the objects the real endpoints dump (cases in many
states, tracking views, every calculator vector), on objects whose every value is None or
missing, and a schema with every field type and option the plan knows or falls back on.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal
from enum import Enum
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import marshmallow as ma
import pytest
from marshmallow import fields, missing, post_dump

import requests_service.api.calendar.schemas
import requests_service.api.cases.schemas
import requests_service.api.fees.schemas
import requests_service.api.public.schemas  # noqa: F401  (the schemas using plans)
from requests_service.api import dumping
from requests_service.api.dumping import CompiledDump, compile_dump
from tests.factories import World, company
from tests.helpers import PAYMENT, act, ok, propose_fee, register

pytestmark = pytest.mark.skipif(not dumping.ACTIVE, reason="plans are used under marshmallow 4")

VECTORS = json.loads(
    (Path(__file__).resolve().parents[1] / "data" / "vectors.json").read_text(encoding="utf-8")
)["vectors"]


def _tagged(value: Any) -> str:
    return f"<{type(value).__name__}:{value!r}>"


def _outcome(call: Any) -> str:
    """The JSON text of what ``call`` returns, or the exception it raises."""
    try:
        result = call()
    except Exception as error:
        return f"raised {type(error).__name__}"
    return json.dumps(result, ensure_ascii=False, default=_tagged)


def assert_same_dump(schema: ma.Schema, obj: Any, many: bool | None = None) -> str:
    plan = compile_dump(schema)
    assert plan is not None, type(schema).__name__
    expected = _outcome(lambda: ma.Schema.dump(schema, obj, many=many))
    got = _outcome(lambda: plan(obj, schema.many if many is None else bool(many)))
    assert got == expected, type(schema).__name__
    return expected


def _hot_schemas() -> set[type]:
    found: set[type] = set()
    pending = list(CompiledDump.__subclasses__())
    while pending:
        cls = pending.pop()
        if cls.__module__.startswith("requests_service."):
            found.add(cls)
        pending.extend(cls.__subclasses__())
    return found


def test_the_hot_response_schemas_use_a_plan() -> None:
    names = {cls.__name__ for cls in _hot_schemas()}
    assert {
        "CaseSummarySchema",
        "CaseDetailSchema",
        "TrackingSchema",
        "DeadlineResultSchema",
        "FeeQuoteSchema",
    } <= names
    for cls in _hot_schemas():
        assert compile_dump(cls()) is not None, cls.__name__


def _paused_with_fee_and_extension(client: Any, world: World) -> dict[str, Any]:
    case = register(client, world, submitted_at="2026-03-10T15:00:00+08:00")
    case_id = case["id"]
    ok(act(client, world, "handler", case_id, "start_review", on="2026-03-11"))
    ok(
        act(
            client,
            world,
            "handler",
            case_id,
            "request_correction",
            on="2026-03-12",
            correction_items=["请写明所需信息的年份"],
        )
    )
    ok(act(client, world, "registrar", case_id, "receive_correction", on="2026-03-20"))
    fee = propose_fee(client, world, case_id, units=11)
    ok(act(client, world, "approver", case_id, "issue_fee_notice", on="2026-04-08"))
    paid = {**PAYMENT, "amount": fee["amount"]}
    ok(act(client, world, "handler", case_id, "record_fee_payment", on="2026-04-10", **paid))
    ok(
        act(
            client,
            world,
            "approver",
            case_id,
            "extend",
            on="2026-04-15",
            extra_working_days=20,
            reason="需调取大量历史档案",
        )
    )
    return case


def test_the_endpoints_dump_exactly_what_marshmallow_dumps(
    client: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each dump of a hot schema, on the objects the endpoints really pass, is made both ways."""
    seen: list[str] = []
    compiled = CompiledDump.dump

    def both_ways(self: ma.Schema, obj: Any, *, many: bool | None = None) -> Any:
        seen.append(type(self).__name__)
        assert_same_dump(self, obj, many)
        return compiled(self, obj, many=many)

    monkeypatch.setattr(CompiledDump, "dump", both_ways)

    fresh = register(client, world)  # RegisteredCaseSchema
    involved = _paused_with_fee_and_extension(client, world)
    submitted = client.post(
        "/public/applications",
        json={
            "agency_id": world.agencies["A"],
            "applicant": company(2),
            "requested_information": "请公开2025年本市重点建设项目计划",
        },
    )
    assert submitted.status_code == 201, submitted.json
    receipt = submitted.json
    officer = world.auth("handler")
    for query in ("", "?page=1&page_size=2", "?sort=-due_on", "?open=true"):
        assert client.get(f"/cases{query}", headers=officer).status_code == 200
    for case_id in (fresh["id"], involved["id"], receipt["case_id"]):
        assert client.get(f"/cases/{case_id}", headers=officer).status_code == 200
    for tracked in (fresh, involved, receipt):
        response = client.get(
            f"/public/tracking/{tracked['tracking_code']}",
            headers={"X-Tracking-Secret": tracked["tracking_secret"]},
        )
        assert response.status_code == 200, response.json
    for vector in VECTORS:
        url = {"fee": "/fees/calculator", "deadline": "/calendar/deadline-calculator"}.get(
            vector["kind"]
        )
        if url:
            client.post(url, json=vector["inputs"])
    for name in ("CaseSummarySchema", "CaseDetailSchema", "TrackingSchema"):
        assert name in seen
    assert {"RegisteredCaseSchema", "DeadlineResultSchema", "FeeQuoteSchema"} <= set(seen)


@pytest.mark.parametrize("cls", sorted(_hot_schemas(), key=lambda c: c.__name__), ids=str)
def test_none_and_missing_values_dump_as_marshmallow_dumps_them(cls: type) -> None:
    schema = cls()
    names = list(schema.dump_fields)
    everything_none = SimpleNamespace(**dict.fromkeys(names))
    assert_same_dump(schema, everything_none)
    assert_same_dump(schema, dict.fromkeys(names))
    assert_same_dump(schema, {})  # every value missing (Function fields raise, both ways)
    assert_same_dump(schema, object())
    assert_same_dump(cls(many=True), [everything_none, dict.fromkeys(names)])


# A schema with every field type and option the plan knows, or hands back to marshmallow.


class Colour(Enum):
    RED = "red"
    GREEN = "green"


class Inner(ma.Schema):
    n = fields.Integer()
    on = fields.Date()


class Hooked(ma.Schema):
    n = fields.Integer()

    @post_dump
    def _mark(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        return {**data, "hooked": True}


class Angled(fields.Field):
    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> Any:
        return f"<{value}>"


class OwnValue(fields.String):
    def get_value(self, obj: Any, attr: str, accessor: Any = None, default: Any = missing) -> Any:
        return "own"


class Everything(CompiledDump, ma.Schema):
    class Meta:
        ordered = True

    s = fields.String(allow_none=True)
    i = fields.Integer()
    i_text = fields.Integer(as_string=True)
    f = fields.Float()
    money = fields.Decimal(places=2, as_string=True)
    number = fields.Decimal()
    b = fields.Boolean()
    raw = fields.Raw()
    day = fields.Date()
    day_text = fields.Date(format="%d/%m/%Y")
    at = fields.AwareDateTime()
    naive = fields.NaiveDateTime()
    stamp = fields.DateTime(format="timestamp")
    colour = fields.Enum(Colour)
    colour_value = fields.Enum(Colour, by_value=True)
    colour_text = fields.Enum(Colour, by_value=fields.String)
    inner = fields.Nested(Inner)
    inners = fields.Nested(Inner, many=True)
    inner_list = fields.List(fields.Nested(Inner))
    inner_only = fields.Nested(Inner, only=("n",))
    hooked = fields.Nested(Hooked)
    names = fields.List(fields.String())
    days = fields.List(fields.Date())
    floats = fields.List(fields.Float())
    mapping = fields.Dict()
    renamed = fields.String(data_key="renamed-out")
    via = fields.String(attribute="other")
    dotted = fields.Integer(attribute="inner.n")
    defaulted = fields.String(dump_default="default")
    default_call = fields.Integer(dump_default=lambda: 7)
    func = fields.Function(lambda o: getattr(o, "s", None))
    method = fields.Method("_method")
    angled = Angled()
    own = OwnValue()
    constant = fields.Constant("c")
    pluck = fields.Pluck(Inner, "n")
    secret = fields.String(load_only=True)
    link = fields.Url()
    ident = fields.UUID()

    def _method(self, obj: Any) -> str:
        return "m"


class Text(str):
    pass


class Moment(dt.datetime):
    pass


FULL = {
    "s": "文本",
    "i": 3,
    "i_text": 4,
    "f": 1.5,
    "money": Decimal("12.345"),
    "number": Decimal("1.10"),
    "b": True,
    "raw": Decimal("2.5"),
    "day": dt.date(2026, 3, 2),
    "day_text": dt.date(2026, 3, 2),
    "at": dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC),
    "naive": dt.datetime(2026, 3, 2, 10, 0),
    "stamp": dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC),
    "colour": Colour.RED,
    "colour_value": Colour.GREEN,
    "colour_text": Colour.RED,
    "inner": SimpleNamespace(n=1, on=dt.date(2026, 1, 1)),
    "inners": [{"n": 2, "on": None}, SimpleNamespace(n=3)],
    "inner_list": [{"n": 4, "on": dt.date(2026, 1, 2)}, None],
    "inner_only": {"n": 5, "on": dt.date(2026, 1, 3)},
    "hooked": {"n": 6},
    "names": ["a", Text("b"), None, 7],
    "days": [dt.date(2026, 1, 4), None, Moment(2026, 1, 5, 8, 0)],
    "floats": [1, 2.5, None],
    "mapping": {"k": [1, Decimal("2")]},
    "renamed": "r",
    "other": "o",
    "angled": "x",
    "own": "ignored",
    "pluck": {"n": 8},
    "secret": "never dumped",
    "link": "https://example.org/a",
    "ident": uuid.UUID("12345678-1234-5678-1234-567812345678"),
}

ODD = {
    **FULL,
    "s": Text("子类"),
    "i": True,
    "i_text": Decimal("5"),
    "raw": None,
    "day": Moment(2026, 3, 2, 23, 0),
    "at": Moment(2026, 3, 2, 10, 0, tzinfo=dt.UTC),
    "number": 3,
    "names": None,
    "inner": None,
    "inners": [],
}


@pytest.mark.parametrize("values", [FULL, ODD], ids=["plain", "odd types"])
def test_every_field_type_dumps_as_marshmallow_dumps_it(values: dict[str, Any]) -> None:
    schema = Everything()
    text = assert_same_dump(schema, values)
    assert '"renamed-out": "r"' in text and '"hooked": true' in text
    assert_same_dump(schema, SimpleNamespace(**values))
    assert_same_dump(schema, {key: None for key in values})
    assert_same_dump(schema, {})
    assert_same_dump(Everything(many=True), [values, SimpleNamespace(**values), {}])
    assert_same_dump(Everything(only=("s", "inner", "func")), values)


def test_the_schema_dump_uses_the_plan_and_a_schema_with_hooks_is_not_compiled() -> None:
    assert compile_dump(Hooked()) is None
    schema = Everything()
    assert schema.dump(FULL) == ma.Schema.dump(schema, FULL)
    assert schema.__dict__["_compiled_dump"] is not None


@pytest.mark.parametrize(
    ("page", "page_size", "item_count"), [(1, 10, 0), (1, 10, 5), (2, 10, 35), (9, 10, 35)]
)
def test_the_pagination_header_is_what_flask_smorest_dumps(
    page: int, page_size: int, item_count: int
) -> None:
    from flask_smorest import Blueprint as SmorestBlueprint

    from requests_service.api.blueprint import Blueprint

    ours = Blueprint._make_pagination_metadata(page, page_size, item_count)
    theirs = SmorestBlueprint._make_pagination_metadata(page, page_size, item_count)
    assert json.dumps(ours) == json.dumps(theirs)
