"""Official typefaces per agency (GB/T 9704: body 3号仿宋, title 2号小标宋).

Debian ships no 仿宋_GB2312 or 方正小标宋 (both licensed), so letters fall back to free faces
unless the agency, which holds a licence, uploads its font files or points to one on the server
(under ``FONT_DIR``).  A file is validated before use — it must be a TrueType/OpenType font
that fontTools can read and that covers the characters every letter prints — and is used only
in that agency's letters, under a private family name.  Every letter records which face it was
set in (:func:`typography`).
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from pathlib import Path
from struct import error as struct_error  # fontTools raises it on truncated tables
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from requests_service.db.models import Agency, AgencyFont
from requests_service.domain.errors import NotFound, RuleViolation
from requests_service.letters.render import FALLBACK_FACES as FALLBACK
from requests_service.services.access import Actor
from requests_service.services.admin import audit, get_managed_agency
from requests_service.services.unit_of_work import UnitOfWork

__all__ = ["FALLBACK", "ROLES", "typography"]

ROLES: Final = {"body": "正文（3号仿宋）", "title": "标题（2号小标宋）"}
MAX_FONT_BYTES: Final = 40 * 1024 * 1024
# Characters every letter prints: a font lacking any of them would mix faces in one word.
PROBE: Final = (
    "中华人民共和国政府信息公开条例申请答复书告知机关年月日第号〔〕，。：；（）0123456789"
)


def _inspect(data: bytes) -> tuple[str, int]:
    """(family name, glyph count) of a valid font covering :data:`PROBE`; else RuleViolation."""
    from fontTools.ttLib import TTFont, TTLibError

    try:
        font = TTFont(io.BytesIO(data), lazy=True)
        cmap = font.getBestCmap() or {}
        name = font["name"]
        family = (
            name.getDebugName(16) or name.getDebugName(1) or name.getDebugName(4) or ""
        ).strip()
        glyphs = len(font.getGlyphOrder())
    except (TTLibError, KeyError, AssertionError, ValueError, OSError, struct_error) as exc:
        raise RuleViolation(
            "不是可用的TrueType/OpenType字体文件（字体集.ttc请先拆分为单个字体）。",
            fields={"file": [str(exc)[:200] or "无法读取。"]},
        ) from None
    missing = [ch for ch in PROBE if ord(ch) not in cmap]
    if missing:
        raise RuleViolation(
            f"字体缺少公文必需的字符：{''.join(missing[:20])}，不能用于公文。",
            fields={"file": ["字符不全。"]},
        )
    return family or "未命名字体", glyphs


def list_fonts(session: Session, actor: Actor, agency_id: int) -> list[AgencyFont]:
    agency = get_managed_agency(session, actor, agency_id)
    return list(
        session.scalars(
            select(AgencyFont).where(AgencyFont.agency_id == agency.id).order_by(AgencyFont.role)
        )
    )


def _snapshot(font: AgencyFont) -> dict[str, Any]:
    return {
        "role": font.role,
        "family": font.family,
        "filename": font.filename,
        "source": font.source,
        "sha256": font.sha256,
    }


def set_font(
    session: Session,
    actor: Actor,
    agency_id: int,
    *,
    role: str,
    upload_dir: str,
    font_dir: str | None,
    filename: str | None = None,
    data: bytes | None = None,
    path: str | None = None,
) -> AgencyFont:
    """Store an uploaded font (``data``) or register one under ``font_dir`` (``path``)."""
    if role not in ROLES:
        raise RuleViolation(
            "字体用途只能是 body（正文）或 title（标题）。", fields={"role": ["无效。"]}
        )
    with UnitOfWork(session) as uow:
        agency = get_managed_agency(session, actor, agency_id)
        if (data is None) == (path is None):
            raise RuleViolation("请上传字体文件，或者填写服务器上的字体路径（二选一）。")
        if path is not None:
            if not font_dir:
                raise RuleViolation(
                    "服务器未配置FONT_DIR，不能引用服务器上的字体文件。",
                    fields={"path": ["未配置。"]},
                )
            root = Path(font_dir).resolve()
            target = (root / path).resolve()
            if root not in target.parents or not target.is_file():
                raise RuleViolation(
                    "字体文件不存在，或不在FONT_DIR目录下。", fields={"path": ["文件不存在。"]}
                )
            data = target.read_bytes()
            filename, source, stored = target.name, "path", str(target)
        else:
            source = "upload"
            stored = ""
        assert data is not None
        if len(data) > MAX_FONT_BYTES:
            raise RuleViolation("字体文件过大（上限40MB）。", fields={"file": ["过大。"]})
        family, glyphs = _inspect(data)
        sha256 = hashlib.sha256(data).hexdigest()
        if source == "upload":
            suffix = Path(filename or "font.ttf").suffix.lower()
            suffix = suffix if suffix in (".ttf", ".otf") else ".ttf"
            target = Path(upload_dir) / "fonts" / f"{sha256}{suffix}"
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".font-")
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, target)
            stored = str(target)
        row = session.scalars(
            select(AgencyFont).where(AgencyFont.agency_id == agency.id, AgencyFont.role == role)
        ).one_or_none()
        before = _snapshot(row) if row else None
        if row is None:
            row = AgencyFont(agency_id=agency.id, role=role)
            session.add(row)
        row.family = family
        row.filename = (filename or "font.ttf")[:255]
        row.source = source
        row.path = stored
        row.sha256 = sha256
        row.size_bytes = len(data)
        row.glyph_count = glyphs
        row.uploaded_by_user_id = actor.user_id
        audit(
            session,
            actor,
            agency_id=agency.id,
            action="agency_font_set",
            target=row,
            before=before,
            after=_snapshot(row),
        )
        uow.commit()
        return row


def remove_font(session: Session, actor: Actor, agency_id: int, role: str) -> None:
    with UnitOfWork(session) as uow:
        agency = get_managed_agency(session, actor, agency_id)
        row = session.scalars(
            select(AgencyFont).where(AgencyFont.agency_id == agency.id, AgencyFont.role == role)
        ).one_or_none()
        if row is None:
            raise NotFound("该机关没有设置此用途的字体。")
        audit(
            session,
            actor,
            agency_id=agency.id,
            action="agency_font_remove",
            target=row,
            before=_snapshot(row),
            after=None,
        )
        session.delete(row)
        uow.commit()


def typography(session: Session, agency: Agency) -> dict[str, Any]:
    """Which face the agency's letters use for body and title, and the @font-face rules.

    A stored font whose file has gone or changed (SHA-256) is not used: the letter falls back
    and says so, rather than printing with a file nobody validated.
    """
    rows = {
        f.role: f
        for f in session.scalars(select(AgencyFont).where(AgencyFont.agency_id == agency.id))
    }
    result: dict[str, Any] = {"faces": []}
    for role in ROLES:
        row = rows.get(role)
        usable = False
        if row is not None:
            file = Path(row.path)
            usable = file.is_file() and hashlib.sha256(file.read_bytes()).hexdigest() == row.sha256
        if row is not None and usable:
            private = f"rs-agency-{agency.id}-{role}"
            result["faces"].append({"family": private, "url": Path(row.path).as_uri()})
            result[role] = {
                "family": private,
                "font_name": row.family,
                "source": "agency",
                "label": f"{row.family}（机关提供的字体：{row.filename}）",
            }
        else:
            fallback = FALLBACK[role]
            result[role] = {
                "family": fallback["family"],
                "font_name": fallback["family"],
                "source": "fallback",
                "label": fallback["label"]
                + ("；机关设置的字体文件缺失或已被改动，未使用" if row is not None else ""),
            }
    return result
