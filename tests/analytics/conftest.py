"""Fixtures for the analytics tests: a store with seeded orders and a snapshot over it."""

from __future__ import annotations

from datetime import datetime

import analytics_factory as factory
import pytest

from core.analytics import Snapshot

NOW = datetime(2026, 3, 16, 9, 30)


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture
def store(engine):
    """A SQLite store holding 1,500 seeded orders of the last five weeks."""
    factory.add_reference_data(engine, NOW)
    factory.seed(engine, 1500, NOW)
    return engine


@pytest.fixture
def snap(store):
    snapshot = Snapshot(store)
    yield snapshot
    snapshot.close()
