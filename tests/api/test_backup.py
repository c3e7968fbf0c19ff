"""Backup and restore (issue 15, item 8): restore into a fresh database and upload directory;
every case, event and file hash comes back and the audit chains verify."""

from __future__ import annotations

import io
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from requests_service.db.models import Attachment, Case, CaseEvent, Letter
from requests_service.db.session import make_engine
from requests_service.services.audit import verify_all
from requests_service.services.backup import BackupError, backup, restore
from tests.api.test_letters_api import drafted_case, new_letter
from tests.factories import World


@pytest.fixture
def fresh_database_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of the same kind (no schema: the restore brings it)."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path}/restored.sqlite"
        return
    name = f"rs_restore_{secrets.token_hex(4)}"
    admin = create_engine(
        make_url(database_url).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(database_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _snapshot(session: Session) -> dict[str, Any]:
    return {
        "cases": session.execute(
            select(Case.id, Case.case_number, Case.tracking_code, Case.version).order_by(Case.id)
        ).all(),
        "events": session.execute(
            select(CaseEvent.id, CaseEvent.seq, CaseEvent.hash).order_by(CaseEvent.id)
        ).all(),
        "attachments": session.execute(select(Attachment.sha256).order_by(Attachment.id)).all(),
        "letters": session.execute(
            select(Letter.document_number, Letter.pdf_sha256).order_by(Letter.id)
        ).all(),
    }


@pytest.mark.commits
def test_backup_restores_every_case_event_and_file(
    client: Any, world: World, app: Any, fresh_database_url: str, tmp_path: Path
) -> None:
    app.config["LETTER_QUEUE"] = "inline"
    case = drafted_case(client, world)
    letter = new_letter(client, world, case["id"]).json
    base = f"/cases/{case['id']}/letters/{letter['id']}"
    assert client.post(f"{base}/approval", headers=world.auth("approver")).status_code == 200
    issued = client.post(f"{base}/issue", headers=world.auth("handler"))
    assert issued.status_code == 200, issued.json
    uploaded = client.post(
        f"/cases/{case['id']}/attachments",
        data={"file": (io.BytesIO(b"scanned ID card"), "id.txt", "text/plain")},
        headers=world.auth("handler"),
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 201, uploaded.json

    engine = app.extensions["db_engine"]
    session = app.extensions["db_session_factory"]()
    try:
        before = _snapshot(session)
        manifest = backup(engine, session, app.config["UPLOAD_DIR"], str(tmp_path / "backup"))
    finally:
        session.close()
    assert manifest["rows"]["cases"] == 1 and manifest["rows"]["letters"] == 1
    assert len(manifest["files"]) == 2  # the issued letter's PDF and the attachment

    target = make_engine(fresh_database_url)
    restored_uploads = tmp_path / "restored-uploads"
    session = Session(target)
    try:
        report = restore(target, session, str(restored_uploads), str(tmp_path / "backup"))
        assert report["files"] == 2
        assert _snapshot(session) == before
        assert verify_all(session) == []
        for (sha,) in before["attachments"]:
            assert any(sha in p.name for p in restored_uploads.rglob("*"))
    finally:
        session.close()
        target.dispose()


def test_restore_refuses_damaged_files(tmp_path: Path) -> None:
    source = tmp_path / "db.sqlite"
    (tmp_path / "up").mkdir()
    (tmp_path / "up" / "a.bin").write_bytes(b"original")
    from requests_service.db.base import Base

    engine = make_engine(f"sqlite:///{source}")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        backup(engine, session, str(tmp_path / "up"), str(tmp_path / "bk"))
    (tmp_path / "bk" / "files" / "a.bin").write_bytes(b"tampered")
    target = make_engine(f"sqlite:///{tmp_path}/restored.sqlite")
    with Session(target) as session, pytest.raises(BackupError, match="do not match"):
        restore(target, session, str(tmp_path / "restored-up"), str(tmp_path / "bk"))
    engine.dispose()
    target.dispose()
