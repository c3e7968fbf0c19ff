"""Volume signals: a topic's surge (Art. 44 prompt) and an applicant's volume (Art. 35 prompt).

Both only *flag*: the officer decides.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

from requests_service.domain.errors import RuleViolation

EXCESSIVE_PER_30_DAYS: Final = 30
"""[D] Applications by one applicant within 30 days at which Art. 35 is worth considering.
The law sets no number; 30 is where the Fee Measures' per-piece price starts to escalate."""

EXCESSIVE_PER_365_DAYS: Final = 120
"""[D] Applications by one applicant within 365 days at which Art. 35 is worth considering."""


@dataclass(frozen=True)
class SurgeResult:
    """A topic's latest daily volume against its baseline (Art. 44 prompt)."""

    today_count: int
    baseline_days: int
    baseline_mean: float
    baseline_stddev: float
    threshold: float
    ratio: float | None  # today / baseline mean; None when the baseline is 0
    message: str


def surge(
    daily_counts: Sequence[int],
    *,
    window: int = 28,
    min_count: int = 5,
    factor: float = 3.0,
) -> SurgeResult | None:
    """Flag a topic whose latest day (``daily_counts[-1]``) jumps above its baseline.

    Baseline: the up to ``window`` days before it (fewer when the history is shorter; zero
    days → mean 0).  Surge when ``today >= max(min_count, factor × mean + 2 × stddev)``
    (population stddev).  [D] window, min_count and factor are design choices.  Several
    applicants asking for the same information may justify proactive disclosure
    (《政府信息公开条例》第四十四条); the result only prompts an officer.
    """
    if window < 1 or min_count < 1 or factor <= 0:
        raise RuleViolation("突增检测参数无效", window=window, min_count=min_count, factor=factor)
    if not daily_counts:
        return None
    if any(c < 0 for c in daily_counts):
        raise RuleViolation("每日申请数量不能为负数")
    today = int(daily_counts[-1])
    history = [int(c) for c in daily_counts[-window - 1 : -1]]
    mean = sum(history) / len(history) if history else 0.0
    var = sum((c - mean) ** 2 for c in history) / len(history) if history else 0.0
    std = math.sqrt(var)
    threshold = max(float(min_count), factor * mean + 2.0 * std)
    if today < threshold:
        return None
    ratio = today / mean if mean > 0 else None
    jump = (
        f"，为前{len(history)}日日均{mean:.1f}件的{ratio:.1f}倍"
        if ratio is not None
        else (f"，前{len(history)}日无同类申请" if history else "")
    )
    message = (
        f"该主题最近一日收到政府信息公开申请{today}件{jump}，明显增多。"
        "多个申请人申请公开相同政府信息的，可考虑纳入主动公开范围"
        "（《中华人民共和国政府信息公开条例》第四十四条）。"
    )
    return SurgeResult(today, len(history), mean, std, threshold, ratio, message)


@dataclass(frozen=True)
class ExcessiveResult:
    """An applicant's application counts over the Art. 35 windows."""

    count_30_days: int
    count_365_days: int
    per_30_days: int
    per_365_days: int
    exceeded: tuple[str, ...]  # "30_days", "365_days"
    message: str


def excessive(
    applicant_case_dates: Sequence[date],
    today: date,
    *,
    per_30_days: int = EXCESSIVE_PER_30_DAYS,
    per_365_days: int = EXCESSIVE_PER_365_DAYS,
) -> ExcessiveResult | None:
    """Flag an applicant whose volume may be "clearly beyond a reasonable range" (Art. 35).

    Counts the applicant's applications received in the 30 days ending ``today``
    (``today − 29 … today``) and in the 365 days ending ``today``; dates after ``today`` are
    ignored.  Flags when either count reaches its threshold.  [D] The Regulations give no
    number: :data:`EXCESSIVE_PER_30_DAYS` and :data:`EXCESSIVE_PER_365_DAYS` are design
    choices to configure per agency.  The flag only prompts the officer to consider asking
    the applicant for reasons (第三十五条); it decides nothing.
    """
    if per_30_days < 1 or per_365_days < 1:
        raise RuleViolation("申请数量阈值必须为正整数")
    start_30 = today - timedelta(days=29)
    start_365 = today - timedelta(days=364)
    n30 = sum(1 for d in applicant_case_dates if start_30 <= d <= today)
    n365 = sum(1 for d in applicant_case_dates if start_365 <= d <= today)
    exceeded: list[str] = []
    parts: list[str] = []
    if n30 >= per_30_days:
        exceeded.append("30_days")
        parts.append(f"近30日提出{n30}件（参考值{per_30_days}件）")
    if n365 >= per_365_days:
        exceeded.append("365_days")
        parts.append(f"近365日提出{n365}件（参考值{per_365_days}件）")
    if not exceeded:
        return None
    message = (
        f"该申请人{'，'.join(parts)}政府信息公开申请，数量、频次可能明显超过合理范围。"
        "可依照《中华人民共和国政府信息公开条例》第三十五条要求申请人说明理由；"
        "理由不合理的，告知不予处理。"
    )
    return ExcessiveResult(n30, n365, per_30_days, per_365_days, tuple(exceeded), message)
