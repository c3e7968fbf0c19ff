"""Where a fee assessment stands: proposal, notice, payment, waiver, abandonment, refund."""

from __future__ import annotations

from enum import StrEnum

from requests_service.domain.errors import Conflict


class FeeStatus(StrEnum):
    PROPOSED = "proposed"
    DECLINED = "declined"
    NOTICE_ISSUED = "notice_issued"
    PAID = "paid"
    WAIVED = "waived"
    ABANDONED = "abandoned"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def is_active(self) -> bool:
        """A proposal or an unpaid notice: at most one per case at a time."""
        return self in (FeeStatus.PROPOSED, FeeStatus.NOTICE_ISSUED)


_LABELS = {
    FeeStatus.PROPOSED: "承办人已提出收费建议",
    FeeStatus.DECLINED: "决定不收费",
    FeeStatus.NOTICE_ISSUED: "已发出收费通知，待缴费",
    FeeStatus.PAID: "已缴费",
    FeeStatus.WAIVED: "已减免",
    FeeStatus.ABANDONED: "逾期未缴费，视为放弃申请",
    FeeStatus.CANCELLED: "申请撤回，收费通知作废",
    FeeStatus.REFUNDED: "已退费",
}

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
