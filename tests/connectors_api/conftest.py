"""Fixtures for the API connector tests: each platform's local server and a connector on it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest

from connectors.base import ApiConnector, connector_class
from tests.connectors_api.kits import KITS, Kit
from tests.connectors_api.servers.base import Platform, serving

START = datetime(2026, 11, 20, 8, 0, 0)


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
