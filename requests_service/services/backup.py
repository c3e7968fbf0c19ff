"""Backup and restore (issue 15, item 8): the database and the stored files together.

A backup is a directory:

- ``database.sqlite`` (SQLite's online backup API: consistent while the service runs) or
  ``database.dump`` (PostgreSQL ``pg_dump --format=custom``, a consistent snapshot);
- ``files/``: everything under ``UPLOAD_DIR`` — attachments and issued letters, stored by SHA-256;
- ``manifest.json``: when, from which kind of database, row counts of the main tables, and every
  file with its SHA-256.

Restore goes into an empty database (SQLite file or PostgreSQL database) and an upload
directory, then checks every file against the manifest and the row counts; run
``flask verify-audit`` afterwards (the restore test does) to check the audit chains.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session

from requests_service.db.models import AdminEvent, Attachment, Case, CaseEvent, Letter, User

COUNTED = {
    "cases": Case,
    "case_events": CaseEvent,
    "admin_events": AdminEvent,
    "attachments": Attachment,
    "letters": Letter,
    "users": User,
}


class BackupError(RuntimeError):
    pass


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def row_counts(session: Session) -> dict[str, int]:
    return {name: int(session.scalar(select(func.count()).select_from(model)) or 0)
            for name, model in COUNTED.items()}  # fmt: skip


def _libpq_url(engine: Engine) -> str:
    """The URL as pg_dump/pg_restore take it (no SQLAlchemy driver suffix)."""
    return make_url(engine.url).set(drivername="postgresql").render_as_string(hide_password=False)


def _run(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        # stderr of pg_dump/pg_restore names objects, never row values.
        raise BackupError(f"{command[0]} failed ({result.returncode}): {result.stderr[-2000:]}")


def backup(engine: Engine, session: Session, upload_dir: str, target: str) -> dict[str, Any]:
    """Write a backup of the database and the stored files into ``target`` (a new directory)."""
    out = Path(target)
    out.mkdir(parents=True, exist_ok=False)
    dialect = engine.dialect.name
    if dialect == "sqlite":
        source_path = make_url(engine.url).database
        if not source_path:
            raise BackupError("in-memory SQLite databases cannot be backed up")
        source = sqlite3.connect(source_path)
        destination = sqlite3.connect(out / "database.sqlite")
        try:
            source.backup(destination)
        finally:
            destination.close()
            source.close()
        database_file = "database.sqlite"
    elif dialect == "postgresql":
        database_file = "database.dump"
        _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(out / database_file),
              _libpq_url(engine)])  # fmt: skip
    else:
        raise BackupError(f"unsupported database: {dialect}")
    files: dict[str, str] = {}
    source_dir = Path(upload_dir)
    if source_dir.exists():
        shutil.copytree(source_dir, out / "files")
        for path in sorted((out / "files").rglob("*")):
            if path.is_file():
                files[path.relative_to(out / "files").as_posix()] = _sha256(path)
    manifest = {
        "created_at": datetime.now(UTC).isoformat(),
        "database": dialect,
        "database_file": database_file,
        "rows": row_counts(session),
        "files": files,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
    return manifest


def restore(engine: Engine, session: Session, upload_dir: str, source: str) -> dict[str, Any]:
    """Restore a backup into the (empty) database of ``engine`` and into ``upload_dir``."""
    src = Path(source)
    manifest = json.loads((src / "manifest.json").read_text())
    dialect = engine.dialect.name
    if manifest["database"] != dialect:
        raise BackupError(f"backup is of {manifest['database']}, target is {dialect}")
    engine.dispose()
    if dialect == "sqlite":
        target_path = make_url(engine.url).database
        if not target_path:
            raise BackupError("cannot restore into an in-memory SQLite database")
        backup_db = sqlite3.connect(src / manifest["database_file"])
        target_db = sqlite3.connect(target_path)
        try:
            backup_db.backup(target_db)
        finally:
            target_db.close()
            backup_db.close()
    else:
        _run(["pg_restore", "--no-owner", "--exit-on-error", "--dbname", _libpq_url(engine),
              str(src / manifest["database_file"])])  # fmt: skip
    files_dir = src / "files"
    target_dir = Path(upload_dir)
    if files_dir.exists():
        shutil.copytree(files_dir, target_dir, dirs_exist_ok=True)
    problems = [
        name
        for name, digest in manifest["files"].items()
        if not (target_dir / name).is_file() or _sha256(target_dir / name) != digest
    ]
    if problems:
        raise BackupError(f"{len(problems)} restored files do not match the manifest")
    counts = row_counts(session)
    if counts != manifest["rows"]:
        raise BackupError(f"row counts differ: backup {manifest['rows']}, restored {counts}")
    return {"rows": counts, "files": len(manifest["files"])}
