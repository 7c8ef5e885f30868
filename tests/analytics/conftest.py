"""Fixtures for the analytics tests: a store with seeded orders and a snapshot over it."""

from __future__ import annotations

from datetime import datetime

import analytics_factory as factory
import pytest

from core.analytics.analytics import Snapshot
from core.store.db import make_engine, migrate

NOW = datetime(2026, 3, 16, 9, 30)


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """A SQLite store holding 1,500 seeded orders of the last five weeks (read-only: shared by a module)."""
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('store') / 'orderhub.db'}")
    migrate(engine)
    factory.add_reference_data(engine, NOW)
    factory.seed(engine, 1500, NOW)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def snap(store):
    snapshot = Snapshot(store)
    yield snapshot
    snapshot.close()
