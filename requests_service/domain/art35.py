"""Art. 35 of the Regulations: requests clearly excessive in volume or frequency.

"申请人申请公开政府信息的数量、频次明显超过合理范围，行政机关可以要求申请人说明理由。行政机关
认为申请理由不合理的，告知申请人不予处理；行政机关认为申请理由合理，但是无法在本条例第三十三条
规定的期限内答复申请人的，可以确定延迟答复的合理期限并告知申请人。"

So a 不予处理 (``not_processed_excessive``) reply needs a reasons request first (说明理由告知),
and then either the applicant's reasons (judged unreasonable) or the end of the period given
for them.  Whether an answer alone suffices, or the period must run in any case, the article
does not say; :data:`EXCESSIVE_REFUSAL_READING` is the one line that chooses.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Final

__all__ = ["EXCESSIVE_REFUSAL_READING", "ExcessiveReading", "excessive_refusal_blocker"]


class ExcessiveReading(StrEnum):
    # The applicant answered (and the agency finds the reasons unreasonable) or the period
    # for answering ran out without an answer.
    PERIOD_RAN_OR_ANSWERED = "period_ran_or_answered"
    # Strict: wait for the whole period even when the applicant has answered.
    PERIOD_RAN = "period_ran"


# [D] The reading chosen: an answer judged unreasonable is exactly the case Art. 35 describes
# ("认为申请理由不合理的，告知申请人不予处理"), so waiting out the period after it adds nothing.
EXCESSIVE_REFUSAL_READING: Final = ExcessiveReading.PERIOD_RAN_OR_ANSWERED


def excessive_refusal_blocker(
    *,
    request_issued: bool,
    reasons_due_on: date | None,
    answered: bool,
    today: date,
    reading: ExcessiveReading = EXCESSIVE_REFUSAL_READING,
) -> str | None:
    """Why a ``not_processed_excessive`` reply may not be given yet, or ``None`` if it may."""
    if not request_issued:
        return (
            "“无正当理由大量反复申请”不予处理前，须先签发说明理由告知书，要求申请人说明理由"
            "（《中华人民共和国政府信息公开条例》第三十五条）"
        )
    period_ran = reasons_due_on is not None and today > reasons_due_on
    if period_ran or (answered and reading is ExcessiveReading.PERIOD_RAN_OR_ANSWERED):
        return None
    due = f"（{reasons_due_on.isoformat()}）" if reasons_due_on else ""
    if reading is ExcessiveReading.PERIOD_RAN:
        return f"说明理由的期限{due}尚未届满，届满后才能作出不予处理答复（第三十五条）"
    return (
        f"申请人尚未说明理由，且说明理由的期限{due}尚未届满，暂不能作出不予处理答复（第三十五条）"
    )
