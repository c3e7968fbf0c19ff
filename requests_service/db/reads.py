"""Several small reads in one statement (issue 16: on the read hot paths each statement cost
more — a round trip, the driver's and SQLAlchemy's per-statement work — than its rows).

:func:`tagged_union` puts reads of different shapes side by side in one ``UNION ALL``: each
row carries its part's number, its rank in that part's own order and the part's columns in a
slot of their own (every other slot NULL, cast to that slot's type, so both databases type the
union's columns alike and SQLAlchemy converts each value as its column's type converts it).
Rows come back part by part, each part in its own order; :func:`split_parts` hands each part
its own columns, as its own SELECT would have given them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    FromClause,
    Integer,
    cast,
    func,
    literal_column,
    null,
    select,
    union_all,
)


@dataclass(frozen=True)
class Part:
    """One read of the union: its columns, its conditions and the order of its rows, and the
    FROM it reads (joins; by default, the columns' tables)."""

    columns: Sequence[ColumnElement[Any]]
    where: Sequence[ColumnElement[bool]]
    order_by: Sequence[ColumnElement[Any]]
    from_: FromClause | None = None


def tagged_union(parts: Sequence[Part]) -> CompoundSelect[Any]:
    """One statement reading every part; rows ordered by part, then by the part's order."""
    widths = [len(part.columns) for part in parts]
    slots = [column for part in parts for column in part.columns]
    branches = []
    start = 0
    for number, part in enumerate(parts):
        own = range(start, start + widths[number])
        columns = [slots[i] if i in own else cast(null(), slots[i].type) for i in range(len(slots))]
        rank = func.row_number().over(order_by=list(part.order_by))
        branch = select(
            literal_column(str(number), Integer).label("part"),
            rank.label("rank"),
            *(column.label(f"c{i}") for i, column in enumerate(columns)),
        )
        if part.from_ is not None:
            branch = branch.select_from(part.from_)
        branches.append(branch.where(*part.where))
        start += widths[number]
    union = union_all(*branches)
    return union.order_by(union.selected_columns.part, union.selected_columns.rank)


def split_parts(
    parts: Sequence[Part], rows: Iterable[Sequence[Any]]
) -> list[list[tuple[Any, ...]]]:
    """Each part's rows (its own columns only), in its order, from :func:`tagged_union`'s."""
    bounds = []
    start = 2  # after the part's number and rank
    for part in parts:
        bounds.append((start, start + len(part.columns)))
        start += len(part.columns)
    found: list[list[tuple[Any, ...]]] = [[] for _ in parts]
    for row in rows:
        low, high = bounds[row[0]]
        found[row[0]].append(tuple(row[low:high]))
    return found
