"""Fixtures for the export-file tests: a store with the pet shop's SKUs, and the sample exports."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from core import stock
from core.clock import now
from core.db import transaction

# CAT-LITTER-5KG is nearly sold out, so an order for three of them is held for stock.
STOCK = {"PET-FOOD-2KG": 100, "CAT-TOY-BALL": 100, "DOG-LEASH-L": 100, "CAT-LITTER-5KG": 1}


def stock_up(engine: Engine) -> None:
    with transaction(engine) as conn:
        ids = stock.ensure_skus(conn, STOCK, now())
        for code, qty in STOCK.items():
            stock.receive(conn, ids[code], qty, "test", "opening stock")


@pytest.fixture
def store(engine) -> Engine:
    """A SQLite store that stocks the SKUs the sample exports sell."""
    stock_up(engine)
    return engine


@pytest.fixture
def any_store(any_engine) -> Engine:
    stock_up(any_engine)
    return any_engine
