"""Attachments: files live under UPLOAD_DIR addressed by SHA-256; metadata in the database."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from requests_service.db.models import Attachment, Case
from requests_service.domain.errors import Conflict, TooLarge, UnsupportedType
from requests_service.services.access import Actor
from requests_service.services.history import record_event
from requests_service.services.unit_of_work import UnitOfWork

# Declared types we can cheaply confirm by their first bytes; a mismatch is refused.
MAGIC = {
    "application/pdf": (b"%PDF",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (b"PK\x03\x04",),
    "application/msword": (b"\xd0\xcf\x11\xe0",),
}

CHUNK = 64 * 1024


def path_of(upload_dir: str, sha256: str) -> Path:
    return Path(upload_dir) / sha256[:2] / sha256


def store_attachment(
    session: Session,
    actor: Actor,
    case: Case,
    upload: Any,
    *,
    kind: str,
    upload_dir: str,
    max_bytes: int,
    allowed_types: Sequence[str],
    by_applicant: bool = False,
) -> Attachment:
    if case.state.is_read_only:
        raise Conflict("已归档的案件为只读，不能上传附件。", reason="case_read_only")
    content_type = (upload.mimetype or "").lower()
    if content_type not in allowed_types:
        raise UnsupportedType(
            f"不支持的文件类型“{content_type or '未知'}”，允许：PDF、JPEG、PNG、Word、纯文本。"
        )
    Path(upload_dir).mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    head = b""
    fd, tmp_name = tempfile.mkstemp(dir=upload_dir, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as tmp:
            while chunk := upload.stream.read(CHUNK):
                if not head:
                    head = chunk[:16]
                size += len(chunk)
                if size > max_bytes:
                    raise TooLarge(
                        f"文件过大：上限为{max_bytes // (1024 * 1024)}MB。", max_bytes=max_bytes
                    )
                digest.update(chunk)
                tmp.write(chunk)
        if size == 0:
            raise UnsupportedType("文件为空。")
        signatures = MAGIC.get(content_type)
        if signatures and not any(head.startswith(sig) for sig in signatures):
            raise UnsupportedType(f"文件内容与声明的类型“{content_type}”不符。")
        sha256 = digest.hexdigest()
        target = path_of(upload_dir, sha256)
        target.parent.mkdir(parents=True, exist_ok=True)
        # Same content, same name: storing twice is harmless and needs no locking across workers.
        os.replace(tmp_name, target)
    except BaseException:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
        raise
    filename = os.path.basename(upload.filename or "file")[:255] or "file"
    with UnitOfWork(session) as uow:
        attachment = Attachment(
            case_id=case.id,
            filename=filename,
            content_type=content_type,
            size_bytes=size,
            sha256=sha256,
            kind=kind,
            uploaded_by_user_id=actor.user_id,
            uploaded_by_applicant=by_applicant,
        )
        session.add(attachment)
        session.flush()
        record_event(
            session,
            case,
            actor=actor,
            role=actor.primary_role,
            action="attachment",
            from_state=case.state,
            to_state=case.state,
            public=by_applicant,
            data={"attachment_id": attachment.id, "sha256": sha256, "size_bytes": size},
        )
        uow.commit()
        return attachment
