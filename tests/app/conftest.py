"""Fixtures of the app's tests: a filled store (see app_shop.py for what it holds)."""

from __future__ import annotations

import pytest
from app_shop import fill


@pytest.fixture
def shop(engine) -> dict[str, int]:
    """Order ids by order number, in a filled SQLite store."""
    return fill(engine)
