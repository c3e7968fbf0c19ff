"""Files the applicant sends through public tracking: identity proof with the application,
material with a correction (补正, Art. 30).

The applicant is anonymous apart from the tracking secret, so the rules are stricter than for
officers: only the kinds an applicant may send, only while the agency has not yet answered,
at most ``MAX_APPLICANT_FILES`` files per case, and sending the same content twice (a double
click, a retried upload) returns the stored file instead of a second copy.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from requests_service.db.models import Attachment, Case
from requests_service.domain.errors import Conflict, RuleViolation, TooLarge, UnsupportedType
from requests_service.domain.lifecycle import CaseState
from requests_service.services.access import APPLICANT
from requests_service.services.attachments import CHUNK, MAGIC, store_attachment

APPLICANT_KINDS = ("application", "correction")
MAX_APPLICANT_FILES = 20

_FILES = Attachment.__table__.c
# The privacy rule of the applicant's files: only the files the applicant sent go back to them
# (an officer's files never do), oldest first. The tracking view's own statement
# (services/public_view.py) is built from it.
APPLICANT_SENT = _FILES.uploaded_by_applicant.is_(True)
APPLICANT_FILES_ORDER = (_FILES.id,)


@dataclass(frozen=True)
class StoredUpload:
    attachment: Attachment
    replayed: bool


def check_upload(
    upload: Any, *, max_bytes: int, allowed_types: Sequence[str], field: str = "file"
) -> str:
    """Check one file before anything is written (type, first bytes, size); return its SHA-256.

    The stream is rewound, so the same upload can then be stored. Used by the application page
    to refuse a bad attachment *before* the application is submitted.
    """
    content_type = (upload.mimetype or "").lower()
    name = upload.filename or "文件"
    if content_type not in allowed_types:
        message = f"“{name}”的类型不支持，请上传PDF、JPEG、PNG、Word或纯文本文件。"
        raise UnsupportedType(message, fields={field: [message]})
    digest = hashlib.sha256()
    size = 0
    head = b""
    while chunk := upload.stream.read(CHUNK):
        if not head:
            head = chunk[:16]
        size += len(chunk)
        if size > max_bytes:
            message = f"“{name}”过大：每个文件不超过{max_bytes // (1024 * 1024)}MB。"
            raise TooLarge(message, max_bytes=max_bytes, fields={field: [message]})
        digest.update(chunk)
    upload.stream.seek(0)
    if size == 0:
        message = f"“{name}”是空文件。"
        raise UnsupportedType(message, fields={field: [message]})
    signatures = MAGIC.get(content_type)
    if signatures and not any(head.startswith(sig) for sig in signatures):
        message = f"“{name}”的内容与其文件类型不符。"
        raise UnsupportedType(message, fields={field: [message]})
    return digest.hexdigest()


def upload_by_applicant(
    session: Session,
    case: Case,
    upload: Any,
    *,
    kind: str,
    upload_dir: str,
    max_bytes: int,
    allowed_types: Sequence[str],
) -> StoredUpload:
    """Store a file the applicant sent; the timeline shows it (a public ``attachment`` event)."""
    if kind not in APPLICANT_KINDS:
        raise RuleViolation("附件类型无效。", fields={"kind": ["只能为application或correction。"]})
    if case.state.is_terminal_for_applicant:
        raise Conflict("机关已作出答复或案件已办结，不能再上传材料。")
    if kind == "correction" and case.state is not CaseState.AWAITING_CORRECTION:
        raise Conflict("只有在机关要求补正、尚未收到补正时才能上传补正材料。")
    sha256 = check_upload(upload, max_bytes=max_bytes, allowed_types=allowed_types)
    earlier = session.scalars(
        select(Attachment).where(
            Attachment.case_id == case.id,
            Attachment.sha256 == sha256,
            APPLICANT_SENT,
        )
    ).first()
    if earlier is not None:
        return StoredUpload(earlier, replayed=True)
    count = session.scalar(
        select(func.count())
        .select_from(Attachment)
        .where(Attachment.case_id == case.id, APPLICANT_SENT)
    )
    if (count or 0) >= MAX_APPLICANT_FILES:
        raise Conflict(f"每件申请最多上传{MAX_APPLICANT_FILES}个文件。")
    attachment = store_attachment(
        session,
        APPLICANT,
        case,
        upload,
        kind=kind,
        upload_dir=upload_dir,
        max_bytes=max_bytes,
        allowed_types=allowed_types,
        by_applicant=True,
    )
    return StoredUpload(attachment, replayed=False)
