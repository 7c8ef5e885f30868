"""Fixtures for the API connector tests: each platform's local server and a connector on it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from connectors.base import ApiConnector, connector_class
from core.store.db import make_engine, migrate
from tests.connectors_api.kits import KITS, Kit
from tests.connectors_api.servers.base import Platform, serving

START = datetime(2026, 11, 20, 8, 0, 0)


@pytest.fixture(scope="session")
def migrated_sqlite_file(tmp_path_factory) -> Path:
    """One migrated SQLite file per session; each test gets a copy (migrating costs more than copying)."""
    path = tmp_path_factory.mktemp("template") / "orderhub.db"
    template = make_engine(f"sqlite:///{path}")
    migrate(template)
    template.dispose()
    return path


@pytest.fixture
def sqlite_engine(sqlite_url, migrated_sqlite_file) -> Iterator[Engine]:
    """A migrated, empty SQLite store in a temporary file (a copy of the session's template)."""
    shutil.copy(migrated_sqlite_file, sqlite_url.removeprefix("sqlite:///"))
    eng = make_engine(sqlite_url)
    yield eng
    eng.dispose()


@pytest.fixture(params=KITS, ids=lambda kit: kit.channel)
def kit(request) -> Kit:
    return request.param


@pytest.fixture
def platform(kit) -> Iterator[tuple[Platform, str]]:
    server = kit.platform()
    with serving(server) as url:
        yield server, url


def make_connector(kit: Kit, url: str, engine, **overrides) -> ApiConnector:
    settings = kit.settings(url) | {"start": START} | overrides
    return connector_class(kit.channel)(f"{kit.channel} 测试店", settings, engine)


@pytest.fixture
def connector(kit, platform, engine) -> Iterator[ApiConnector]:
    made = make_connector(kit, platform[1], engine)
    yield made
    made.close()
