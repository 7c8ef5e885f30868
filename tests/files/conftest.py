"""Fixtures for the export-file tests: a store with the pet shop's SKUs, the CLI against it, and a
saved-mappings folder of each test's own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine

from core.clock import now
from core.stock import reservations as stock
from core.store.db import transaction

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


@pytest.fixture(autouse=True)
def saved_mappings(tmp_path_factory, monkeypatch) -> Path:
    """Saved mappings in a folder of the test's own, never the user's data/mappings."""
    folder = tmp_path_factory.mktemp("mappings")
    monkeypatch.setenv("ORDERHUB_MAPPINGS_DIR", str(folder))
    return folder


@pytest.fixture
def cli(store, sqlite_url):
    """Runs the CLI against the test's stocked store."""
    root = Path(__file__).resolve().parents[2]

    def run(*args: str) -> subprocess.CompletedProcess:
        env = {**os.environ, "ORDERHUB_DATABASE_URL": sqlite_url}
        return subprocess.run(
            [sys.executable, "cli.py", *args], cwd=root, env=env, capture_output=True, text=True, timeout=120
        )

    return run
