"""Applicants and their personal data: identity documents, contact details, masking.

An application must state the applicant's name, proof of identity and contact details
(《中华人民共和国政府信息公开条例》第二十九条第二款第（一）项).  The annual report splits
applicants into natural persons and five kinds of legal persons or other organisations
(report section 三), so the type is validated here too.

Identity numbers are personal information whose leak easily causes harm, so they are handled
as sensitive (cf. 《中华人民共和国个人信息保护法》第二十八条).  Lists show them masked, and
the database matches applicants through a keyed fingerprint (:func:`id_fingerprint`) instead
of an index on the plain number.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Final, TypeVar

from requests_service.domain.errors import RuleViolation
from requests_service.domain.labelled import LabelledEnum

__all__ = [
    "LEGAL_PERSON_ID_TYPES",
    "NATURAL_PERSON_ID_TYPES",
    "Applicant",
    "ApplicantType",
    "IdType",
    "OrganisationType",
    "id_fingerprint",
    "mask_address",
    "mask_id",
    "mask_name",
    "mask_phone",
    "normalise_id",
    "resident_id_check_char",
    "uscc_check_char",
    "validate_applicant",
    "validate_email",
    "validate_id",
    "validate_phone",
    "validate_postcode",
    "validate_resident_id",
    "validate_uscc",
]


class ApplicantType(LabelledEnum):
    """The two applicant columns of report section 三."""

    NATURAL_PERSON = "natural_person", "自然人"
    LEGAL_PERSON = "legal_person", "法人或其他组织"


class OrganisationType(LabelledEnum):
    """The five 法人或其他组织 columns of report section 三."""

    COMMERCIAL_ENTERPRISE = "commercial_enterprise", "商业企业"
    RESEARCH_INSTITUTION = "research_institution", "科研机构"
    SOCIAL_WELFARE_ORGANISATION = "social_welfare_organisation", "社会公益组织"
    LEGAL_SERVICE_ORGANISATION = "legal_service_organisation", "法律服务机构"
    OTHER = "other", "其他"


class IdType(LabelledEnum):
    """Kind of identity document shown as 身份证明 (Art. 29)."""

    RESIDENT_ID = "resident_id", "居民身份证"
    PASSPORT = "passport", "护照"
    HK_MACAO_PERMIT = "hk_macao_permit", "港澳居民来往内地通行证"
    TAIWAN_PERMIT = "taiwan_permit", "台湾居民来往大陆通行证"
    FOREIGN_PERMANENT_RESIDENT_ID = "foreign_permanent_resident_id", "外国人永久居留身份证"
    UNIFIED_SOCIAL_CREDIT_CODE = "unified_social_credit_code", "统一社会信用代码"
    OTHER = "other", "其他证件"


NATURAL_PERSON_ID_TYPES: Final[frozenset[IdType]] = frozenset(
    {
        IdType.RESIDENT_ID,
        IdType.PASSPORT,
        IdType.HK_MACAO_PERMIT,
        IdType.TAIWAN_PERMIT,
        IdType.FOREIGN_PERMANENT_RESIDENT_ID,
        IdType.OTHER,
    }
)
# ``other`` covers organisations without a credit code (e.g. foreign organisations).
LEGAL_PERSON_ID_TYPES: Final[frozenset[IdType]] = frozenset(
    {IdType.UNIFIED_SOCIAL_CREDIT_CODE, IdType.OTHER}
)


def _fail(field: str, message: str) -> RuleViolation:
    return RuleViolation(message, fields={field: [message]})


def _normalise(text: str) -> str:
    """NFKC folds full-width digits and letters typed with a Chinese IME to ASCII."""
    folded = unicodedata.normalize("NFKC", text)
    return "".join(folded.split()).upper()


# --- resident identity card (GB 11643-1999) ----------------------------------------------

_RESIDENT_WEIGHTS: Final = tuple(pow(2, 17 - i, 11) for i in range(17))
_RESIDENT_CHECK: Final = "10X98765432"
_RESIDENT_RE: Final = re.compile(r"\d{17}[\dX]")
_EARLIEST_BIRTH: Final = date(1900, 1, 1)


def resident_id_check_char(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character for the first 17 digits (GB 11643-1999)."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("first17 must be 17 ASCII digits")
    total = sum(int(d) * w for d, w in zip(first17, _RESIDENT_WEIGHTS, strict=True))
    return _RESIDENT_CHECK[total % 11]


def validate_resident_id(number: str, *, today: date | None = None) -> str:
    """Validate and normalise an 18-character resident identity number (GB 11643-1999).

    17 digits, then a digit or ``X`` (ISO 7064 MOD 11-2 check character); digits 7–14 are a
    real birth date, not before 1900 and not after ``today``.  Spaces are removed and ``x``
    upper-cased.  Old 15-digit numbers ceased to be valid in 2013 and are refused.
    """
    today = today or date.today()
    normalised = _normalise(number)
    if len(normalised) == 15 and normalised.isdigit():
        raise _fail("id_number", "15位旧身份证号码已停止使用，请填写18位号码")
    if len(normalised) != 18:
        raise _fail("id_number", "身份证号码应为18位")
    if not _RESIDENT_RE.fullmatch(normalised):
        raise _fail("id_number", "身份证号码前17位应为数字，最后一位为数字或X")
    try:
        birth = date(int(normalised[6:10]), int(normalised[10:12]), int(normalised[12:14]))
    except ValueError:
        raise _fail("id_number", "身份证号码中的出生日期不正确") from None
    if not _EARLIEST_BIRTH <= birth <= today:
        raise _fail("id_number", "身份证号码中的出生日期不正确")
    if resident_id_check_char(normalised[:17]) != normalised[17]:
        raise _fail("id_number", "身份证号码校验位不正确")
    return normalised


# --- unified social credit code (GB 32100-2015) ------------------------------------------

# I, O, Z, S, V are excluded because they are easily confused with 1, 0, 2, 5, U.
_USCC_ALPHABET: Final = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS: Final = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_RE: Final = re.compile(rf"[{_USCC_ALPHABET}]{{2}}\d{{6}}[{_USCC_ALPHABET}]{{10}}")


def uscc_check_char(first17: str) -> str:
    """MOD 31 check character for the first 17 characters of a credit code (GB 32100-2015)."""
    if len(first17) != 17 or any(c not in _USCC_ALPHABET for c in first17):
        raise ValueError("first17 must be 17 characters of the GB 32100 alphabet")
    total = sum(_USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_ALPHABET[(31 - total % 31) % 31]


def validate_uscc(code: str) -> str:
    """Validate and normalise a unified social credit code (GB 32100-2015).

    18 characters from ``0-9`` and ``A-Y`` without I, O, Z, S, V; characters 3–8 are the
    six-digit administrative division code; the last character is the MOD 31 check.
    """
    normalised = _normalise(code)
    if len(normalised) != 18:
        raise _fail("id_number", "统一社会信用代码应为18位")
    bad = sorted({c for c in normalised if c not in _USCC_ALPHABET})
    if bad:
        raise _fail(
            "id_number",
            f"统一社会信用代码含有不允许的字符：{'、'.join(bad)}（不使用I、O、Z、S、V）",
        )
    if not _USCC_RE.fullmatch(normalised):
        raise _fail("id_number", "统一社会信用代码第3至8位应为行政区划代码（6位数字）")
    if uscc_check_char(normalised[:17]) != normalised[17]:
        raise _fail("id_number", "统一社会信用代码校验位不正确")
    return normalised


# --- dispatch ----------------------------------------------------------------------------

_OTHER_ID_RE: Final = re.compile(r"[A-Z0-9-]{5,30}")


def normalise_id(id_type: IdType | str, number: str) -> str:
    """Fold width, remove whitespace and upper-case, without validating."""
    IdType(id_type)  # an unknown type is a programming error, not user input
    return _normalise(number)


def validate_id(id_type: IdType | str, number: str, *, today: date | None = None) -> str:
    """Validate ``number`` as a document of ``id_type`` and return it normalised.

    Resident cards and credit codes are checked in full; other documents (passports,
    travel permits, foreign permanent residence cards…) have several formats, so only
    5–30 characters of ``A-Z``, ``0-9`` and ``-`` are required.
    """
    id_type = IdType(id_type)
    if id_type is IdType.RESIDENT_ID:
        return validate_resident_id(number, today=today)
    if id_type is IdType.UNIFIED_SOCIAL_CREDIT_CODE:
        return validate_uscc(number)
    normalised = _normalise(number)
    if not _OTHER_ID_RE.fullmatch(normalised):
        raise _fail("id_number", f"{id_type.label}号码应为5至30位字母、数字或连字符")
    return normalised


# --- contact details ---------------------------------------------------------------------

_MOBILE_RE: Final = re.compile(r"1[3-9]\d{9}")
_LANDLINE_RE: Final = re.compile(r"(0\d{2,3})-?(\d{7,8})(?:-(\d{1,6}))?")
_EMAIL_RE: Final = re.compile(r"[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+")
_POSTCODE_RE: Final = re.compile(r"\d{6}")


def validate_phone(phone: str) -> str:
    """A mainland mobile number ``1[3-9]`` + 9 digits (an optional ``+86`` is dropped) or a
    landline ``0`` + 2–3 digit area code, optional hyphen, 7–8 digits, optional extension."""
    normalised = "".join(unicodedata.normalize("NFKC", phone).split())
    if normalised.startswith("+86"):
        normalised = normalised[3:].lstrip("-")
    if _MOBILE_RE.fullmatch(normalised) or _LANDLINE_RE.fullmatch(normalised):
        return normalised
    raise _fail("phone", "电话号码格式不正确：请填写11位手机号码或带区号的固定电话")


def validate_email(email: str) -> str:
    """A plausible address (one ``@``, a dotted domain, at most 254 characters).

    Deliverability is proven only by use; the domain is lower-cased.
    """
    normalised = unicodedata.normalize("NFKC", email).strip()
    if len(normalised) > 254 or not _EMAIL_RE.fullmatch(normalised):
        raise _fail("email", "电子邮箱格式不正确")
    local, domain = normalised.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


def validate_postcode(postcode: str) -> str:
    """Six digits (mainland postal code)."""
    normalised = "".join(unicodedata.normalize("NFKC", postcode).split())
    if not _POSTCODE_RE.fullmatch(normalised):
        raise _fail("postcode", "邮政编码应为6位数字")
    return normalised


# --- applicant ---------------------------------------------------------------------------

MAX_NAME_LENGTH: Final = 100
MAX_ADDRESS_LENGTH: Final = 200


@dataclass(frozen=True)
class Applicant:
    """A validated applicant: name, proof of identity and contact details (Art. 29)."""

    applicant_type: ApplicantType
    organisation_type: OrganisationType | None
    id_type: IdType
    id_number: str
    name: str
    phone: str | None = None
    email: str | None = None
    postcode: str | None = None
    address: str | None = None


def _blank_to_none(value: str | None) -> str | None:
    if value is None:
        return None
    stripped = value.strip()
    return stripped or None


def validate_applicant(
    applicant_type: ApplicantType | str,
    organisation_type: OrganisationType | str | None,
    id_type: IdType | str,
    id_number: str,
    name: str,
    *,
    phone: str | None = None,
    email: str | None = None,
    postcode: str | None = None,
    address: str | None = None,
    today: date | None = None,
) -> Applicant:
    """Validate an applicant as a whole and report every problem at once.

    * Natural persons have no organisation type and use a personal document.
    * Legal persons and other organisations need one of the report's five organisation
      types (report section 三) and normally the unified social credit code; ``other``
      documents are allowed for organisations that have none.
    * Name and at least one contact method (phone, e-mail or postal address) are required
      (Art. 29 para 2 item 1).

    Raises :class:`RuleViolation` with ``details={"fields": {name: [message, ...]}}``.
    """
    problems = _Problems()
    add = problems.add
    a_type = _parse(ApplicantType, applicant_type, "applicant_type", "申请人类型", add)
    i_type = _parse(IdType, id_type, "id_type", "证件类型", add)
    o_type = (
        None
        if _blank_to_none(organisation_type) is None
        else _parse(OrganisationType, organisation_type, "organisation_type", "组织类型", add)
    )
    _check_type_combination(problems, a_type, i_type, _blank_to_none(organisation_type))
    clean_number = _clean_id_number(problems, i_type, id_number, today)
    clean_name = _clean_name(problems, name)
    contacts = _clean_contacts(problems, phone=phone, email=email, postcode=postcode)
    clean_address = _blank_to_none(address)
    if clean_address is not None and len(clean_address) > MAX_ADDRESS_LENGTH:
        add("address", f"通信地址不能超过{MAX_ADDRESS_LENGTH}个字")
    if not any(_blank_to_none(v) for v in (phone, email, address)):
        add("contact", "请至少填写一种联系方式：电话、电子邮箱或通信地址（第二十九条）")

    if problems.fields or a_type is None or i_type is None:
        raise RuleViolation("申请人信息有误，请逐项修改", fields=problems.fields)
    return Applicant(
        applicant_type=a_type,
        organisation_type=o_type,
        id_type=i_type,
        id_number=clean_number,
        name=clean_name,
        phone=contacts["phone"],
        email=contacts["email"],
        postcode=contacts["postcode"],
        address=clean_address,
    )


class _Problems:
    """Every problem with an applicant, by field, so the form can show them all at once."""

    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.fields.setdefault(field, []).append(message)

    def collect(self, field: str, error: RuleViolation) -> None:
        for messages in error.details.get("fields", {}).values():
            for message in messages:
                self.add(field, message)


def _check_type_combination(
    problems: _Problems,
    a_type: ApplicantType | None,
    i_type: IdType | None,
    organisation_given: str | None,
) -> None:
    if a_type is ApplicantType.NATURAL_PERSON:
        if organisation_given is not None:
            problems.add("organisation_type", "申请人为自然人时不应填写组织类型")
        if i_type is not None and i_type not in NATURAL_PERSON_ID_TYPES:
            problems.add("id_type", f"自然人不能使用“{i_type.label}”作为身份证明")
    elif a_type is ApplicantType.LEGAL_PERSON:
        if organisation_given is None:
            problems.add("organisation_type", "法人或其他组织应选择组织类型（年度报告按类型统计）")
        if i_type is not None and i_type not in LEGAL_PERSON_ID_TYPES:
            problems.add(
                "id_type", f"法人或其他组织应使用统一社会信用代码，不能使用“{i_type.label}”"
            )


def _clean_id_number(
    problems: _Problems, i_type: IdType | None, id_number: str, today: date | None
) -> str:
    if not (id_number or "").strip():
        problems.add("id_number", "请填写证件号码")
        return ""
    if i_type is None:
        return ""
    try:
        return validate_id(i_type, id_number, today=today)
    except RuleViolation as error:
        problems.collect("id_number", error)
        return ""


def _clean_name(problems: _Problems, name: str) -> str:
    clean_name = " ".join((name or "").split())
    if not clean_name:
        problems.add("name", "请填写申请人姓名或者名称（第二十九条）")
    elif len(clean_name) > MAX_NAME_LENGTH:
        problems.add("name", f"姓名或者名称不能超过{MAX_NAME_LENGTH}个字")
    return clean_name


def _clean_contacts(
    problems: _Problems, *, phone: str | None, email: str | None, postcode: str | None
) -> dict[str, str | None]:
    clean: dict[str, str | None] = {}
    for field, value, validator in (
        ("phone", phone, validate_phone),
        ("email", email, validate_email),
        ("postcode", postcode, validate_postcode),
    ):
        text = _blank_to_none(value)
        clean[field] = None
        if text is not None:
            try:
                clean[field] = validator(text)
            except RuleViolation as error:
                problems.collect(field, error)
    return clean


_E = TypeVar("_E", ApplicantType, IdType, OrganisationType)
_Adder = Callable[[str, str], None]


def _parse(enum: type[_E], value: str | None, field: str, what: str, add: _Adder) -> _E | None:
    if value is None or not value.strip():
        add(field, f"请选择{what}")
        return None
    try:
        return enum(value)
    except ValueError:
        add(field, f"{what}“{value}”无效")
        return None


# --- masking -----------------------------------------------------------------------------


def mask_id(number: str, id_type: IdType | str | None = None) -> str:
    """Mask an identity number for lists.

    Resident card: first 6 (region) + ``********`` (birth date) + last 4.  Credit code:
    first 4 + 12 stars + last 2.  Other documents: first 2 + stars + last 2; four characters
    or fewer are fully masked.  Without ``id_type`` the format is inferred from the number.
    """
    normalised = _normalise(number)
    kind = IdType(id_type) if id_type is not None else None
    if kind is None and len(normalised) == 18:
        # Some credit codes are all digits too, so an all-digit guess may be wrong; callers
        # that know the document type should pass it.
        if _RESIDENT_RE.fullmatch(normalised):
            kind = IdType.RESIDENT_ID
        elif _USCC_RE.fullmatch(normalised):
            kind = IdType.UNIFIED_SOCIAL_CREDIT_CODE
    if len(normalised) == 18 and kind is IdType.RESIDENT_ID:
        return f"{normalised[:6]}********{normalised[-4:]}"
    if len(normalised) == 18 and kind is IdType.UNIFIED_SOCIAL_CREDIT_CODE:
        return f"{normalised[:4]}{'*' * 12}{normalised[-2:]}"
    if len(normalised) <= 4:
        return "*" * len(normalised)
    return f"{normalised[:2]}{'*' * (len(normalised) - 4)}{normalised[-2:]}"


def mask_phone(phone: str) -> str:
    """Mobile: ``138****5678``.  Landline: keep area code and last 4 digits."""
    compact = "".join(phone.split())
    if _MOBILE_RE.fullmatch(compact):
        return f"{compact[:3]}****{compact[-4:]}"
    landline = _LANDLINE_RE.fullmatch(compact)
    if landline:
        area, local, extension = landline.groups()
        masked = f"{area}-{'*' * (len(local) - 4)}{local[-4:]}"
        return f"{masked}-{extension}" if extension else masked
    if len(compact) <= 4:
        return "*" * len(compact)
    return f"{'*' * (len(compact) - 4)}{compact[-4:]}"


def mask_name(name: str) -> str:
    """Keep the first character (usually the surname): ``张三丰`` → ``张**``."""
    stripped = name.strip()
    if len(stripped) <= 1:
        return "*" * len(stripped)
    return f"{stripped[0]}{'*' * (len(stripped) - 1)}"


def mask_address(address: str) -> str:
    """Keep the first 6 characters (roughly province and city) and append ``****``.

    Short addresses keep only their first half, so that the masked form never shows all of
    them.
    """
    stripped = address.strip()
    if not stripped:
        return ""
    keep = 6 if len(stripped) > 6 else len(stripped) // 2
    return f"{stripped[:keep]}****"


# --- fingerprint -------------------------------------------------------------------------


def id_fingerprint(id_type: IdType | str, number: str, secret: bytes) -> str:
    """HMAC-SHA256 (hex) of the normalised number under a server-side ``secret``.

    Lets the database find earlier applications of the same applicant (e.g. for repeat
    requests, Art. 36(6), or per-applicant fee counting) without an index on the plain
    number; without the secret the fingerprint cannot be reversed by enumerating the small
    space of valid resident numbers.  The type is not part of the message, so a number
    filed under the wrong document type still matches.
    """
    if not secret:
        raise ValueError("id_fingerprint needs a non-empty secret")
    normalised = normalise_id(id_type, number)
    return hmac.new(secret, normalised.encode("utf-8"), hashlib.sha256).hexdigest()
