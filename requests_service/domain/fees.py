"""Information-processing fees (信息处理费), Art. 42 of the Regulations and the Fee Measures.

Applications are in principle free; an agency *may* charge where the quantity or frequency of
requests clearly exceeds a reasonable range (Art. 42, "可以收取"). The service only proposes a fee;
the officer decides. The 《政府信息公开信息处理费管理办法》 (国办函〔2020〕109号) sets two methods,
both progressive over the excess (超额累进, i.e. marginal); the agency picks one per application:

* per piece (按件计收): counted per applicant over one natural month — pieces 1–10 free,
  11–30 at 100 yuan each, then bands of 10 pieces, each band 100 yuan/piece dearer
  (31–40: 200, 41–50: 300, ...);
* per volume (按量计收): per application by pages — 1–30 free, 31–100 at 10 yuan/page,
  101–200 at 20, from 201 at 40.

Money is ``Decimal`` yuan with two decimals; floats never enter.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import Any, TypeGuard

from requests_service.domain.errors import RuleViolation
from requests_service.domain.labelled import LabelledEnum

__all__ = [
    "DEFAULT_SCHEDULE",
    "FeeLine",
    "FeeMethod",
    "FeeQuote",
    "FeeSchedule",
    "VolumeTier",
    "evaluate_fee_vector",
    "page_equivalent_count",
    "parse_yuan",
    "piece_price",
    "quote_per_piece",
    "quote_per_volume",
]

CENT = Decimal("0.01")
MAX_YUAN = Decimal(1_000_000_000)
_MEASURES = "《政府信息公开信息处理费管理办法》"


class FeeMethod(LabelledEnum):
    """Charging method chosen by the agency for one application (never both)."""

    PER_PIECE = "per_piece", "按件计收"
    PER_VOLUME = "per_volume", "按量计收"


@dataclass(frozen=True)
class VolumeTier:
    """Pages ``first_page``..``last_page`` (None = no upper bound) cost ``unit_price`` each."""

    first_page: int
    last_page: int | None
    unit_price: Decimal


_NATIONAL_VOLUME_TIERS: tuple[VolumeTier, ...] = (
    VolumeTier(1, 30, Decimal(0)),
    VolumeTier(31, 100, Decimal(10)),
    VolumeTier(101, 200, Decimal(20)),
    VolumeTier(201, None, Decimal(40)),
)


def _is_count(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_money(value: object) -> TypeGuard[Decimal]:
    return isinstance(value, Decimal) and value.is_finite() and value >= 0


@dataclass(frozen=True)
class FeeSchedule:
    """Tariff parameters; the defaults are the national standard of the Fee Measures.

    ``page_equivalents`` maps a medium (e.g. ``"A3"``, ``"audio_minute"``) to the number of A4
    pages one unit counts as. The national rules for other sizes and for electronic data or
    audio/video were not found (rules.md §d), so the table is empty unless an agency configures
    it; nothing is guessed.
    """

    piece_free_up_to: int = 10
    piece_base_up_to: int = 30
    piece_base_price: Decimal = Decimal(100)
    piece_band_width: int = 10
    piece_band_increment: Decimal = Decimal(100)
    volume_tiers: tuple[VolumeTier, ...] = _NATIONAL_VOLUME_TIERS
    page_equivalents: Mapping[str, Decimal] = field(
        default_factory=lambda: MappingProxyType({}), hash=False
    )
    max_units: int = 100_000
    source_ref: str = f"{_MEASURES}（国办函〔2020〕109号）"

    def __post_init__(self) -> None:
        ints = (
            self.piece_free_up_to,
            self.piece_base_up_to,
            self.piece_band_width,
            self.max_units,
        )
        if not all(_is_count(v) and v >= 0 for v in ints) or self.piece_band_width < 1:
            raise RuleViolation("收费标准的件数参数应为非负整数", field="schedule")
        if self.piece_free_up_to > self.piece_base_up_to:
            raise RuleViolation("免费件数不能超过基础档上限", field="schedule")
        if not (_is_money(self.piece_base_price) and _is_money(self.piece_band_increment)):
            raise RuleViolation("收费标准的金额应为非负Decimal", field="schedule")
        tiers = self.volume_tiers
        expected_first = 1
        for i, tier in enumerate(tiers):
            last = tier.last_page
            ok = (
                _is_count(tier.first_page)
                and tier.first_page == expected_first
                and _is_money(tier.unit_price)
                and (last is None) == (i == len(tiers) - 1)
                and (last is None or (_is_count(last) and last >= tier.first_page))
            )
            if not ok:
                raise RuleViolation(
                    "按量计收档次应从第1页起连续，且最后一档不设上限", field="volume_tiers", tier=i
                )
            expected_first = (last or 0) + 1
        if not tiers:
            raise RuleViolation("按量计收至少需要一个档次", field="volume_tiers")
        frozen: dict[str, Decimal] = {}
        for medium, pages in dict(self.page_equivalents).items():
            if not isinstance(medium, str) or not (_is_money(pages) and pages > 0):
                raise RuleViolation(
                    "折算标准应为介质名称到正数页数（Decimal）的映射",
                    field="page_equivalents",
                    medium=repr(medium),
                )
            frozen[medium] = pages
        # Freeze a private copy so a caller's dict cannot change a schedule after validation.
        object.__setattr__(self, "page_equivalents", MappingProxyType(frozen))


DEFAULT_SCHEDULE = FeeSchedule()


@dataclass(frozen=True)
class FeeLine:
    """One band of the computation, e.g. 第11—15件，每件100元，共5件，计500元."""

    first_unit: int
    last_unit: int
    unit_price: Decimal
    units: int
    amount: Decimal
    explanation: str


@dataclass(frozen=True)
class FeeQuote:
    """A proposed fee with its itemised computation, to be recorded in the case file."""

    method: FeeMethod
    amount: Decimal
    lines: tuple[FeeLine, ...]
    explanation: tuple[str, ...]


def _yuan_text(amount: Decimal) -> str:
    """Whole yuan without decimals (计500元), otherwise two decimals."""
    q = amount.quantize(CENT)
    return str(q.quantize(Decimal(1))) if q == q.to_integral_value() else str(q)


def _line(first: int, last: int, price: Decimal, noun: str) -> FeeLine:
    units = last - first + 1
    amount = (price * units).quantize(CENT)
    span = f"第{first}{noun}" if first == last else f"第{first}—{last}{noun}"
    each = f"每{noun}{_yuan_text(price)}元" + ("（免费）" if price == 0 else "")
    return FeeLine(
        first_unit=first,
        last_unit=last,
        unit_price=price.quantize(CENT),
        units=units,
        amount=amount,
        explanation=f"{span}，{each}，共{units}{noun}，计{_yuan_text(amount)}元",
    )


def _check_count(value: object, field_name: str, label: str, *, minimum: int, maximum: int) -> int:
    if not _is_count(value):
        raise RuleViolation(f"{label}应为整数：{field_name}", field=field_name, value=repr(value))
    if value < minimum:
        raise RuleViolation(
            f"{label}不能小于{minimum}：{field_name}", field=field_name, value=value
        )
    if value > maximum:
        raise RuleViolation(
            f"{label}超出合理范围（最多{maximum}）：{field_name}", field=field_name, value=value
        )
    return value


def piece_price(k: int, schedule: FeeSchedule = DEFAULT_SCHEDULE) -> Decimal:
    """Price of the k-th piece of one applicant in one natural month (k >= 1).

    National standard: 0 (k <= 10); 100 (11..30); 100 * (1 + ceil((k - 30) / 10)) from 31.
    """
    k = _check_count(k, "k", "件序号", minimum=1, maximum=schedule.max_units)
    if k <= schedule.piece_free_up_to:
        return Decimal(0)
    if k <= schedule.piece_base_up_to:
        return schedule.piece_base_price
    bands = -(-(k - schedule.piece_base_up_to) // schedule.piece_band_width)
    return schedule.piece_base_price + schedule.piece_band_increment * bands


def _piece_bands(schedule: FeeSchedule, lo: int, hi: int) -> list[tuple[int, int, Decimal]]:
    """Maximal runs of equal price within pieces lo..hi, computed per band, not per piece."""
    out: list[tuple[int, int, Decimal]] = []
    k = lo
    while k <= hi:
        if k <= schedule.piece_free_up_to:
            band_end = schedule.piece_free_up_to
        elif k <= schedule.piece_base_up_to:
            band_end = schedule.piece_base_up_to
        else:
            offset = k - schedule.piece_base_up_to - 1
            width = schedule.piece_band_width
            band_end = schedule.piece_base_up_to + (offset // width + 1) * width
        end = min(band_end, hi)
        out.append((k, end, piece_price(k, schedule)))
        k = end + 1
    return out


def quote_per_piece(
    pieces_before_in_month: int,
    pieces_this_application: int,
    schedule: FeeSchedule = DEFAULT_SCHEDULE,
) -> FeeQuote:
    """Per-piece fee (按件计收) for the pieces of this application.

    The count is cumulative for the same applicant within one natural month (the month of the
    receipt date [D]); this application's pieces are the (before+1)-th to (before+this)-th, each
    priced by its ordinal (marginal, 超额累进). A multi-item application may be split into pieces
    under 一事一申请 by the agency before calling this.
    """
    before = _check_count(
        pieces_before_in_month,
        "pieces_before_in_month",
        "本月此前已计件数",
        minimum=0,
        maximum=schedule.max_units,
    )
    this = _check_count(
        pieces_this_application,
        "pieces_this_application",
        "本次申请件数",
        minimum=0,
        maximum=schedule.max_units,
    )
    if before + this > schedule.max_units:
        raise RuleViolation(
            f"本月累计件数超出合理范围（最多{schedule.max_units}件）",
            field="pieces_this_application",
            total=before + this,
        )
    lines = tuple(
        _line(a, b, p, "件") for a, b, p in _piece_bands(schedule, before + 1, before + this)
    )
    amount = sum((ln.amount for ln in lines), Decimal(0)).quantize(CENT)
    span = (
        f"即本月第{before + 1}—{before + this}件"
        if this > 1
        else (f"即本月第{before + 1}件" if this == 1 else "不计件")
    )
    explanation = (
        f"按件计收：同一申请人同一自然月内累计计件，超额累进计收（{_MEASURES}）",
        f"本月此前已计{before}件，本次申请{this}件，{span}",
        *(ln.explanation for ln in lines),
        f"合计{_yuan_text(amount)}元",
    )
    return FeeQuote(FeeMethod.PER_PIECE, amount, lines, explanation)


def quote_per_volume(pages: int, schedule: FeeSchedule = DEFAULT_SCHEDULE) -> FeeQuote:
    """Per-volume fee (按量计收) for one application of ``pages`` A4-equivalent pages.

    Only for paper copies, e-mail, or copying of electronic data; marginal over the tiers
    (national: 1–30 free, 31–100 ×10, 101–200 ×20, 201+ ×40 yuan/page).
    """
    pages = _check_count(pages, "pages", "页数", minimum=0, maximum=schedule.max_units)
    lines: list[FeeLine] = []
    for tier in schedule.volume_tiers:
        if tier.first_page > pages:
            break
        last = pages if tier.last_page is None else min(tier.last_page, pages)
        lines.append(_line(tier.first_page, last, tier.unit_price, "页"))
    amount = sum((ln.amount for ln in lines), Decimal(0)).quantize(CENT)
    explanation = (
        f"按量计收：按本次申请提供的页数超额累进计收（{_MEASURES}）",
        f"本次申请共{pages}页（按A4页计）",
        *(ln.explanation for ln in lines),
        f"合计{_yuan_text(amount)}元",
    )
    return FeeQuote(FeeMethod.PER_VOLUME, amount, tuple(lines), explanation)


def page_equivalent_count(
    media_units: Mapping[str, int], schedule: FeeSchedule = DEFAULT_SCHEDULE
) -> int:
    """Convert quantities of other media into A4-equivalent pages, rounding up.

    Only media configured in ``schedule.page_equivalents`` are accepted: the national rules for
    other paper sizes, electronic data and audio/video were not found (rules.md §d).
    """
    total = Decimal(0)
    for medium, units in media_units.items():
        factor = schedule.page_equivalents.get(medium)
        if factor is None:
            raise RuleViolation(
                f"未配置“{medium}”的折算页数标准，不能按量计收", field="media", medium=medium
            )
        count = _check_count(units, medium, "数量", minimum=0, maximum=schedule.max_units)
        total += factor * count
    return math.ceil(total)


_YUAN_RE = re.compile(r"[0-9]{1,10}(\.[0-9]{1,2})?")


def parse_yuan(value: object) -> Decimal:
    """Parse a payment amount in yuan: a non-negative string or int with at most two decimals,
    at most 1e9 yuan. Floats (binary rounding), NaN, Infinity and booleans are rejected."""
    if isinstance(value, (bool, float)):
        raise RuleViolation("金额应以字符串或整数表示，不接受浮点数", field="amount")
    if isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, Decimal):
        amount = value
    elif isinstance(value, str):
        if not _YUAN_RE.fullmatch(value):
            raise RuleViolation(
                "金额格式错误，应为非负数且最多两位小数", field="amount", value=value[:40]
            )
        amount = Decimal(value)
    else:
        raise RuleViolation("金额格式错误", field="amount", value=repr(value)[:40])
    if not amount.is_finite():
        raise RuleViolation("金额应为有限数值", field="amount")
    if amount < 0:
        raise RuleViolation("金额不能为负数", field="amount")
    # Bound first: quantizing an enormous Decimal would overflow the context precision.
    if amount > MAX_YUAN:
        raise RuleViolation("金额超出合理范围（不超过10亿元）", field="amount")
    cents = amount.quantize(CENT)
    if cents != amount:
        raise RuleViolation("金额最多两位小数", field="amount")
    # Adding zero turns Decimal("-0") into a plain 0.00.
    return cents + Decimal(0)


# -- JSON adapter for vectors and the public fee calculator --------------------------------------

_COUNT_RE = re.compile(r"[0-9]{1,7}")
_FEE_KEYS = frozenset(
    {
        "method",
        "piece_ordinal_in_month",
        "pieces_in_month_total",
        "pieces_before_in_month",
        "pieces_this_application",
        "pages",
        "note",
    }
)


def _json_count(value: object, field_name: str) -> int:
    if _is_count(value):
        return value
    if isinstance(value, str) and _COUNT_RE.fullmatch(value):
        return int(value)
    raise RuleViolation(
        f"数量应为整数（不接受小数、布尔值）：{field_name}",
        field=field_name,
        value=repr(value)[:40],
    )


def _quote_json(quote: FeeQuote) -> dict[str, Any]:
    return {
        "method": quote.method.value,
        "method_label": quote.method.label,
        "yuan": str(quote.amount),
        "lines": [
            {
                "first_unit": ln.first_unit,
                "last_unit": ln.last_unit,
                "unit_price": str(ln.unit_price),
                "units": ln.units,
                "amount": str(ln.amount),
                "explanation": ln.explanation,
            }
            for ln in quote.lines
        ],
        "explanation": list(quote.explanation),
    }


def evaluate_fee_vector(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Evaluate the ``inputs`` of a ``kind: "fee"`` vector (vectors.json) as JSON.

    ``method`` is ``per_piece`` with exactly one of ``piece_ordinal_in_month`` (the fee of that
    single piece), ``pieces_in_month_total`` (pieces 1..N of the month), or
    ``pieces_before_in_month`` + ``pieces_this_application``; or ``per_volume`` with ``pages``.
    ``yuan`` is returned as a string with two decimals (e.g. ``"1500.00"``) so the value survives
    JSON without float rounding; compare with ``Decimal``. Bad input raises ``RuleViolation``.
    """
    if not isinstance(inputs, Mapping):
        raise RuleViolation("输入应为对象", field="inputs")
    for key in inputs:
        if key not in _FEE_KEYS:
            raise RuleViolation(f"不支持的字段：{key}", field=str(key))
    raw_method = inputs.get("method")
    try:
        method = FeeMethod(raw_method) if isinstance(raw_method, str) else None
    except ValueError:
        method = None
    if method is None:
        raise RuleViolation("未知的收费方式：method", field="method")
    present = {k for k in _FEE_KEYS - {"method", "note"} if inputs.get(k) is not None}

    if method is FeeMethod.PER_VOLUME:
        if present != {"pages"}:
            raise RuleViolation("按量计收只需填写页数：pages", field="pages")
        return _quote_json(quote_per_volume(_json_count(inputs["pages"], "pages")))
    return _quote_json(_per_piece_quote(inputs, present))


def _per_piece_quote(inputs: Mapping[str, Any], present: set[str]) -> FeeQuote:
    """The per-piece vector forms: one piece by ordinal, pieces 1..N, or a run after others."""
    if present == {"piece_ordinal_in_month"}:
        k = _json_count(inputs["piece_ordinal_in_month"], "piece_ordinal_in_month")
        if k < 1:
            raise RuleViolation(
                "件序号应从1开始：piece_ordinal_in_month", field="piece_ordinal_in_month"
            )
        return quote_per_piece(k - 1, 1)
    if present == {"pieces_in_month_total"}:
        total = _json_count(inputs["pieces_in_month_total"], "pieces_in_month_total")
        return quote_per_piece(0, total)
    if present == {"pieces_before_in_month", "pieces_this_application"}:
        before = _json_count(inputs["pieces_before_in_month"], "pieces_before_in_month")
        this = _json_count(inputs["pieces_this_application"], "pieces_this_application")
        return quote_per_piece(before, this)
    raise RuleViolation(
        "按件计收须且只须填写以下之一：piece_ordinal_in_month；pieces_in_month_total；"
        "pieces_before_in_month与pieces_this_application",
        field="piece_ordinal_in_month",
        present=sorted(present),
    )
