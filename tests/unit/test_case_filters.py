"""The case list's query arguments, its typed filters and its filter table agree, so every
argument the spec offers narrows the list and no filter is unreachable."""

from __future__ import annotations

from dataclasses import fields

from requests_service.api.cases.schemas import CaseQueryArgsSchema
from requests_service.services.queries import CASE_FILTERS, SORT_COLUMNS, CaseFilters

# Pagination, not filtering: the service takes it as its own keyword.
PAGINATION_ARGUMENTS = {"exact_total"}


def _filter_names() -> set[str]:
    return {f.name for f in fields(CaseFilters)}


def test_every_query_argument_is_a_filter_field() -> None:
    assert set(CaseQueryArgsSchema().fields) - PAGINATION_ARGUMENTS == _filter_names()


def test_every_filter_field_but_the_sort_has_its_condition() -> None:
    assert set(CASE_FILTERS) == _filter_names() - {"sort"}


def test_loaded_arguments_build_the_filters() -> None:
    args = CaseQueryArgsSchema().load(
        {"state": ["registered"], "open": "true", "due_within": "3", "sort": "due_on"}
    )
    args.pop("exact_total")
    filters = CaseFilters(**args)
    assert filters.open is True and filters.due_within == 3 and filters.sort == "due_on"
    assert [s.value for s in filters.state or ()] == ["registered"]
    assert filters.sort.lstrip("-") in SORT_COLUMNS


def test_no_filter_by_default_sorts_newest_first() -> None:
    assert CaseFilters().sort == "-id"
    assert all(getattr(CaseFilters(), name) is None for name in CASE_FILTERS)
