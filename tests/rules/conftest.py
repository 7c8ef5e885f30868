"""Fixtures of the rules area (the shop data itself is in tests/rules/shop.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from core.copies import sandbox
from core.identity.access import Actor
from core.intake.ingest import ingest
from core.restock import purchasing
from core.stock.tables import skus
from core.store.db import transaction
from tests.rules.shop import NOW, SUPPLIER, order, stock_shop


@pytest.fixture
def any_store(request):
    """SQLite, or PostgreSQL too for tests marked @on_both_engines (the SQL that differs by dialect)."""
    return request.getfixturevalue("pg_engine" if getattr(request, "param", "sqlite") == "postgresql" else "engine")


@pytest.fixture
def store(engine, sqlite_url, monkeypatch):
    """The configured store (ORDERHUB_DATABASE_URL) of the CLI and pages: one order held for its
    remark, PET-FOOD-2KG below its safety stock of 150 and supplied by 汪汪宠物食品厂."""
    monkeypatch.setenv("ORDERHUB_DATABASE_URL", sqlite_url)
    stock_shop(engine)
    ingest(engine, [order("3312600000001", ("PET-FOOD-2KG", 1, 9_900), buyer_remark="请发顺丰")], now=NOW)
    with transaction(engine) as conn:
        purchasing.save_supplier(conn, SUPPLIER, "sales@wangwang.example", 7, 12, 24, Actor("admin", "admin"), NOW)
        conn.execute(update(skus).where(skus.c.sku == "PET-FOOD-2KG").values(supplier=SUPPLIER, safety_stock=150))
    yield engine
    if sandbox.exists(engine):
        sandbox.drop(engine, Actor("admin", "admin"))
