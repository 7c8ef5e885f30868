"""A private PostgreSQL cluster for the tests that restart the database (never the shared one)."""

from __future__ import annotations

import shutil
import socket
import uuid
from collections.abc import Iterator

import pytest

from core.store.db import ROOT
from ops.pgcluster import Cluster, bin_dir


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def private_cluster() -> Iterator[Cluster]:
    """Started once per session under data/team/ (the postgres user must reach it; /tmp/pytest-of-root
    is private to root), removed afterwards."""
    try:
        bin_dir()
    except FileNotFoundError as missing:
        pytest.skip(str(missing))
    home = ROOT / "data" / "team" / f"test-{uuid.uuid4().hex[:8]}"
    cluster = Cluster(home, free_port())
    try:
        with cluster.running():
            yield cluster
    finally:
        shutil.rmtree(home, ignore_errors=True)
