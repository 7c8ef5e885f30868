"""After-sales fixtures: a store with stock, service agents and shipped orders to claim against."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from tests.aftersales.ticketdata import ShippedOrder, order_maker, stocked


@pytest.fixture
def store(engine) -> Engine:
    """A SQLite store with stock on hand and three service agents."""
    return stocked(engine)


@pytest.fixture
def any_store(any_engine) -> Engine:
    return stocked(any_engine)


@pytest.fixture
def shipped_order(engine) -> ShippedOrder:
    return order_maker(engine)


@pytest.fixture
def any_shipped_order(any_engine) -> ShippedOrder:
    return order_maker(any_engine)


@pytest.fixture
def app_store(store, sqlite_url, monkeypatch):
    """The store, found by the pages the way the app finds it."""
    monkeypatch.setenv("ORDERHUB_DATABASE_URL", sqlite_url)
    return store
