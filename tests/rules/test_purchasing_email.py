"""A purchase order reaches the supplier through the outbox and a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import csv
import io

import pytest

from core.identity.access import Actor
from core.restock import purchase_orders
from core.store.db import transaction
from notify.delivery import deliver_pending, transports_from_env
from tests.aftersales.providers import SmtpSink
from tests.rules.shop import NOW, SUPPLIER


@pytest.fixture
def sink():
    server = SmtpSink()
    yield server
    server.close()


def test_the_supplier_receives_the_order_with_its_private_link_and_the_lines_as_csv(store, sink):
    with transaction(store) as conn:
        number, link = purchase_orders.create_purchase_order(conn, SUPPLIER, Actor("采购", "manager"), NOW)
    report = deliver_pending(store, transports_from_env(sink.env()), now=NOW)
    assert report.as_dict() == {"sent": 1, "failed": 0, "dead": 0}
    [mail] = sink.messages.values()
    assert mail["To"] == "sales@wangwang.example"
    assert mail["Subject"] == f"采购单{number}"
    body = mail.get_body(("plain",)).get_content()
    # 99 available, safety 150, 1 sold in 14 days, lead 7: (151 + 1 - 99) = 53 -> 5 packs of 12
    assert link in body and "PET-FOOD-2KG PET-FOOD-2KG × 60" in body and "期望到货日期2026-12-03" in body
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_filename() == f"{number}.csv"
    assert attachment.get_content_type() == "text/csv" and attachment.get_content_charset() == "utf-8"
    rows = list(csv.DictReader(io.StringIO(attachment.get_content().removeprefix("\ufeff"))))
    assert rows == [{"sku": "PET-FOOD-2KG", "name": "PET-FOOD-2KG", "qty": "60", "unit_cost": "40.00"}]
