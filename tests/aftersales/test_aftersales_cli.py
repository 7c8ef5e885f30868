"""The ticket and outbox commands, run as a script would run them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from core.messages import outbox
from core.store.db import transaction
from tests.aftersales.providers import AliyunGateway
from tests.aftersales.ticketdata import T0

ROOT = Path(__file__).resolve().parents[2]


def cli(url: str, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    environment = {**os.environ, **(env or {}), "ORDERHUB_DATABASE_URL": url}
    return subprocess.run([sys.executable, "cli.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True)


def test_a_ticket_is_opened_listed_and_advanced_from_the_command_line(store, shipped_order, sqlite_url):
    shipped_order("TB8100000001", {"PET-FOOD-2KG": 3, "CAT-LITTER-10L": 1})
    opened = cli(sqlite_url, "ticket", "open", "TB8100000001", "--type", "return", "--reason", "质量问题",
                 "--sku", "PET-FOOD-2KG", "--qty", "2", "--json")  # fmt: skip
    assert opened.returncode == 0, opened.stderr
    ticket = json.loads(opened.stdout)
    assert ticket["number"].startswith("AS") and ticket["owner"] == "li.na" and ticket["reason"] == "quality"
    assert [(line["sku"], line["qty"]) for line in ticket["lines"]] == [("PET-FOOD-2KG", 2)]
    listed = json.loads(cli(sqlite_url, "ticket", "list", "--json").stdout)
    assert [row["number"] for row in listed] == [ticket["number"]]
    assert json.loads(cli(sqlite_url, "ticket", "list", "--overdue", "--json").stdout) == []
    moved = cli(sqlite_url, "ticket", "advance", ticket["number"], "approved")
    assert moved.returncode == 0 and moved.stdout.strip() == f"{ticket['number']}: approved"


def test_bad_input_on_the_command_line_is_one_sentence_and_no_traceback(store, shipped_order, sqlite_url):
    shipped_order("TB8100000002", {"PET-FOOD-2KG": 1})
    too_many = cli(sqlite_url, "ticket", "open", "TB8100000002", "--type", "refund", "--reason", "quality",
                   "--sku", "PET-FOOD-2KG", "--qty", "5")  # fmt: skip
    assert too_many.returncode == 1 and "Traceback" not in too_many.stderr
    assert too_many.stderr.startswith("error: Order TB8100000002 has 1 of PET-FOOD-2KG shipped")
    illegal = cli(sqlite_url, "ticket", "advance", "AS20261126-0404", "closed")
    assert illegal.stderr.strip() == "error: Ticket AS20261126-0404 does not exist."


def test_outbox_deliver_once_prints_sent_failed_and_dead(engine, sqlite_url):
    with transaction(engine) as conn:
        outbox.enqueue(conn, [
            outbox.message("sms:paid:1", "sms", "13812345678", "order_paid", {"order_no": "TB1", "buyer": "张伟"}, T0),
            outbox.message("sms:paid:2", "sms", "12345", "order_paid", {"order_no": "TB2", "buyer": "李娜"}, T0),
        ])  # fmt: skip
    gateway = AliyunGateway()
    try:
        done = cli(sqlite_url, "outbox", "deliver", "--once", env=gateway.env())
    finally:
        gateway.close()
    assert done.returncode == 0 and done.stdout.strip() == "sent=1 failed=0 dead=1"
    with engine.connect() as conn:
        assert conn.execute(select(outbox.outbox.c.status).order_by(outbox.outbox.c.id)).scalars().all() == [
            "sent", "dead",
        ]  # fmt: skip
