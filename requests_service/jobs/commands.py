"""Flask CLI commands: schema upgrade, users and tokens, demo data, scheduled jobs."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import click
from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from requests_service.db import migrate
from requests_service.db.models import Agency, ApiToken, User, UserRole
from requests_service.db.session import current_session
from requests_service.domain.channels import Channel
from requests_service.domain.lifecycle import Action, Role
from requests_service.services import admin as admin_service
from requests_service.services import cases as case_service
from requests_service.services.access import actor_for_user, hash_token
from requests_service.services.case_commands import (
    ActionCommand,
    ApplicantDetails,
    Registration,
    Submission,
)
from requests_service.timekeeping import utcnow


def register_commands(app: Flask) -> None:
    app.cli.add_command(db_upgrade)
    app.cli.add_command(create_user)
    app.cli.add_command(create_token)
    app.cli.add_command(seed_demo)
    app.cli.add_command(write_spec)
    app.cli.add_command(close_lapsed)
    app.cli.add_command(regroup_topics_command)
    app.cli.add_command(place_topics_command)
    app.cli.add_command(recompute_deadlines)
    app.cli.add_command(letters_worker)
    app.cli.add_command(recover_letters)
    app.cli.add_command(deliver_events)
    app.cli.add_command(run_scheduler_command)
    app.cli.add_command(run_job_command)
    app.cli.add_command(verify_audit)
    app.cli.add_command(anchor_audit)
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
@click.option("--email", default="", help="Work e-mail for the daily digest of due cases.")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice([r.value for r in Role if r not in (Role.APPLICANT, Role.SYSTEM)]),
)
def create_user(
    agency_id: int, username: str, display_name: str, email: str, roles: tuple[str, ...]
) -> None:
    """Create an officer (through the admin service, audited) and print a bearer token."""
    from requests_service.domain.errors import DomainError

    session = current_session()
    if session.get(Agency, agency_id) is None:
        raise click.ClickException(f"机关 {agency_id} 不存在")
    try:
        user = admin_service.create_user(
            session,
            admin_service.operator_actor(session, agency_id),
            admin_service.CreateUser(
                agency_id=agency_id,
                username=username,
                display_name=display_name,
                email=email,
                roles=sorted(set(roles)),
            ),
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


def _ensure_agency(session: Session, **fields: Any) -> Agency:
    agency = session.scalar(select(Agency).where(Agency.name == fields["name"]))
    if agency is None:
        agency = Agency(**fields)
        session.add(agency)
        session.flush()
    return agency


def _ensure_user(
    session: Session, agency: Agency, username: str, name: str, roles: Iterable[Role]
) -> User:
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
    """Demo mode only (DEMO=1): agencies, users, tokens and one case at each stage (idempotent)."""
    if not current_app.config.get("DEMO"):
        raise click.ClickException(
            "演示数据只在演示模式下载入：请设置 DEMO=1（./scripts/serve 默认如此）"
        )
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
        # A department of the city government: the city government hears reconsideration
        # (行政复议法 第二十四条); no designated court → 依法向人民法院提起行政诉讼.
        reconsideration_rule="same_level_government",
        same_level_government="示范市人民政府",
        reconsideration_body="示范市人民政府",
        court="",
        letterhead_enabled=True,
        letterhead_text="示范市发展和改革委员会",
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
        reconsideration_rule="same_level_government",
        same_level_government="示范市人民政府",
        reconsideration_body="示范市人民政府",
        # Administrative cases of this district are concentrated in a designated court.
        court="示范市铁路运输法院",
    )
    for username, name, roles in DEMO_USERS:
        _ensure_user(session, ndrc, username, name, roles)
    _ensure_user(session, housing, "demo-housing-handler", "陈承办", (Role.HANDLER,))
    _ensure_user(session, city, "demo-oversight", "周督查", (Role.OVERSIGHT,))
    session.commit()

    from requests_service.db.models import Case

    if not session.scalar(select(Case.id).where(Case.agency_id == ndrc.id)):
        _seed_demo_cases(session, ndrc)
    click.echo("演示数据已就绪（每个办理阶段各有一件演示案件，含已签发答复书的案件）。演示令牌：")
    for username, _name, roles in (*DEMO_USERS, ("demo-oversight", "", (Role.OVERSIGHT,))):
        click.echo(f"  {'/'.join(r.label for r in roles)}: {_demo_token(username)}")


DEMO_STAGES = (
    ("received", "2025年本市重点建设项目计划及投资完成情况"),
    ("registered", "示范区2025年征收补偿标准文件"),
    ("under_review", "本委2025年政府信息公开工作年度报告所涉收费依据"),
    ("awaiting_correction", "关于那个项目的文件"),
    ("reply_drafted", "2025年市级预算内投资计划下达文件"),
    ("replied", "2025年本市新建学校项目批复文件"),
    ("archived", "2024年本市价格监测报告"),
)


def _seed_demo_cases(session, agency: Agency) -> None:  # type: ignore[no-untyped-def]
    """One case at each stage, so a new user sees the whole procedure, and a real PDF at once."""
    from requests_service.domain.outcomes import Outcome
    from requests_service.domain.reply_delivery import DeliveryMethod
    from requests_service.jobs.tasks import run_issue
    from requests_service.services import decisions

    def actor(username: str):  # type: ignore[no-untyped-def]
        user = session.scalar(select(User).where(User.username == username))
        return actor_for_user(session, user)

    registrar, handler, approver = (
        actor("demo-registrar"),
        actor("demo-handler"),
        actor("demo-approver"),
    )
    secret_key = current_app.config["SECRET_KEY"]
    reply = decisions.ReplyDecision(
        outcome=Outcome.DISCLOSED,
        reasons="该信息属于本机关主动公开范围以外、可以公开的政府信息。",
        details={"disclosure_route": "provided"},
    )
    now = utcnow()
    for index, (stage, text) in enumerate(DEMO_STAGES):
        applicant = _demo_applicant(index)
        if stage == "received":
            case_service.submit_online(
                session,
                Submission(
                    agency_id=agency.id,
                    applicant=applicant,
                    requested_information=text,
                    delivery_form="electronic",
                    delivery_method="email",
                ),
                secret_key=secret_key,
                idempotency_key=None,
                render=lambda case, _secret: {"case_id": case.id},
            )
            continue
        case, _ = case_service.register_case(
            session,
            registrar,
            Registration(
                channel=Channel.IN_PERSON,
                applicant=applicant,
                requested_information=text,
                submitted_at=now - timedelta(days=index),
            ),
            secret_key=secret_key,
        )
        case_service.assign_case(session, registrar, case, handler.user_id)
        if stage == "under_review":
            case_service.apply_action(session, handler, case, Action.START_REVIEW, ActionCommand())
        elif stage == "awaiting_correction":
            decisions.decide(
                session,
                handler,
                case,
                decisions.CorrectionDecision(correction_items=["请写明所需文件的名称或文号"]),
            )
        elif stage in ("reply_drafted", "replied", "archived"):
            decisions.decide(session, handler, case, reply)
        if stage in ("replied", "archived"):
            result = decisions.approve(session, approver, case, decisions.Approval())
            for letter_id in result.to_issue:
                run_issue(current_app, letter_id)  # rendered now: a real PDF at first start
        if stage == "archived":
            from requests_service.services import letters as letter_service

            letter = next(lt for lt in result.letters if lt.kind == "reply")
            session.refresh(letter)
            letter_service.record_delivery(
                session,
                registrar,
                case,
                letter,
                letter_service.RecordDelivery(
                    delivery_method=DeliveryMethod.EMAIL, proof="电子邮件发送记录", archive=True
                ),
            )


def _demo_applicant(index: int) -> ApplicantDetails:
    from requests_service.domain.identity import ApplicantType, IdType, resident_id_check_char

    # Born on a date no test factory uses (tests/factories.py: 1990-03-07), so a test run
    # against demo data never meets a demo applicant's earlier pieces (per-piece fees count
    # the same person's pieces in the month).
    body = f"11010119761108{index:03d}"
    return ApplicantDetails(
        applicant_type=ApplicantType.NATURAL_PERSON,
        name=("张三", "李四", "王五", "赵六", "孙七", "周八", "吴九", "郑十")[index],
        id_type=IdType.RESIDENT_ID,
        id_number=body + resident_id_check_char(body),
        phone=f"1380013800{index}",
        address="示范市幸福路10号",
    )


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

    def progress(done: int, total: int) -> None:
        if done == 1 or done == total or done % 100 == 0:
            click.echo(f"  处理中：{done}/{total} 件", err=True)

    report = close_lapsed_cases(current_session(), progress=progress)
    click.echo(
        f"逾期未补正终止 {len(report.closed_no_correction)} 件；"
        f"逾期未缴费终止 {len(report.closed_fee_unpaid)} 件；失败 {len(report.failed)} 件"
    )


@click.command("regroup-topics")
@click.option("--agency", "agency_id", type=int, required=True, help="机关编号")
def regroup_topics_command(agency_id: int) -> None:
    """Regroup an agency's undecided topics with the current rule and the officers'
    must-link/cannot-link corrections; recompute Art. 44 candidacy (audited, idempotent)."""
    from requests_service.domain.errors import DomainError
    from requests_service.services.access import SYSTEM
    from requests_service.services.topic_corrections import regroup_topics

    try:
        report = regroup_topics(current_session(), SYSTEM, agency_id)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(
        f"机关 {agency_id}：{report.cases} 件申请归入 {report.topics} 个主题；"
        f"调整 {len(report.moved)} 件，新建主题 {len(report.created_topics)} 个，"
        f"候选状态变化 {len(report.status_changes)} 个"
    )


@click.command("place-topics")
@click.option("--agency", "agency_id", type=int, default=None, help="机关编号（默认：全部）")
def place_topics_command(agency_id: int | None) -> None:
    """Place the applications whose topic placement is pending (TOPIC_PLACEMENT=queue), in
    arrival order, exactly as intake would have (idempotent: placed ones are not touched)."""
    from requests_service.jobs.placement import place
    from requests_service.services.topic_placement import pending_count

    # Its sessions wake the event worker after committing a new candidacy's event.
    placed = place(current_app._get_current_object(), agency_id=agency_id)  # type: ignore[attr-defined]
    session = current_session()
    left = pending_count(session, agency_id)
    click.echo(f"已归入主题 {placed} 件申请；仍待归入 {left} 件")


@click.command("recompute-deadlines")
def recompute_deadlines() -> None:
    """Re-compute the stored due dates of every open case (e.g. after a calendar import)."""
    from requests_service.services.calendar_admin import recompute_due_dates

    session = current_session()

    def progress(computed: int, changed: int) -> None:
        click.echo(f"  已计算 {computed} 件，期限变化 {changed} 件……", err=True)

    computed, changed = recompute_due_dates(session, progress=progress)
    session.commit()
    engine = current_app.extensions["db_engine"]
    if changed and engine.dialect.name == "postgresql":
        # Mass updates clear the visibility map the dashboard's index-only scan relies on;
        # vacuum now rather than wait for autovacuum.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM (ANALYZE) cases")
    click.echo(f"已重新计算 {computed} 件，期限变化 {changed} 件")


@click.command("recover-letters")
def recover_letters() -> None:
    """Letters stuck "issuing" past LETTER_ISSUE_TIMEOUT: queue again, or fail with the reason."""
    from requests_service.jobs.tasks import recover_stuck_letters

    outcome = recover_stuck_letters(current_app)
    click.echo(
        f"重新排队签发 {len(outcome['retried'])} 件；"
        f"超过重试次数、退回待签发 {len(outcome['failed'])} 件"
    )


@click.command("letters-worker")
@click.option("--burst", is_flag=True, help="Process what is queued, then exit.")
def letters_worker(burst: bool) -> None:
    """Render and issue letters from this installation's queue (LETTER_QUEUE_NAME).

    Recovers stuck letters at start and then every LETTER_ISSUE_TIMEOUT / 2 seconds.
    """
    import threading

    from redis import Redis
    from rq import SimpleWorker

    from requests_service.jobs import tasks

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    tasks._WORKER_APP = app
    name = tasks.queue_name(app.config)
    tasks.recover_stuck_letters(app)
    stop = threading.Event()

    def _recover_periodically() -> None:
        interval = max(1, int(app.config["LETTER_ISSUE_TIMEOUT"]) // 2)
        while not stop.wait(interval):
            with app.app_context():
                try:
                    tasks.recover_stuck_letters(app)
                except Exception:  # keep the worker alive; the next round tries again
                    tasks.log.exception("stuck-letter recovery failed")

    if not burst:
        threading.Thread(target=_recover_periodically, daemon=True).start()
    click.echo(f"文书队列 {name}（{app.config['REDIS_URL']}）")
    connection = Redis.from_url(app.config["REDIS_URL"])
    worker = SimpleWorker([name], connection=connection)
    try:
        worker.work(burst=burst, logging_level="WARNING")
    finally:
        stop.set()


@click.command("deliver-events")
@click.option("--loop", is_flag=True, help="Keep draining every --interval seconds.")
@click.option("--interval", type=float, default=5.0, show_default=True)
def deliver_events(loop: bool, interval: float) -> None:
    """Drain the outbox without Redis: fan events out, deliver webhooks, send notifications."""
    import time

    from requests_service.jobs.events import drain

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    while True:
        report = drain(app).as_dict()
        click.echo(
            "事件分发 {dispatched} 条；回调成功 {delivered}，失败待重试 {failed}，进入死信 {dead}；"
            "通知发送 {notified}，失败 {notify_failed}".format(**report)
        )
        if not loop:
            return
        time.sleep(interval)


@click.command("run-scheduler")
@click.option("--interval", type=float, default=60.0, show_default=True)
@click.option("--once", is_flag=True, help="One tick, then exit.")
def run_scheduler_command(interval: float, once: bool) -> None:
    """Run the daily jobs (once per day each) and drain the outbox, without Redis."""
    from requests_service.jobs.schedule import run_scheduler

    click.echo("定时任务已启动（Ctrl+C 退出）" if not once else "执行一次定时任务检查")
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    run_scheduler(app, interval=interval, once=once)


@click.command("run-job")
@click.argument("name")
@click.option("--day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None)
def run_job_command(name: str, day: datetime | None) -> None:
    """Run one daily job now (skipped if it already ran for the day)."""
    from requests_service.jobs.schedule import DAILY_JOBS, run_job

    if name not in DAILY_JOBS:
        raise click.ClickException(f"没有名为 {name} 的任务；可选：{', '.join(DAILY_JOBS)}")
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    run = run_job(app, name, day=day.date() if day else None)
    if run is None:
        click.echo(f"{name} 今日已执行，跳过")
    else:
        click.echo(f"{name}: {run.status} {run.outcome} {run.error or ''}".strip())


@click.command("verify-audit")
@click.option(
    "--anchors",
    "anchors_path",
    default=None,
    type=click.Path(dir_okay=False),
    help="Anchor file (flask anchor-audit) to check the chains' heads against.",
)
def verify_audit(anchors_path: str | None) -> None:
    """Verify every audit hash chain; report the first broken link of each (exit status 1).
    With --anchors, also check that every anchored head is still there: deleting the newest
    events and re-chaining after an anchor is found too."""
    from pathlib import Path

    from requests_service.services.audit import anchor_key, verify_all, verify_anchors

    session = current_session()
    problems = [link.describe() for link in verify_all(session)]
    if anchors_path:
        path = Path(anchors_path)
        if not path.exists():
            raise click.ClickException(f"锚点文件不存在：{anchors_path}")
        lines = path.read_text(encoding="utf-8").splitlines()
        key = anchor_key(current_app.config["SECRET_KEY"])
        problems += [finding.describe() for finding in verify_anchors(session, lines, key)]
    if not problems:
        checked = "，且与锚点文件一致" if anchors_path else ""
        click.echo(f"审计链完整：未发现被修改、删除或插入的事件{checked}。")
        return
    for problem in problems:
        click.echo(problem)
    raise SystemExit(1)


@click.command("anchor-audit")
@click.option(
    "--file",
    "path",
    default=None,
    type=click.Path(dir_okay=False),
    help="Append-only anchor file (default: AUDIT_ANCHOR_FILE).",
)
def anchor_audit(path: str | None) -> None:
    """Append every audit chain's head (chain, last sequence number, hash, time; HMAC-signed)
    to a file outside the database, for verify-audit --anchors."""
    from requests_service.services.audit import append_anchor

    target = path or current_app.config.get("AUDIT_ANCHOR_FILE") or ""
    if not target:
        raise click.ClickException("请用 --file 指定锚点文件，或设置 AUDIT_ANCHOR_FILE。")
    count = append_anchor(current_session(), target, current_app.config["SECRET_KEY"])
    click.echo(f"已将{count}条审计链的链头写入 {target}")


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
