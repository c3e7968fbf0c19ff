"""Submission channels and the legal receipt date (收到申请之日), Art. 31 of the Regulations.

The receipt date is the day from which every reply period is counted, so it is fixed by the
statute, not by when the bytes or the envelope arrived:

* (一) in person (当面提交): the day of submission;
* (二) post requiring a signature (EMS, registered mail): the day the agency signs for it
  (签收之日);
  ordinary letter not requiring a signature: the OGI office must confirm with the applicant on
  the day the letter arrives, and the confirmation day is the receipt date;
* (三) internet channel or the OGI office's fax (and, by analogy, e-mail [D]): the day both
  parties confirm (双方确认之日).

Dates are taken in Asia/Shanghai: a timestamp at 23:30 UTC is already the next day in China.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from requests_service.domain.errors import RuleViolation
from requests_service.domain.labelled import LabelledEnum

__all__ = [
    "Channel",
    "receipt_date",
    "required_timestamp_field",
    "requires_confirmation",
]

DEFAULT_TZ = "Asia/Shanghai"


class Channel(LabelledEnum):
    """How the application reached the agency (Art. 31)."""

    IN_PERSON = "in_person", "当面提交"
    POST_SIGNED = "post_signed", "挂号/EMS等需签收邮件"
    ORDINARY_MAIL = "ordinary_mail", "平信等无需签收邮件"
    ONLINE = "online", "互联网渠道"
    FAX = "fax", "传真"
    EMAIL = "email", "电子邮件"


_REQUIRED_FIELD: dict[Channel, str] = {
    Channel.IN_PERSON: "submitted_at",
    Channel.POST_SIGNED: "signed_for_at",
    Channel.ORDINARY_MAIL: "confirmed_at",
    Channel.ONLINE: "confirmed_at",
    Channel.FAX: "confirmed_at",
    Channel.EMAIL: "confirmed_at",
}

_FIELD_LABELS: dict[str, str] = {
    "submitted_at": "提交时间",
    "signed_for_at": "签收时间",
    "letter_arrived_at": "信件到达时间",
    "confirmed_at": "与申请人确认时间",
}


def requires_confirmation(channel: Channel) -> bool:
    """True for channels whose receipt date is a confirmation with the applicant (Art. 31 (二)(三)).

    Until that confirmation happens the application is received but not yet registered.
    """
    return _REQUIRED_FIELD[Channel(channel)] == "confirmed_at"


def required_timestamp_field(channel: Channel) -> str | None:
    """Name of the timestamp that fixes the receipt date for ``channel``.

    Every channel currently needs one; ``None`` is reserved for a channel whose receipt date
    would not depend on a recorded timestamp.
    """
    return _REQUIRED_FIELD.get(Channel(channel))


def _zone(tz: str) -> tzinfo:
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        # Slim images may lack tzdata; China has kept UTC+8 without DST since 1991.
        if tz == DEFAULT_TZ:
            return timezone(timedelta(hours=8), DEFAULT_TZ)
        raise


def _local(value: datetime | None, field: str, tz: tzinfo) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        raise RuleViolation(f"{_FIELD_LABELS[field]}应为日期时间：{field}", field=field)
    if value.tzinfo is None or value.utcoffset() is None:
        # A naive timestamp would silently be read in the server's zone and can shift the day.
        raise RuleViolation(
            f"{_FIELD_LABELS[field]}须带时区：{field}", field=field, value=value.isoformat()
        )
    try:
        return value.astimezone(tz)
    except (OverflowError, ValueError):
        raise RuleViolation(f"{_FIELD_LABELS[field]}超出可处理范围：{field}", field=field) from None


def receipt_date(
    channel: Channel,
    *,
    submitted_at: datetime | None = None,
    signed_for_at: datetime | None = None,
    letter_arrived_at: datetime | None = None,
    confirmed_at: datetime | None = None,
    tz: str = DEFAULT_TZ,
) -> date:
    """Legal receipt date under Art. 31 for ``channel``.

    Required timestamp per channel: in person → ``submitted_at``; post requiring signature →
    ``signed_for_at``; ordinary mail, online, fax, e-mail → ``confirmed_at``. Other timestamps are
    optional but, when given, are checked for consistency: nothing is signed for or confirmed
    before it was submitted, and an ordinary letter is not confirmed before it arrived. Because
    Art. 31 obliges the office to confirm an ordinary letter *on the day it arrives*, a later
    confirmation does not move the receipt date (and thus the reply period) to the agency's
    advantage: the arrival day is the receipt date then [D].

    All timestamps must be timezone-aware; they are converted to ``tz`` before taking the date.
    """
    try:
        channel = Channel(channel)
    except ValueError:
        raise RuleViolation("未知的提交渠道", field="channel", value=str(channel)) from None
    zone = _zone(tz)
    local = {
        "submitted_at": _local(submitted_at, "submitted_at", zone),
        "signed_for_at": _local(signed_for_at, "signed_for_at", zone),
        "letter_arrived_at": _local(letter_arrived_at, "letter_arrived_at", zone),
        "confirmed_at": _local(confirmed_at, "confirmed_at", zone),
    }
    field = _REQUIRED_FIELD[channel]
    decisive = local[field]
    if decisive is None:
        raise RuleViolation(
            f"{channel.label}的申请须提供{_FIELD_LABELS[field]}（{field}）以确定收到申请之日"
            "（条例第三十一条）",
            field=field,
            channel=channel.value,
        )
    submitted = local["submitted_at"]
    if submitted is not None and decisive < submitted:
        raise RuleViolation(
            f"{_FIELD_LABELS[field]}不能早于提交时间",
            field=field,
            submitted_at=submitted.isoformat(),
            value=decisive.isoformat(),
        )
    arrived = local["letter_arrived_at"]
    if channel is Channel.ORDINARY_MAIL and arrived is not None:
        if submitted is not None and arrived < submitted:
            raise RuleViolation(
                "信件到达时间不能早于提交时间",
                field="letter_arrived_at",
                submitted_at=submitted.isoformat(),
                value=arrived.isoformat(),
            )
        if decisive < arrived:
            raise RuleViolation(
                "与申请人确认时间不能早于信件到达时间",
                field="confirmed_at",
                letter_arrived_at=arrived.isoformat(),
                value=decisive.isoformat(),
            )
        if decisive.date() != arrived.date():
            # The office had to confirm on the day of arrival; a late confirmation must not
            # shift the reply period in the agency's favour, so the arrival day counts [D].
            return arrived.date()
    return decisive.date()
