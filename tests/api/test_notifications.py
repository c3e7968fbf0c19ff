"""Notifications to people: the applicant's own channel, opt-out, digest, no PII in logs."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from requests_service.db.models import Notification, User
from requests_service.jobs.events import drain
from requests_service.jobs.schedule import run_job
from requests_service.outbound.senders import SendError, Senders, SmtpEmailSender
from tests.factories import World, person
from tests.helpers import act, register
from tests.smtp_server import smtp_server


@dataclass
class Outbox:
    """Records what would be sent (a fake for the SMTP sender and the SMS gateway)."""

    emails: list[tuple[str, str, str]] = field(default_factory=list)
    texts: list[tuple[str, str]] = field(default_factory=list)
    fail: int = 0

    def send(self, *args: Any, tag: str) -> None:
        if self.fail:
            self.fail -= 1
            raise SendError("gateway down")
        if len(args) == 3:
            self.emails.append(args)  # type: ignore[arg-type]
        else:
            self.texts.append(args)  # type: ignore[arg-type]


@pytest.fixture
def outbox(app: Any, monkeypatch: pytest.MonkeyPatch) -> Outbox:
    box = Outbox()
    monkeypatch.setitem(app.extensions, "senders", Senders(email=box, sms=box))
    app.config["WEBHOOK_BACKOFF_SECONDS"] = 0
    return box


def submit_online(client: Any, world: World, **applicant: Any) -> dict[str, Any]:
    response = client.post(
        "/public/applications",
        json={
            "agency_id": world.agencies["A"],
            "applicant": person(**applicant),
            "requested_information": "请公开2025年本区旧城改造补偿方案",
        },
    )
    assert response.status_code == 201, response.json
    return response.json


def test_online_applicant_hears_by_email_with_their_tracking_code(
    client: Any, world: World, outbox: Outbox
) -> None:
    receipt = submit_online(client, world, email="li.si@example.com", name="李四")
    drain(client.application)
    ((to, subject, body),) = outbox.emails
    assert to == "li.si@example.com"
    assert "已收到您的政府信息公开申请" in subject and "测试机关A" in subject
    assert "李四" in body and receipt["tracking_code"] in body
    assert receipt["tracking_secret"] not in body
    assert outbox.texts == []


def test_sms_when_chosen_and_each_registered_event(
    client: Any, world: World, outbox: Outbox
) -> None:
    case = register(
        client, world, applicant=person(notification_channel="sms", phone="13912345678")
    )
    assert act(client, world, "handler", case["id"], "start_review").status_code == 200
    assert act(client, world, "handler", case["id"], "accept").status_code == 200
    extend = act(
        client,
        world,
        "approver",
        case["id"],
        "extend",
        extra_working_days=10,
        reason="需调取档案",
        on="2026-03-10",
    )
    assert extend.status_code == 200, extend.json
    drain(client.application)
    assert outbox.emails == []
    assert {phone for phone, _ in outbox.texts} == {"13912345678"}
    texts = [text for _, text in outbox.texts]
    # Internal steps (start_review, accept) tell the applicant nothing.
    assert len(texts) == 2
    assert "已登记" in texts[0] and case["case_number"] in texts[0]
    assert f"延长至{extend.json['due_on']}" in texts[1]


def test_opt_out_is_respected(client: Any, world: World, outbox: Outbox) -> None:
    receipt = submit_online(client, world)
    code, secret = receipt["tracking_code"], receipt["tracking_secret"]
    drain(client.application)
    assert len(outbox.emails) == 1
    url = f"/public/tracking/{code}/notifications"
    denied = client.put(url, json={"opt_out": True}, headers={"X-Tracking-Secret": "wrong"})
    assert denied.status_code in (403, 404)
    bad = client.put(
        url, json={"opt_out": True, "channel": "pigeon"}, headers={"X-Tracking-Secret": secret}
    )
    assert bad.status_code == 422 and bad.json["code"] == 422
    done = client.put(url, json={"opt_out": True}, headers={"X-Tracking-Secret": secret})
    assert done.status_code == 200 and done.json["opt_out"] is True
    case_id = client.get("/cases", headers=world.auth("registrar")).json[0]["id"]
    assert act(client, world, "registrar", case_id, "register").status_code == 200
    drain(client.application)
    assert len(outbox.emails) == 1
    session = client.application.extensions["db_session_factory"]()
    skipped = session.scalars(
        select(Notification).where(
            Notification.case_id == case_id, Notification.status == "skipped"
        )
    ).all()
    assert skipped and skipped[-1].last_error == "申请人已退订通知"
    session.close()
    history = client.get(f"/cases/{case_id}/history", headers=world.auth("registrar")).json
    assert "notification_preferences" in str(history)


def test_failed_sends_are_retried_then_dead_lettered(
    client: Any, world: World, outbox: Outbox
) -> None:
    client.application.config["WEBHOOK_MAX_ATTEMPTS"] = 3
    outbox.fail = 2
    submit_online(client, world)
    report = drain(client.application)
    assert report.notified == 1 and report.notify_failed == 2 and len(outbox.emails) == 1
    outbox.fail = 5
    submit_online(client, world, email="w@example.com")
    report = drain(client.application)
    assert report.notified == 0
    session = client.application.extensions["db_session_factory"]()
    dead = session.scalars(select(Notification).where(Notification.status == "dead")).all()
    assert len(dead) == 1 and dead[0].attempts == 3 and "gateway down" in dead[0].last_error
    session.close()
    listed = client.get("/admin/notifications?status=dead", headers=world.auth("admin"))
    assert listed.status_code == 200
    (row,) = listed.json
    assert row["last_error"] == "gateway down" and row["template_label"] == "收到申请"
    assert "w@example.com" not in str(listed.json)  # status only, never the address or text
    assert client.get("/admin/notifications", headers=world.auth("handler")).status_code == 403
    bad = client.get("/admin/notifications?status=lost", headers=world.auth("admin"))
    assert bad.status_code == 422
    outbox.fail = 0
    resent = client.post(f"/admin/notifications/{row['id']}/resend", headers=world.auth("admin"))
    assert resent.status_code == 200 and resent.json["status"] == "pending"
    assert drain(client.application).notified == 1
    assert outbox.emails[-1][0] == "w@example.com"
    again = client.post(f"/admin/notifications/{row['id']}/resend", headers=world.auth("admin"))
    assert again.status_code == 422
    other = client.post("/admin/notifications/999999/resend", headers=world.auth("admin"))
    assert other.status_code == 404


def test_no_personal_data_in_logs(
    client: Any, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """The default senders (no SMTP configured, logging SMS gateway) log a masked address only."""
    app = client.application
    app.config["SMTP_HOST"] = ""
    caplog.set_level(logging.DEBUG)
    receipt = submit_online(
        client, world, name="欧阳娜娜", email="ouyang.nana@example.com", phone="13612345678"
    )
    sms_case = register(
        client,
        world,
        applicant=person(serial=7, name="司马光", phone="13787654321", notification_channel="sms"),
    )
    drain(app)
    logged = caplog.text
    assert "template=application.received" in logged and "template=case.registered" in logged
    for secret in (
        "欧阳娜娜",
        "ouyang.nana@example.com",
        "13612345678",
        "司马光",
        "13787654321",
        person(serial=7)["id_number"],
        receipt["tracking_code"],
        sms_case["tracking_code"],
    ):
        assert secret not in logged
    assert "137****4321" in logged and "o***@example.com" in logged


def test_daily_digest_to_each_handler_once(client: Any, world: World, outbox: Outbox) -> None:
    app = client.application
    session = app.extensions["db_session_factory"]()
    handler = session.get(User, world.users["handler"])
    handler.email = "handler@agency.example.gov.cn"
    session.commit()
    session.close()
    case = register(client, world, submitted_at="2026-01-05T10:00:00+08:00")
    etag = client.get(f"/cases/{case['id']}", headers=world.auth("registrar")).headers["ETag"]
    assigned = client.put(
        f"/cases/{case['id']}/assignee",
        json={"assignee_id": world.users["handler"]},
        headers={**world.auth("registrar"), "If-Match": etag},
    )
    assert assigned.status_code == 200, assigned.json
    day = date.fromisoformat(case["due_on"]) + timedelta(days=3)
    assert run_job(app, "handler-digest", day=day).outcome == {"digests": 1}
    assert run_job(app, "handler-digest", day=day) is None
    drain(app)
    digests = [m for m in outbox.emails if m[0] == "handler@agency.example.gov.cn"]
    assert len(digests) == 1
    _, subject, body = digests[0]
    assert "已逾期 1 件" in subject and case["case_number"] in body and "用户handler" in body
    assert "张三" not in body  # the digest lists cases, not applicants


def test_smtp_sender_delivers_utf8_mail() -> None:
    with smtp_server() as mailbox:
        sender = SmtpEmailSender(host="127.0.0.1", port=mailbox.port, sender="gk@example.gov.cn")
        sender.send("li.si@example.com", "【测试机关】您的申请已登记", "李四：\n\n正文", tag="t")
    (message,) = mailbox.messages
    assert message["Subject"] == "【测试机关】您的申请已登记"
    assert message["To"] == "li.si@example.com"
    assert "李四" in message.get_content()
    closed = SmtpEmailSender(host="127.0.0.1", port=1, timeout=2)
    with pytest.raises(SendError):
        closed.send("x@example.com", "s", "b", tag="t")
