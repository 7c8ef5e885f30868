"""Suggestions from real sales, a PO e-mailed with its CSV and link, the supplier's answer, receiving."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from core.errors import InvalidInput, NotFound, PermissionDenied
from core.identity.access import Actor
from core.intake.ingest import ingest
from core.messages.tables import outbox
from core.model import SHIPPED
from core.orders import store_checks, workflow
from core.restock import purchase_orders, purchasing, supplier_link
from core.restock.tables import purchase_orders as po_table
from core.stock import reservations as stock
from core.stock.tables import skus
from core.store.db import transaction
from tests.rules.shop import NOW, id_of, on_both_engines, order, status_of, stock_shop

SUPPLIER = "汪汪宠物食品厂"


@pytest.fixture
def shop(any_store):
    """PET-FOOD-2KG: 30 available, safety 20, 28 sold in the last 14 days; supplier lead 7, pack 12, MOQ 24."""
    engine = any_store
    stock_shop(engine)
    sales = [
        order(f"3312100000{n:03d}", ("PET-FOOD-2KG", 2, 9_900), buyer=f"买家{n}", created_at=NOW - timedelta(days=n))
        for n in range(1, 15)
    ]
    ingest(engine, sales, now=NOW - timedelta(days=1))
    with transaction(engine) as conn:
        for sale in sales:
            workflow.advance(conn, workflow.order_id_by_no(conn, sale.channel_order_no), SHIPPED, "仓库", now=NOW)
        stock.adjust(conn, stock.sku_id(conn, "PET-FOOD-2KG"), -42, "stock count", "仓库", NOW)
        purchasing.save_supplier(conn, SUPPLIER, "sales@wangwang.example", 7, 12, 24, Actor("采购", "manager"), NOW)
        conn.execute(
            update(skus)
            .where(skus.c.sku.in_(["PET-FOOD-2KG", "CAT-TOY-MOUSE", "DOG-LEASH-RED"]))
            .values(supplier=SUPPLIER)
        )
        conn.execute(update(skus).where(skus.c.sku == "PET-FOOD-2KG").values(safety_stock=20))
    return engine


@on_both_engines
def test_a_sku_below_its_reorder_point_is_suggested_in_whole_packs(shop):
    with shop.connect() as conn:
        suggestions = purchasing.suggest(conn, NOW)
    assert [(s.sku, s.available, s.sold_14, s.sold_30, s.qty) for s in suggestions[SUPPLIER]] == [
        ("PET-FOOD-2KG", 30, 28, 28, 36)
    ]


def create_po(engine) -> tuple[str, str]:
    with transaction(engine) as conn:
        return purchase_orders.create_purchase_order(conn, SUPPLIER, Actor("采购", "manager"), NOW)


def test_a_purchase_order_is_emailed_with_a_csv_and_a_private_link(shop):
    number, link = create_po(shop)
    token = link.split("token=")[1]
    with shop.connect() as conn:
        mail = conn.execute(select(outbox).where(outbox.c.kind == "email")).one()
        stored = conn.execute(select(po_table.c.token_sha256)).scalar_one()
        assert purchasing.suggest(conn, NOW) == {}  # the 36 on order cover the need
    payload = json.loads(mail.payload)
    assert (number, mail.recipient, mail.template) == ("PO20261126-0001", "sales@wangwang.example", "purchase_order")
    assert payload["link"] == link and len(token) >= 40 and stored != token
    sheet = payload["attachments"][0]
    assert sheet["filename"] == "PO20261126-0001.csv"
    assert sheet["content"].splitlines() == ["\ufeffsku,name,qty,unit_cost", "PET-FOOD-2KG,PET-FOOD-2KG,36,40.00"]


def test_nothing_to_order_is_a_clear_refusal(shop):
    create_po(shop)
    with transaction(shop) as conn, pytest.raises(InvalidInput, match="Nothing to order"):
        purchase_orders.create_purchase_order(conn, SUPPLIER, Actor("采购", "manager"), NOW)


def po_mails(conn) -> list:
    return conn.execute(select(outbox).where(outbox.c.template == "purchase_order")).all()


def test_the_preview_shows_the_mail_to_be_sent_and_creates_nothing(shop):
    with transaction(shop) as conn:
        draft = purchase_orders.preview(
            conn, SUPPLIER, {"PET-FOOD-2KG": 48, "DOG-LEASH-RED": 24, "CAT-TOY-MOUSE": 0}, NOW
        )
        assert po_mails(conn) == [] and purchase_orders.purchase_order_list(conn) == []
    assert (draft["to"], draft["lead_time_days"], draft["expected_at"]) == (
        "sales@wangwang.example",
        7,
        (NOW + timedelta(days=7)).date(),
    )
    assert [(line["sku"], line["qty"], line["line_cost_cents"]) for line in draft["lines"]] == [
        ("DOG-LEASH-RED", 24, 36_000),
        ("PET-FOOD-2KG", 48, 192_000),
    ]
    assert draft["total_cents"] == 228_000


def test_edited_quantities_are_ordered_and_a_zero_drops_the_line(shop):
    with transaction(shop) as conn:
        number, _ = purchase_orders.create_purchase_order(
            conn, SUPPLIER, Actor("采购", "manager"), NOW, {"PET-FOOD-2KG": 0, "DOG-LEASH-RED": 36}
        )
        lines = purchase_orders.purchase_order(conn, number)["lines"]
    assert [(line["sku"], line["qty_ordered"]) for line in lines] == [("DOG-LEASH-RED", 36)]


def test_the_date_asked_of_the_supplier_goes_in_the_mail_and_is_expected_until_they_answer(shop):
    asked = date(2026, 12, 1)
    with transaction(shop) as conn:
        assert purchase_orders.preview(conn, SUPPLIER, now=NOW, expected=asked)["expected_at"] == asked
        number, _ = purchase_orders.create_purchase_order(conn, SUPPLIER, Actor("采购", "manager"), NOW, expected=asked)
        [mail] = po_mails(conn)
        [arriving] = purchase_orders.expected_arrivals(conn)
    assert json.loads(mail.payload)["expected_at"] == "2026-12-01"
    assert (arriving["po"], arriving["expected_at"].date()) == (number, asked)


def test_an_expected_date_in_the_past_is_refused(shop):
    with transaction(shop) as conn, pytest.raises(InvalidInput, match="2026-11-25 is in the past"):
        purchase_orders.create_purchase_order(
            conn, SUPPLIER, Actor("采购", "manager"), NOW, expected=date(2026, 11, 25)
        )


@pytest.mark.parametrize(
    ("quantities", "refusal"),
    [
        ({"PET-FOOD-2KG": 30}, "whole packs of 12 and at least the MOQ of 24: PET-FOOD-2KG 30→36"),
        ({"PET-FOOD-2KG": 12}, "PET-FOOD-2KG 12→24"),
        ({"PET-FOOD-2KG": -12}, "whole numbers of at least 0: PET-FOOD-2KG -12"),
        ({"PET-FOOD-2KG": 2.5}, "whole numbers of at least 0: PET-FOOD-2KG 2.5"),
        ({"PET-FOOD-2KG": 0}, "Nothing to order"),
    ],
)
def test_quantities_outside_the_suppliers_terms_are_refused_before_anything_is_sent(shop, quantities, refusal):
    with transaction(shop) as conn:
        with pytest.raises(InvalidInput, match=refusal):
            purchase_orders.preview(conn, SUPPLIER, quantities, NOW)
        with pytest.raises(InvalidInput, match=refusal):
            purchase_orders.create_purchase_order(conn, SUPPLIER, Actor("采购", "manager"), NOW, quantities)
        assert po_mails(conn) == []


@on_both_engines
def test_the_supplier_confirms_and_the_expected_arrival_shows_for_the_stock_page(shop):
    _, link = create_po(shop)
    token = link.split("token=")[1]
    with transaction(shop) as conn:
        assert supplier_link.view(conn, token, NOW)["lines"][0]["qty_ordered"] == 36
        assert supplier_link.respond(conn, token, {"PET-FOOD-2KG": 36}, date(2026, 12, 3), "", NOW) == "confirmed"
        arrivals = purchase_orders.expected_arrivals(conn)
    assert [(a["sku"], a["qty"], a["expected_at"].date()) for a in arrivals] == [
        ("PET-FOOD-2KG", 36, date(2026, 12, 3))
    ]


def test_a_supplier_proposal_of_fewer_units_changes_what_is_expected(shop):
    _, link = create_po(shop)
    token = link.split("token=")[1]
    with transaction(shop) as conn:
        status = supplier_link.respond(conn, token, {"PET-FOOD-2KG": 24}, date(2026, 12, 10), "只有24袋现货", NOW)
        assert status == "proposed"
        assert purchase_orders.expected_arrivals(conn)[0]["qty"] == 24
        assert purchasing.suggest(conn, NOW) == {}  # 30 + 24 = 54 covers the reorder point of 34
        supplier_link.respond(conn, token, {"PET-FOOD-2KG": 0}, date(2026, 12, 10), "缺货", NOW)
        assert [s.qty for s in purchasing.suggest(conn, NOW)[SUPPLIER]] == [36]  # back to needing 32 -> 36


def test_a_wrong_or_expired_supplier_link_is_refused(shop):
    _, link = create_po(shop)
    token = link.split("token=")[1]
    with shop.connect() as conn:
        with pytest.raises(NotFound):
            supplier_link.view(conn, token[:-1] + ("A" if token[-1] != "A" else "B"), NOW)
        with pytest.raises(NotFound):
            supplier_link.view(conn, "", NOW)
        with pytest.raises(PermissionDenied, match="expired"):
            supplier_link.view(conn, token, NOW + timedelta(days=15))


def test_a_supplier_cannot_answer_with_a_past_date_or_a_sku_not_ordered(shop):
    _, link = create_po(shop)
    token = link.split("token=")[1]
    with transaction(shop) as conn:
        with pytest.raises(InvalidInput):
            supplier_link.respond(conn, token, {"PET-FOOD-2KG": 36}, date(2026, 11, 1), "", NOW)
        with pytest.raises(InvalidInput):
            supplier_link.respond(conn, token, {"CAT-TOY-MOUSE": 5}, date(2026, 12, 1), "", NOW)


@on_both_engines
def test_receiving_releases_held_orders_oldest_first_and_closes_the_po(shop):
    with transaction(shop) as conn:
        stock.adjust(conn, stock.sku_id(conn, "DOG-LEASH-RED"), -20, "damaged in a flood", "仓库", NOW)
    ingest(
        shop,
        [
            order("3312200000001", ("DOG-LEASH-RED", 10, 3_900), buyer="早下单", created_at=NOW - timedelta(hours=2)),
            order("3312200000002", ("DOG-LEASH-RED", 4, 3_900), buyer="晚下单", created_at=NOW - timedelta(hours=1)),
        ],
        now=NOW,
    )
    with transaction(shop) as conn:
        number, _ = purchase_orders.create_purchase_order(
            conn, SUPPLIER, Actor("采购", "manager"), NOW, {"DOG-LEASH-RED": 24}
        )
        resumed = purchase_orders.receive_purchase_order(
            conn, number, Actor("仓库", "warehouse"), NOW, {"DOG-LEASH-RED": 10}
        )
        assert resumed == [id_of(shop, "3312200000001")]
        assert status_of(shop, "3312200000002") == ("on_hold", "insufficient_stock")
        with pytest.raises(InvalidInput, match="14 are outstanding"):
            purchase_orders.receive_purchase_order(conn, number, Actor("仓库", "warehouse"), NOW, {"DOG-LEASH-RED": 15})
        assert purchase_orders.receive_purchase_order(conn, number, Actor("仓库", "warehouse"), NOW) == [
            id_of(shop, "3312200000002")
        ]
        assert conn.execute(select(po_table.c.status)).scalars().all() == ["received"]
        assert store_checks.invariant_violations(conn) == []
        with pytest.raises(InvalidInput, match="received"):
            purchase_orders.receive_purchase_order(conn, number, Actor("仓库", "warehouse"), NOW)
