"""The delivery pass the worker and the CLI run: transports from configuration, one outbox pass."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import Engine

from core.copies import sandbox
from core.messages import outbox
from notify.aliyun_sms import SmsSettings, SmsTransport
from notify.email import EmailTransport, SmtpSettings


def transports_from_env(env: Mapping[str, str] = os.environ) -> dict[str, outbox.Transport]:
    """The transports whose settings are present: "email" (ORDERHUB_SMTP_*), "sms" (ORDERHUB_SMS_*).

    A kind without a transport is simply not claimed, so its messages wait instead of failing.
    """
    transports: dict[str, outbox.Transport] = {}
    if smtp := SmtpSettings.from_env(env):
        transports["email"] = EmailTransport(smtp)
    if sms := SmsSettings.from_env(env):
        transports["sms"] = SmsTransport(sms)
    return transports


def deliver_pending(
    engine: Engine,
    transports: Mapping[str, outbox.Transport] | None = None,
    *,
    limit: int = 100,
    now: datetime | None = None,
    lease: timedelta = outbox.LEASE,
    max_attempts: int = outbox.MAX_ATTEMPTS,
    base_delay: timedelta = outbox.BASE_DELAY,
) -> outbox.DeliveryReport:
    """One delivery pass (sent / failed / dead counts); transports default to the configured ones."""
    if sandbox.is_sandbox(engine):  # a copy's messages are rehearsals: nobody may receive them
        raise sandbox.SandboxError("Messages are never delivered from a sandbox copy.")
    built = transports is None
    active = transports_from_env() if transports is None else transports
    try:
        return outbox.deliver(
            engine, active, limit=limit, now=now, lease=lease, max_attempts=max_attempts, base_delay=base_delay
        )
    finally:
        if built:
            for transport in active.values():
                transport.close()  # type: ignore[attr-defined]
