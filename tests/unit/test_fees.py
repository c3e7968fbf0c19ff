"""Information-processing fees, rules.md §d (Fee Measures, marginal 超额累进)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from requests_service.domain.errors import DomainError, RuleViolation
from requests_service.domain.fees import (
    DEFAULT_SCHEDULE,
    FeeMethod,
    FeeSchedule,
    VolumeTier,
    evaluate_fee_vector,
    page_equivalent_count,
    parse_yuan,
    piece_price,
    quote_per_piece,
    quote_per_volume,
)


def test_method_labels() -> None:
    assert FeeMethod.PER_PIECE.label == "按件计收"
    assert FeeMethod.PER_VOLUME.label == "按量计收"


@pytest.mark.parametrize(
    ("pieces", "yuan"),
    [(0, 0), (10, 0), (11, 100), (30, 2000), (31, 2200), (40, 4000), (41, 4300), (50, 7000)],
)
def test_per_piece_monthly_totals(pieces: int, yuan: int) -> None:
    quote = quote_per_piece(0, pieces)
    assert quote.amount == Decimal(yuan)
    assert quote.method is FeeMethod.PER_PIECE


@pytest.mark.parametrize(
    ("pages", "yuan"),
    [(0, 0), (30, 0), (31, 10), (100, 700), (101, 720), (200, 2700), (201, 2740), (250, 4700)],
)
def test_per_volume_totals(pages: int, yuan: int) -> None:
    quote = quote_per_volume(pages)
    assert quote.amount == Decimal(yuan)
    assert quote.method is FeeMethod.PER_VOLUME


@pytest.mark.parametrize(
    ("k", "price"),
    [(1, 0), (10, 0), (11, 100), (30, 100), (31, 200), (40, 200), (41, 300), (51, 400)],
)
def test_piece_price_by_ordinal(k: int, price: int) -> None:
    assert piece_price(k) == Decimal(price)


def test_per_piece_is_marginal_within_the_month() -> None:
    quote = quote_per_piece(8, 7)  # pieces 9..15 of the month
    assert quote.amount == Decimal(500)
    assert [ln.explanation for ln in quote.lines] == [
        "第9—10件，每件0元（免费），共2件，计0元",
        "第11—15件，每件100元，共5件，计500元",
    ]
    assert quote.explanation[1] == "本月此前已计8件，本次申请7件，即本月第9—15件"
    assert quote.explanation[-1] == "合计500元"


def test_single_piece_line_text() -> None:
    quote = quote_per_piece(14, 1)
    assert quote.lines[0].explanation == "第15件，每件100元，共1件，计100元"
    assert quote.lines[0].unit_price == Decimal("100.00")


def test_per_volume_lines() -> None:
    quote = quote_per_volume(150)
    assert [ln.explanation for ln in quote.lines] == [
        "第1—30页，每页0元（免费），共30页，计0元",
        "第31—100页，每页10元，共70页，计700元",
        "第101—150页，每页20元，共50页，计1000元",
    ]
    assert quote.amount == Decimal(1700)


def test_high_bands_are_grouped_not_listed_per_piece() -> None:
    quote = quote_per_piece(0, 1000)
    assert len(quote.lines) == 2 + (1000 - 30) // 10
    assert quote.amount == sum(piece_price(k) for k in range(1, 1001))


@pytest.mark.parametrize(
    ("before", "this"),
    [(-1, 1), (0, -1), (True, 1), (0, 1.0), (0, "3"), (100_000, 1), (0, 100_001)],
)
def test_per_piece_rejects_bad_counts(before: Any, this: Any) -> None:
    with pytest.raises(RuleViolation):
        quote_per_piece(before, this)


@pytest.mark.parametrize("pages", [-1, 100_001, True, 2.0, "30", None])
def test_per_volume_rejects_bad_counts(pages: Any) -> None:
    with pytest.raises(RuleViolation):
        quote_per_volume(pages)


# -- configurable schedule ------------------------------------------------------------------------


def test_custom_schedule() -> None:
    schedule = FeeSchedule(
        piece_free_up_to=5,
        volume_tiers=(VolumeTier(1, 10, Decimal(0)), VolumeTier(11, None, Decimal("0.50"))),
    )
    assert quote_per_piece(0, 6, schedule).amount == Decimal(100)
    assert quote_per_volume(13, schedule).amount == Decimal("1.50")
    assert quote_per_volume(13, schedule).lines[-1].explanation == (
        "第11—13页，每页0.50元，共3页，计1.50元"
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"volume_tiers": (VolumeTier(2, None, Decimal(0)),)},
        {"volume_tiers": (VolumeTier(1, 10, Decimal(0)),)},
        {"volume_tiers": (VolumeTier(1, None, Decimal(0)), VolumeTier(2, None, Decimal(0)))},
        {"volume_tiers": ()},
        {"volume_tiers": (VolumeTier(1, None, Decimal(-1)),)},
        {"piece_base_price": 100},
        {"piece_free_up_to": 40},
        {"piece_band_width": 0},
        {"page_equivalents": {"A3": Decimal(0)}},
        {"page_equivalents": {"A3": 2}},
    ],
)
def test_invalid_schedules_are_rejected(kwargs: dict[str, Any]) -> None:
    with pytest.raises(RuleViolation):
        FeeSchedule(**kwargs)


def test_page_equivalents_are_empty_by_default() -> None:
    assert dict(DEFAULT_SCHEDULE.page_equivalents) == {}
    with pytest.raises(RuleViolation):
        page_equivalent_count({"audio_minute": 10})


def test_configured_page_equivalents() -> None:
    source = {"A3": Decimal(2), "audio_minute": Decimal("0.5")}
    schedule = FeeSchedule(page_equivalents=source)
    source["A3"] = Decimal(99)  # the schedule keeps its own copy
    assert page_equivalent_count({"A3": 3, "audio_minute": 3}, schedule) == 8  # 6 + 1.5 -> 8


# -- properties -----------------------------------------------------------------------------------

counts = st.integers(min_value=0, max_value=400)


@given(counts, counts)
def test_per_piece_total_is_monotone(a: int, b: int) -> None:
    lo, hi = sorted((a, b))
    assert quote_per_piece(0, lo).amount <= quote_per_piece(0, hi).amount


@given(counts, counts)
def test_per_volume_total_is_monotone(a: int, b: int) -> None:
    lo, hi = sorted((a, b))
    assert quote_per_volume(lo).amount <= quote_per_volume(hi).amount


@given(st.integers(0, 10), st.integers(0, 30))
def test_free_allowance_costs_nothing(pieces: int, pages: int) -> None:
    assert quote_per_piece(0, pieces).amount == 0
    assert quote_per_volume(pages).amount == 0


@given(counts, counts)
def test_fees_are_never_negative_and_split_is_additive(before: int, this: int) -> None:
    quote = quote_per_piece(before, this)
    assert quote.amount >= 0
    assert all(ln.amount >= 0 for ln in quote.lines)
    assert (
        quote_per_piece(0, before).amount + quote.amount == quote_per_piece(0, before + this).amount
    )
    assert sum(ln.units for ln in quote.lines) == this
    assert quote_per_volume(before).amount >= 0


@given(st.integers(1, 5000))
def test_piece_price_matches_closed_formula(k: int) -> None:
    expected = 0 if k <= 10 else 100 if k <= 30 else 100 * (1 + -(-(k - 30) // 10))
    assert piece_price(k) == Decimal(expected)


# -- parse_yuan -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0", "0.00"),
        ("1500", "1500.00"),
        ("12.5", "12.50"),
        ("12.34", "12.34"),
        (200, "200.00"),
        (Decimal("7.10"), "7.10"),
        (Decimal("-0"), "0.00"),
        ("1000000000", "1000000000.00"),
    ],
)
def test_parse_yuan_accepts(value: Any, expected: str) -> None:
    result = parse_yuan(value)
    assert result == Decimal(expected)
    assert str(result) == expected


@pytest.mark.parametrize(
    "value",
    [
        1.5,
        float("nan"),
        "NaN",
        "Infinity",
        "-1",
        -1,
        "1.234",
        "1000000000.01",
        10**12,
        True,
        None,
        "",
        " 1",
        "1e3",
        "１２",
        Decimal("NaN"),
        Decimal("Infinity"),
        Decimal("1.001"),
        Decimal("1E+1000000"),
        [1],
    ],
)
def test_parse_yuan_rejects(value: Any) -> None:
    with pytest.raises(RuleViolation):
        parse_yuan(value)


# -- JSON adapter ---------------------------------------------------------------------------------


def test_evaluate_fee_vector_shape() -> None:
    out = evaluate_fee_vector({"method": "per_piece", "pieces_in_month_total": 25})
    assert out["yuan"] == "1500.00"
    assert Decimal(out["yuan"]) == Decimal(1500)
    assert out["method"] == "per_piece"
    assert out["lines"][1]["unit_price"] == "100.00"
    assert out["explanation"][-1] == "合计1500元"


def test_evaluate_fee_vector_modes() -> None:
    assert evaluate_fee_vector({"method": "per_piece", "piece_ordinal_in_month": 31})["yuan"] == (
        "200.00"
    )
    out = evaluate_fee_vector(
        {"method": "per_piece", "pieces_before_in_month": "8", "pieces_this_application": 7}
    )
    assert out["yuan"] == "500.00"
    assert evaluate_fee_vector({"method": "per_volume", "pages": "31"})["yuan"] == "10.00"


@pytest.mark.parametrize(
    "inputs",
    [
        {"method": "per_piece"},
        {"method": "per_piece", "pieces_in_month_total": True},
        {"method": "per_piece", "pieces_in_month_total": "10.000001"},
        {"method": "per_piece", "pieces_in_month_total": 10.0},
        {"method": "per_piece", "pieces_in_month_total": "1e3"},
        {"method": "per_piece", "pieces_in_month_total": -1},
        {"method": "per_piece", "pieces_in_month_total": 100_001},
        {"method": "per_piece", "piece_ordinal_in_month": 0},
        {"method": "per_piece", "piece_ordinal_in_month": 5, "pieces_in_month_total": 5},
        {"method": "per_piece", "pieces_before_in_month": 5},
        {"method": "per_piece", "pages": 5},
        {"method": "per_volume", "pages": 5, "pieces_in_month_total": 5},
        {"method": "per_volume"},
        {"method": "both", "pages": 5},
        {"pages": 5},
        {"method": "per_volume", "pages": 5, "colour": "red"},
        ["per_volume"],
    ],
)
def test_evaluate_fee_vector_rejects(inputs: Any) -> None:
    with pytest.raises(RuleViolation):
        evaluate_fee_vector(inputs)


json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12)


@given(
    st.fixed_dictionaries(
        {},
        optional={
            "method": st.sampled_from(["per_piece", "per_volume"]) | json_scalars,
            "piece_ordinal_in_month": json_scalars,
            "pieces_in_month_total": json_scalars,
            "pieces_before_in_month": json_scalars,
            "pieces_this_application": json_scalars,
            "pages": json_scalars,
        },
    )
)
def test_evaluate_fee_vector_only_raises_domain_errors(inputs: dict[str, Any]) -> None:
    try:
        out = evaluate_fee_vector(inputs)
    except DomainError:
        return
    assert Decimal(out["yuan"]) >= 0
