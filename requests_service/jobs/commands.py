"""Flask CLI commands: schema upgrade, users and tokens, demo data, scheduled jobs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import click
from flask import Flask, current_app
from sqlalchemy import select

from requests_service.db import migrate
from requests_service.db.models import Agency, ApiToken, User, UserRole
from requests_service.db.session import current_session
from requests_service.domain.lifecycle import Action, Role
from requests_service.services import admin as admin_service
from requests_service.services import cases as case_service
from requests_service.services.access import actor_for_user, hash_token


def register_commands(app: Flask) -> None:
    app.cli.add_command(db_upgrade)
    app.cli.add_command(create_user)
    app.cli.add_command(create_token)
    app.cli.add_command(seed_demo)
    app.cli.add_command(write_spec)
    app.cli.add_command(close_lapsed)
    app.cli.add_command(recompute_deadlines)
    app.cli.add_command(verify_audit)
    app.cli.add_command(grant_app_role)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)


@click.command("db-upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Upgrade the database schema (alembic upgrade head)."""
    migrate.upgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(f"数据库已升级到 {revision}")


@click.command("create-user")
@click.option("--agency-id", type=int, required=True)
@click.option("--username", required=True)
@click.option("--name", "display_name", required=True)
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice([r.value for r in Role if r not in (Role.APPLICANT, Role.SYSTEM)]),
)
def create_user(agency_id: int, username: str, display_name: str, roles: tuple[str, ...]) -> None:
    """Create an officer (through the admin service, audited) and print a bearer token."""
    from requests_service.domain.errors import DomainError

    session = current_session()
    if session.get(Agency, agency_id) is None:
        raise click.ClickException(f"机关 {agency_id} 不存在")
    try:
        user = admin_service.create_user(
            session,
            admin_service.operator_actor(session, agency_id),
            {
                "agency_id": agency_id,
                "username": username,
                "display_name": display_name,
                "roles": sorted(set(roles)),
            },
            by_operator=True,
        )
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    _, plain = admin_service.issue_token(
        session, user, "cli", ttl_days=current_app.config["TOKEN_TTL_DAYS"], via="cli"
    )
    click.echo(f"用户 {username} (id={user.id}) 已创建。令牌（只显示一次）：{plain}")


@click.command("create-token")
@click.option("--username", required=True)
@click.option("--name", default="cli")
def create_token(username: str, name: str) -> None:
    """Issue a new bearer token for an existing user (operators only; audited)."""
    session = current_session()
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"用户 {username} 不存在")
    _, plain = admin_service.issue_token(
        session, user, name, ttl_days=current_app.config["TOKEN_TTL_DAYS"], via="cli"
    )
    click.echo(plain)


DEMO_USERS = (
    ("demo-registrar", "王登记", (Role.REGISTRAR,)),
    ("demo-handler", "李承办", (Role.HANDLER,)),
    ("demo-approver", "张科长", (Role.APPROVER,)),
    ("demo-admin", "赵管理", (Role.AGENCY_ADMIN,)),
)


def _demo_token(username: str) -> str:
    # Fixed, documented demo tokens so the README can print them; never used outside demo data.
    return "rs_" + username.replace("-", "_")


def _ensure_agency(session, **fields):  # type: ignore[no-untyped-def]
    agency = session.scalar(select(Agency).where(Agency.name == fields["name"]))
    if agency is None:
        agency = Agency(**fields)
        session.add(agency)
        session.flush()
    return agency


def _ensure_user(session, agency: Agency, username: str, name: str, roles) -> User:  # type: ignore[no-untyped-def]
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        user = User(agency_id=agency.id, username=username, display_name=name)
        user.role_rows = [UserRole(role=r) for r in roles]
        session.add(user)
        session.flush()
        session.add(
            ApiToken(user_id=user.id, token_hash=hash_token(_demo_token(username)), name="demo")
        )
    return user


@click.command("seed-demo")
def seed_demo() -> None:
    """Load demo agencies, users, tokens and a few cases (idempotent)."""
    session = current_session()
    city = _ensure_agency(
        session,
        name="示范市人民政府办公室",
        short_name="市政府办",
        case_number_prefix="市府办依申",
        is_oversight_office=True,
        intake_office_name="示范市政务公开办公室",
        intake_address="示范市人民路1号",
        intake_postcode="100001",
        intake_phone="010-12345678",
        intake_email="gkb@example.gov.cn",
        intake_office_hours="工作日 9:00-12:00，13:30-17:30",
    )
    ndrc = _ensure_agency(
        session,
        name="示范市发展和改革委员会",
        short_name="市发改委",
        case_number_prefix="市发改依申",
        parent_id=city.id,
        intake_office_name="示范市发展和改革委员会办公室（政府信息公开工作机构）",
        intake_address="示范市人民路8号",
        intake_postcode="100002",
        intake_phone="010-12345000",
        intake_email="fgw-gk@example.gov.cn",
        intake_office_hours="工作日 9:00-12:00，13:30-17:30",
        online_form_url="https://www.example.gov.cn/ysqgk/fgw",
        reconsideration_body="示范市人民政府",
        court="示范市人民法院",
    )
    housing = _ensure_agency(
        session,
        name="示范市住房和城乡建设局",
        short_name="市住建局",
        case_number_prefix="市住建依申",
        parent_id=city.id,
        intake_office_name="示范市住房和城乡建设局办公室",
        intake_address="示范市建设路3号",
        intake_postcode="100003",
        intake_phone="010-12346000",
        intake_email="zjj-gk@example.gov.cn",
        intake_office_hours="工作日 9:00-17:00",
        reconsideration_body="示范市人民政府",
        court="示范市人民法院",
    )
    for username, name, roles in DEMO_USERS:
        _ensure_user(session, ndrc, username, name, roles)
    _ensure_user(session, housing, "demo-housing-handler", "陈承办", (Role.HANDLER,))
    _ensure_user(session, city, "demo-oversight", "周督查", (Role.OVERSIGHT,))
    session.commit()

    registrar = session.scalar(select(User).where(User.username == "demo-registrar"))
    assert registrar is not None
    actor = actor_for_user(session, registrar)
    secret_key = current_app.config["SECRET_KEY"]
    from requests_service.db.models import Case

    if not session.scalar(select(Case.id).where(Case.agency_id == ndrc.id)):
        now = datetime.now(UTC)
        samples = (
            "2025年本市重点建设项目计划及投资完成情况",
            "示范区2025年征收补偿标准文件",
            "本委2025年政府信息公开工作年度报告所涉收费依据",
        )
        for index, text in enumerate(samples):
            case, _ = case_service.register_case(
                session,
                actor,
                {
                    "channel": "in_person",
                    "applicant": _demo_applicant(index),
                    "requested_information": text,
                    "submitted_at": now - timedelta(days=3 * index),
                },
                secret_key=secret_key,
            )
            if index == 1:
                case_service.apply_action(session, actor, case, Action.START_REVIEW, {})
    click.echo("演示数据已就绪。演示令牌：")
    for username, _name, roles in (*DEMO_USERS, ("demo-oversight", "", (Role.OVERSIGHT,))):
        click.echo(f"  {'/'.join(r.label for r in roles)}: {_demo_token(username)}")


def _demo_applicant(index: int) -> dict[str, str]:
    from requests_service.domain.identity import resident_id_check_char

    body = f"11010119900307{index:03d}"
    return {
        "applicant_type": "natural_person",
        "name": ("张三", "李四", "王五")[index],
        "id_type": "resident_id",
        "id_number": body + resident_id_check_char(body),
        "phone": f"1380013800{index}",
        "address": "示范市幸福路10号",
    }


@click.command("write-spec")
@click.argument("path", default="openapi/openapi.json")
def write_spec(path: str) -> None:
    """Write the OpenAPI document generated from the code (commit it with API changes)."""
    from pathlib import Path

    from requests_service.api.spec import render_spec

    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(render_spec(current_app), encoding="utf-8")
    click.echo(f"已写入 {path}")


@click.command("close-lapsed")
def close_lapsed() -> None:
    """Close cases whose correction or fee period lapsed (run daily, e.g. from cron)."""
    from requests_service.services.lapses import close_lapsed_cases

    report = close_lapsed_cases(current_session())
    click.echo(
        f"逾期未补正终止 {len(report.closed_no_correction)} 件；"
        f"逾期未缴费终止 {len(report.closed_fee_unpaid)} 件；失败 {len(report.failed)} 件"
    )


@click.command("recompute-deadlines")
def recompute_deadlines() -> None:
    """Re-compute the stored due dates of every open case (e.g. after a calendar import)."""
    from requests_service.services.calendar_admin import recompute_due_dates

    session = current_session()
    computed, changed = recompute_due_dates(session)
    session.commit()
    engine = current_app.extensions["db_engine"]
    if changed and engine.dialect.name == "postgresql":
        # Mass updates clear the visibility map the dashboard's index-only scan relies on;
        # vacuum now rather than wait for autovacuum.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM (ANALYZE) cases")
    click.echo(f"已重新计算 {computed} 件，期限变化 {changed} 件")


@click.command("verify-audit")
def verify_audit() -> None:
    """Verify every audit hash chain; report the first broken link of each (exit status 1)."""
    from requests_service.services.audit import verify_all

    broken = verify_all(current_session())
    if not broken:
        click.echo("审计链完整：未发现被修改、删除或插入的事件。")
        return
    for link in broken:
        click.echo(link.describe())
    raise SystemExit(1)


@click.command("grant-app-role")
@click.option("--role", required=True, help="the PostgreSQL role the service connects as")
@click.option("--print-only", is_flag=True, help="print the statements instead of running them")
def grant_app_role(role: str, print_only: bool) -> None:
    """Grant the application role its privileges: audit tables are append-only (PostgreSQL)."""
    from requests_service.db.grants import app_role_grants

    statements = app_role_grants(role)
    engine = current_app.extensions["db_engine"]
    if print_only or engine.dialect.name != "postgresql":
        click.echo(";\n".join(statements) + ";")
        return
    with engine.begin() as conn:
        for statement in statements:
            conn.exec_driver_sql(statement)
    click.echo(f"已授予 {role} 应用权限（审计表只可追加，不可修改或删除）。")


@click.command("backup")
@click.option("--to", "target", required=True, help="a new directory for the backup")
def backup_command(target: str) -> None:
    """Back up the database (SQLite online backup / pg_dump) and all stored files."""
    from requests_service.services.backup import BackupError, backup

    try:
        manifest = backup(
            current_app.extensions["db_engine"],
            current_session(),
            current_app.config["UPLOAD_DIR"],
            target,
        )
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"已备份到 {target}：{manifest['rows']}，文件 {len(manifest['files'])} 个")


@click.command("restore")
@click.option("--from", "source", required=True, help="a directory written by `flask backup`")
def restore_command(source: str) -> None:
    """Restore a backup into an empty database and UPLOAD_DIR; checks files and row counts."""
    from requests_service.services.audit import verify_all
    from requests_service.services.backup import BackupError, restore

    try:
        report = restore(
            current_app.extensions["db_engine"],
            current_session(),
            current_app.config["UPLOAD_DIR"],
            source,
        )
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    broken = verify_all(current_session())
    click.echo(f"已恢复：{report['rows']}，文件 {report['files']} 个（SHA-256 已核对）")
    if broken:
        for link in broken:
            click.echo(link.describe())
        raise SystemExit(1)
    click.echo("审计链完整。")
