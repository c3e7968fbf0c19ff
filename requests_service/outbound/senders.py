"""E-mail through SMTP and an SMS gateway interface with a logging implementation.

Logs never carry a message's text or an unmasked address: only the template, the masked
recipient and the length.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr
from typing import Protocol

from requests_service.domain.identity import mask_phone

log = logging.getLogger(__name__)


class SendError(Exception):
    """A message could not be handed over; it is retried with backoff."""


def mask_email(address: str) -> str:
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


class EmailSender(Protocol):
    def send(self, to: str, subject: str, body: str, *, tag: str) -> None: ...


class SmsGateway(Protocol):
    def send(self, phone: str, text: str, *, tag: str) -> None: ...


@dataclass
class SmtpEmailSender:
    host: str
    port: int = 25
    username: str = ""
    password: str = ""
    sender: str = "noreply@example.gov.cn"
    sender_name: str = "政府信息公开办理系统"
    starttls: bool = False
    timeout: float = 10.0

    def send(self, to: str, subject: str, body: str, *, tag: str) -> None:
        message = EmailMessage()
        message["From"] = formataddr((self.sender_name, self.sender))
        message["To"] = to
        message["Subject"] = subject
        message.set_content(body, charset="utf-8")
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls()
                if self.username:
                    smtp.login(self.username, self.password)
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            raise SendError(f"SMTP {type(exc).__name__}") from exc
        log.info("e-mail sent: template=%s to=%s chars=%d", tag, mask_email(to), len(body))


class LoggingEmailSender:
    """Without SMTP configured: records that a message would have gone (no text, masked)."""

    def send(self, to: str, subject: str, body: str, *, tag: str) -> None:
        log.info(
            "e-mail (not sent, no SMTP_HOST): template=%s to=%s chars=%d",
            tag,
            mask_email(to),
            len(body),
        )


class LoggingSmsGateway:
    """The SMS gateway interface's logging implementation (a real gateway replaces it)."""

    def send(self, phone: str, text: str, *, tag: str) -> None:
        log.info("SMS: template=%s to=%s chars=%d", tag, mask_phone(phone), len(text))


@dataclass
class Senders:
    email: EmailSender
    sms: SmsGateway


def senders_from_config(config: dict) -> Senders:  # type: ignore[type-arg]
    email: EmailSender
    if config.get("SMTP_HOST"):
        email = SmtpEmailSender(
            host=config["SMTP_HOST"],
            port=int(config.get("SMTP_PORT") or 25),
            username=config.get("SMTP_USERNAME") or "",
            password=config.get("SMTP_PASSWORD") or "",
            sender=config.get("SMTP_FROM") or "noreply@example.gov.cn",
            starttls=bool(config.get("SMTP_STARTTLS")),
        )
    else:
        email = LoggingEmailSender()
    return Senders(email=email, sms=LoggingSmsGateway())
