"""A delivery worker SIGKILLed mid-batch loses nothing and has nothing sent twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from core.messages import outbox
from core.store.db import transaction
from notify.email import message_id
from tests.aftersales.providers import AliyunGateway, SmtpSink
from tests.aftersales.ticketdata import T0

ROOT = Path(__file__).resolve().parents[2]
SMS, MAILS = 30, 20


def start_worker(url: str, env: dict[str, str]) -> subprocess.Popen:
    command = [sys.executable, "-m", "notify", "--interval", "0.05", "--limit", "8",
               "--lease-seconds", "1", "--base-delay-seconds", "0.2", "--max-attempts", "20"]  # fmt: skip
    return subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env, "ORDERHUB_DATABASE_URL": url})


def wait_for(condition, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def statuses(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return outbox.status_counts(conn)


def test_a_killed_worker_loses_nothing_and_sends_nothing_twice(engine, sqlite_url):
    shipped = {"order_no": "TB4081726354001", "carrier": "顺丰速运", "tracking_no": "SF1234567890123"}
    overdue = {"number": "AS20261126-0007", "order_no": "TB4081726354001", "owner": "li.na",
               "due": "2026-11-27 09:30", "stage": "首次响应", "level": "已超时"}  # fmt: skip
    sms_keys = [f"sms:shipped:{i}" for i in range(SMS)]
    mail_keys = [f"email:ticket_overdue:{i}" for i in range(MAILS)]
    with transaction(engine) as conn:
        outbox.enqueue(conn, [outbox.message(k, "sms", f"139{i:08d}", "order_shipped", shipped, T0)
                              for i, k in enumerate(sms_keys)])  # fmt: skip
        outbox.enqueue(conn, [outbox.message(k, "email", f"agent{i}@shop.example", "ticket_overdue", overdue, T0)
                              for i, k in enumerate(mail_keys)])  # fmt: skip
    gateway = AliyunGateway(fail_every=4, delay=0.03)  # every 4th request fails: retries are exercised
    sink = SmtpSink(delay=0.03)
    env = gateway.env() | sink.env()
    kills = 0
    try:
        for goal in (8, 25):  # kill twice, each time in the middle of a batch
            worker = start_worker(sqlite_url, env)
            wait_for(lambda g=goal: len(gateway.accepted) + len(sink.messages) >= g, 30)
            worker.send_signal(signal.SIGKILL)
            worker.wait(10)
            kills += 1
            left = statuses(engine)
            assert left.get("sending", 0) > 0 and left.get("sent", 0) < SMS + MAILS  # killed mid-batch
        worker = start_worker(sqlite_url, env)
        wait_for(lambda: statuses(engine) == {"sent": SMS + MAILS}, 45)
        worker.terminate()
        worker.wait(10)
    finally:
        gateway.close()
        sink.close()
    assert sorted(gateway.accepted) == sorted(sms_keys)
    assert sorted(sink.messages) == sorted(message_id(k) for k in mail_keys)
    # Only a message in flight at a kill may reach a provider twice, and the provider drops it.
    assert len(gateway.duplicates) + len(sink.duplicates) <= kills
    with engine.connect() as conn:
        retried = conn.execute(select(func.count()).where(outbox.outbox.c.attempts > 1)).scalar_one()
    assert retried >= SMS // 4 - 1  # the planned gateway failures were retried, not lost
