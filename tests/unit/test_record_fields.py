"""The read hot paths read only the columns their responses show, into records and dicts
(issue 16); marshmallow skips an attribute or key the object lacks, so a field added to a
response schema without its column in the read path's tuple would be missing from the answer
without any error. These static checks say, for each such response (case detail, case list,
fee assessments, tracking), that every field the schema dumps from an attribute or a key is
one the read path builds.

Read from the schemas and the read paths' column tuples (no database): an attribute field reads
``field.attribute or name``; a ``label_of`` field reads its source with ``getattr(.., None)``
(missing, it answers null), so its source counts too. Other function fields raise when what
they read is missing, which the API tests would catch.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable
from typing import Any

import marshmallow as ma
from marshmallow import fields

from requests_service.api.cases.schemas import CaseDetailSchema, CaseSummarySchema
from requests_service.api.fees.schemas import FeeAssessmentSchema
from requests_service.api.public.schemas import TrackingSchema
from requests_service.services import case_views, public_view
from requests_service.services import fees as fee_service

# The related rows the record read paths attach to a case record (read_case_for, _summary,
# read_tracked_case).
RELATED = {"agency", "applicant", "assignee"}


def _sources(schema: ma.Schema) -> dict[str, fields.Field]:
    """What the schema's dump reads of the object, with the field that reads it."""
    found: dict[str, fields.Field] = {}
    for name, field in schema.dump_fields.items():
        if isinstance(field, fields.Method):
            continue
        if isinstance(field, fields.Function):
            function = field.serialize_func
            if function is not None and function.__qualname__.startswith("label_of."):
                found[inspect.getclosurevars(function).nonlocals["attr"]] = field
            continue
        found[field.attribute or name] = field
    return found


def _nested(schema: ma.Schema, name: str) -> ma.Schema:
    """The schema a nested field (or a list of them) dumps with."""
    field = schema.dump_fields[name]
    if isinstance(field, fields.List):
        field = field.inner
    assert isinstance(field, fields.Nested), name
    nested = field.schema
    assert isinstance(nested, ma.Schema)
    return nested


def _missing(schema: ma.Schema, provided: set[str] | tuple[str, ...]) -> set[str]:
    return set(_sources(schema)) - set(provided)


def _function(function: Callable[..., Any]) -> ast.FunctionDef:
    node = ast.parse(textwrap.dedent(inspect.getsource(function))).body[0]
    assert isinstance(node, ast.FunctionDef)
    return node


def _keys(node: ast.Dict) -> set[str]:
    keys = {key.value for key in node.keys if isinstance(key, ast.Constant)}
    assert len(keys) == len(node.keys), "a dict built with ** or computed keys"
    return {str(key) for key in keys}


def test_the_checks_see_attribute_and_label_fields() -> None:
    sources = _sources(CaseSummarySchema())
    assert {"id", "state", "channel", "outcome", "applicant"} <= set(sources)
    assert "agency_name" not in sources  # a function field, which raises when it cannot read


def test_the_case_detail_reads_every_field_it_dumps() -> None:
    """``read_case_for``'s record, its related rows and what ``case_detail`` computes."""
    annotated = next(
        node
        for node in ast.walk(_function(case_views.case_detail))
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Annotated"
    )
    computed = {keyword.arg for keyword in annotated.keywords if keyword.arg}
    assert {"allowed_actions", "clock", "fees"} <= computed
    schema = CaseDetailSchema()
    assert _missing(schema, {*case_views._DETAIL_CASE, *RELATED, *computed}) == set()
    assert _missing(_nested(schema, "applicant"), case_views._DETAIL_APPLICANT) == set()


def test_the_fee_assessments_read_every_field_they_dump() -> None:
    """The detail's fees (read with the case) and ``/cases/{id}/fees`` (``assessments_of``)."""
    assert _missing(FeeAssessmentSchema(), case_views._FEE_COLUMNS) == set()
    assert _missing(FeeAssessmentSchema(), fee_service._ASSESSMENT_COLUMNS) == set()


def test_the_case_list_reads_every_field_it_dumps() -> None:
    schema = CaseSummarySchema()
    assert _missing(schema, {*case_views._SUMMARY_CASE, *RELATED}) == set()
    assert _missing(_nested(schema, "applicant"), case_views.MASKED_APPLICANT) == set()


def test_tracking_builds_every_field_it_dumps() -> None:
    """``tracking_view``'s dict, its timeline, fee and letter dicts, and the records of the
    applicant (``read_tracked_case``) and of their files."""
    function = _function(public_view.tracking_view)
    assigned = {
        target.id: node.value
        for node in ast.walk(function)
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    returned = [
        node.value
        for node in ast.walk(function)
        if isinstance(node, ast.Return) and isinstance(node.value, ast.Dict)
    ]
    assert len(returned) == 1
    view = returned[0]
    schema = TrackingSchema()
    assert _missing(schema, _keys(view)) == set()
    listed = 0
    for key, value in zip(view.keys, view.values, strict=True):
        assert isinstance(key, ast.Constant)
        if isinstance(value, ast.Name) and value.id in assigned:
            value = assigned[value.id]
        if isinstance(value, ast.ListComp) and isinstance(value.elt, ast.Dict):
            assert _missing(_nested(schema, str(key.value)), _keys(value.elt)) == set(), key.value
            listed += 1
    assert listed == 3  # timeline, fees, letters
    assert _missing(_nested(schema, "applicant"), public_view.MASKED_APPLICANT) == set()
    assert _missing(_nested(schema, "files"), public_view._FILE_COLUMNS) == set()
