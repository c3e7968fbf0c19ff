"""Where a fee assessment stands: proposal, notice, payment, waiver, abandonment, refund."""

from __future__ import annotations

from requests_service.domain.errors import Conflict
from requests_service.domain.labelled import LabelledEnum


class FeeStatus(LabelledEnum):
    PROPOSED = "proposed", "承办人已提出收费建议"
    DECLINED = "declined", "决定不收费"
    NOTICE_ISSUED = "notice_issued", "已发出收费通知，待缴费"
    PAID = "paid", "已缴费"
    WAIVED = "waived", "已减免"
    ABANDONED = "abandoned", "逾期未缴费，视为放弃申请"
    CANCELLED = "cancelled", "申请撤回，收费通知作废"
    REFUNDED = "refunded", "已退费"

    @property
    def is_active(self) -> bool:
        """A proposal or an unpaid notice: at most one per case at a time."""
        return self in (FeeStatus.PROPOSED, FeeStatus.NOTICE_ISSUED)


_NEXT: dict[FeeStatus, frozenset[FeeStatus]] = {
    FeeStatus.PROPOSED: frozenset({FeeStatus.DECLINED, FeeStatus.NOTICE_ISSUED}),
    FeeStatus.NOTICE_ISSUED: frozenset(
        {FeeStatus.PAID, FeeStatus.WAIVED, FeeStatus.ABANDONED, FeeStatus.CANCELLED}
    ),
    FeeStatus.PAID: frozenset({FeeStatus.REFUNDED}),
}


def check_fee_step(current: FeeStatus, wanted: FeeStatus) -> None:
    """Refuse a step the fee workflow does not allow (e.g. paying an abandoned fee)."""
    if wanted not in _NEXT.get(current, frozenset()):
        raise Conflict(
            f"收费状态为“{current.label}”，不能变为“{wanted.label}”。",
            current=current.value,
            wanted=wanted.value,
        )
