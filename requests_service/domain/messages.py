"""Chinese message templates for applicants and handlers, and who hears of what.

Plain ``str.format`` templates (the domain imports no template engine). A message to an
applicant carries their own name and tracking code and goes only to them; logs never carry a
message's text (``senders`` log the template key and a masked address only).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final

from requests_service.domain.events import EventType
from requests_service.domain.labelled import LabelledEnum


class NotificationChannel(LabelledEnum):
    EMAIL = "email", "电子邮件"
    SMS = "sms", "手机短信"
    NONE = "none", "不接收通知"


def applicant_channel(choice: str, *, email: str, phone: str) -> NotificationChannel:
    """The applicant's chosen channel; without a choice, e-mail if given, else SMS if a phone
    number was given. A channel without an address means no message."""
    if choice == NotificationChannel.NONE:
        return NotificationChannel.NONE
    if choice == NotificationChannel.EMAIL:
        return NotificationChannel.EMAIL if email.strip() else NotificationChannel.NONE
    if choice == NotificationChannel.SMS:
        return NotificationChannel.SMS if phone.strip() else NotificationChannel.NONE
    if email.strip():
        return NotificationChannel.EMAIL
    if phone.strip():
        return NotificationChannel.SMS
    return NotificationChannel.NONE


@dataclass(frozen=True)
class Template:
    subject: str
    body: str
    sms: str


_SIGN = (
    "\n\n{agency_name}\n"
    "（本邮件由系统自动发送，请勿直接回复。查询办理进度请使用查询码和查询密码。）"
)

# Events an applicant is told about. Fields: applicant_name, agency_name, case_ref
# (case number, or the tracking code before registration), tracking_code, state_label, due_on,
# plus the event's own data (correction_due_on, document_number, ...).
APPLICANT_TEMPLATES: Final[Mapping[EventType, Template]] = MappingProxyType(
    {
        EventType.APPLICATION_RECEIVED: Template(
            "【{agency_name}】已收到您的政府信息公开申请",
            "{applicant_name}：\n\n我机关已收到您的政府信息公开申请，查询码为 {tracking_code}。"
            "我们将依照《中华人民共和国政府信息公开条例》办理。" + _SIGN,
            "【{agency_name}】已收到您的政府信息公开申请，查询码{tracking_code}。",
        ),
        EventType.CASE_REGISTERED: Template(
            "【{agency_name}】您的申请已登记（{case_ref}）",
            "{applicant_name}：\n\n您的政府信息公开申请已登记，编号 {case_ref}，"
            "查询码 {tracking_code}。答复期限至 {due_on}。" + _SIGN,
            "【{agency_name}】您的申请已登记，编号{case_ref}，答复期限至{due_on}。",
        ),
        EventType.CORRECTION_REQUESTED: Template(
            "【{agency_name}】请补正您的申请（{case_ref}）",
            "{applicant_name}：\n\n您的申请（{case_ref}）内容需要补正，我机关已发出补正告知。"
            "请于 {correction_due_on} 前提交补正材料；逾期未补正的，视为放弃申请"
            "（《政府信息公开条例》第三十条）。" + _SIGN,
            "【{agency_name}】您的申请{case_ref}需补正，请于{correction_due_on}前提交，"
            "逾期视为放弃。",
        ),
        EventType.CORRECTION_RECEIVED: Template(
            "【{agency_name}】已收到您的补正材料（{case_ref}）",
            "{applicant_name}：\n\n我机关已收到您就申请（{case_ref}）提交的补正材料，"
            "答复期限自收到补正之日起重新计算，至 {due_on}。" + _SIGN,
            "【{agency_name}】已收到申请{case_ref}的补正材料，答复期限至{due_on}。",
        ),
        EventType.CASE_EXTENDED: Template(
            "【{agency_name}】您的申请答复期限已延长（{case_ref}）",
            "{applicant_name}：\n\n经政府信息公开工作机构负责人同意，您的申请（{case_ref}）"
            "答复期限延长至 {due_on}（《政府信息公开条例》第三十三条）。" + _SIGN,
            "【{agency_name}】申请{case_ref}答复期限延长至{due_on}。",
        ),
        EventType.LETTER_ISSUED: Template(
            "【{agency_name}】关于您的申请的文书已签发（{case_ref}）",
            "{applicant_name}：\n\n我机关已就您的申请（{case_ref}）签发文书"
            "（{document_number}），请凭查询码和查询密码下载。" + _SIGN,
            "【{agency_name}】申请{case_ref}的文书{document_number}已签发，请登录查询。",
        ),
        EventType.CASE_REPLIED: Template(
            "【{agency_name}】您的申请已作出答复（{case_ref}）",
            "{applicant_name}：\n\n我机关已对您的申请（{case_ref}）作出答复，"
            "答复书将按您选择的方式送达。" + _SIGN,
            "【{agency_name}】申请{case_ref}已作出答复，答复书将按您选择的方式送达。",
        ),
        EventType.CASE_DELIVERED: Template(
            "【{agency_name}】答复已送达（{case_ref}）",
            "{applicant_name}：\n\n您的申请（{case_ref}）的答复已送达。"
            "如对答复不服，可依法申请行政复议或者提起行政诉讼。" + _SIGN,
            "【{agency_name}】申请{case_ref}的答复已送达。",
        ),
        EventType.CASE_CLOSED: Template(
            "【{agency_name}】您的申请已终结（{case_ref}）",
            "{applicant_name}：\n\n您的申请（{case_ref}）已终结：{state_label}。" + _SIGN,
            "【{agency_name}】申请{case_ref}已终结：{state_label}。",
        ),
    }
)

DIGEST_SUBJECT: Final = "【待办提醒】{day} 即将到期 {due_soon} 件，已逾期 {overdue} 件"
DIGEST_HEADER: Final = "{handler_name}：\n\n截至 {day}，您承办的案件中：\n"
DIGEST_LINE: Final = "  · {case_number}　{state_label}　答复期限 {due_on}（{flag}）\n"
DIGEST_FOOTER: Final = "\n请及时办理。（本邮件由系统自动发送）"


@dataclass(frozen=True)
class Message:
    subject: str
    body: str


class _Defaults(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "—"


def render_applicant(event_type: EventType, channel: str, context: Mapping[str, Any]) -> Message:
    """The message for one event. Missing fields render as "—" rather than failing."""
    template = APPLICANT_TEMPLATES[event_type]
    values = _Defaults({k: ("—" if v in (None, "") else v) for k, v in context.items()})
    if channel == NotificationChannel.SMS:
        return Message(subject="", body=template.sms.format_map(values))
    return Message(
        subject=template.subject.format_map(values), body=template.body.format_map(values)
    )


def render_digest(handler_name: str, day: str, rows: list[Mapping[str, Any]]) -> Message:
    """Daily digest to a handler: their open cases due soon or overdue."""
    overdue = sum(1 for r in rows if r["overdue"])
    subject = DIGEST_SUBJECT.format(day=day, due_soon=len(rows) - overdue, overdue=overdue)
    body = DIGEST_HEADER.format(handler_name=handler_name, day=day)
    for row in rows:
        body += DIGEST_LINE.format(
            case_number=row["case_number"] or row["tracking_code"],
            state_label=row["state_label"],
            due_on=row["due_on"],
            flag="已逾期" if row["overdue"] else "即将到期",
        )
    return Message(subject=subject, body=body + DIGEST_FOOTER)
