"""E-mail over real SMTP (smtplib): plain, STARTTLS or implicit TLS, with optional AUTH."""

from __future__ import annotations

import hashlib
import os
import smtplib
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, parseaddr

from core.messages.outbox import DeliveryFailure, Envelope, PermanentFailure
from notify.templates import render

SECURITY_MODES = ("starttls", "ssl", "none")
IDLE_SECONDS = 60  # servers drop idle sessions; one unused this long is reopened before use


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 587
    security: str = "starttls"
    username: str = ""
    password: str = ""
    sender: str = "OrderHub <noreply@orderhub.local>"
    timeout: float = 15.0
    cafile: str | None = None  # a private CA (e.g. the company's own mail server); None: system CAs

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> SmtpSettings | None:
        """ORDERHUB_SMTP_HOST/PORT/SECURITY/USER/PASSWORD/FROM/CAFILE; None when no host is set."""
        if not env.get("ORDERHUB_SMTP_HOST"):
            return None
        security = env.get("ORDERHUB_SMTP_SECURITY", "starttls").lower()
        if security not in SECURITY_MODES:
            raise ValueError(f"ORDERHUB_SMTP_SECURITY must be one of {', '.join(SECURITY_MODES)}, not {security!r}.")
        if not (env.get("ORDERHUB_SMTP_USER", "") + env.get("ORDERHUB_SMTP_PASSWORD", "")).isascii():
            # smtplib sends AUTH LOGIN/PLAIN credentials as ASCII and would fail on every message.
            raise ValueError("ORDERHUB_SMTP_USER and ORDERHUB_SMTP_PASSWORD must be ASCII for SMTP AUTH.")
        default_port = {"starttls": 587, "ssl": 465, "none": 25}[security]
        return cls(
            host=env["ORDERHUB_SMTP_HOST"],
            port=int(env.get("ORDERHUB_SMTP_PORT", default_port)),
            security=security,
            username=env.get("ORDERHUB_SMTP_USER", ""),
            password=env.get("ORDERHUB_SMTP_PASSWORD", ""),
            sender=env.get("ORDERHUB_SMTP_FROM", cls.sender),
            cafile=env.get("ORDERHUB_SMTP_CAFILE") or None,
        )


def message_id(key: str) -> str:
    """A Message-ID derived from the idempotency key: a resend after a crash carries the same one."""
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@orderhub>"


def compose(envelope: Envelope, sender: str) -> EmailMessage:
    name, address = parseaddr(envelope.recipient)
    if "@" not in address:
        raise PermanentFailure(f"{envelope.recipient!r} is not an e-mail address.")
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = formataddr((name, address))
    mail["Subject"] = render(envelope.template, envelope.payload, "subject")
    mail["Message-ID"] = message_id(envelope.key)
    mail["X-Idempotency-Key"] = envelope.key
    mail.set_content(render(envelope.template, envelope.payload, "body"))
    # Text attachments travel in the JSON payload, e.g. a purchase order's lines as CSV.
    for attachment in envelope.payload.get("attachments", ()):
        subtype = attachment["content_type"].removeprefix("text/")
        mail.add_attachment(attachment["content"], subtype=subtype, filename=attachment["filename"])
    return mail


class EmailTransport:
    """Sends each envelope as one mail; keeps one SMTP session open across a delivery pass."""

    def __init__(self, settings: SmtpSettings):
        self.settings = settings
        self._session: smtplib.SMTP | None = None
        self._used_at = 0.0

    def __call__(self, envelope: Envelope) -> None:
        mail = compose(envelope, self.settings.sender)
        try:
            self._connected().send_message(mail)
        except smtplib.SMTPResponseException as refused:
            self.close()
            _raise_for(refused.smtp_code, refused.smtp_error)
        except smtplib.SMTPRecipientsRefused as refused:
            code, text = next(iter(refused.recipients.values()))
            _raise_for(code, text)
        except (smtplib.SMTPException, OSError) as broken:
            self.close()  # the session is unusable; the next message opens a fresh one
            raise DeliveryFailure(f"SMTP {self.settings.host}:{self.settings.port}: {broken}") from None

    def close(self) -> None:
        if self._session is not None:
            try:
                self._session.quit()
            except (smtplib.SMTPException, OSError):
                self._session.close()
            self._session = None

    def _connected(self) -> smtplib.SMTP:
        if self._session is not None and time.monotonic() - self._used_at > IDLE_SECONDS:
            self.close()
        if self._session is None:
            self._session = self._open()
        self._used_at = time.monotonic()
        return self._session

    def _open(self) -> smtplib.SMTP:
        s = self.settings
        context = ssl.create_default_context(cafile=s.cafile)
        if s.security == "ssl":
            session: smtplib.SMTP = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=context)
        else:
            session = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            if s.security == "starttls":
                session.starttls(context=context)
        if s.username:
            session.login(s.username, s.password)
        return session


def _raise_for(code: int, text: bytes | str) -> None:
    """5xx replies are final; 4xx (greylisting, mailbox busy) are worth another try."""
    detail = text.decode(errors="replace") if isinstance(text, bytes) else text
    if 500 <= code < 600:
        raise PermanentFailure(f"The mail server refused the message: {code} {detail}")
    raise DeliveryFailure(f"The mail server deferred the message: {code} {detail}")
