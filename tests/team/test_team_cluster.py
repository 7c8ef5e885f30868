"""The private cluster starts wherever the checkout lives, even in a folder private to root."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from ops.pgcluster import Cluster, bin_dir
from tests.team.conftest import free_port


def test_a_cluster_in_a_private_folder_starts_and_answers():
    """A checkout made by mktemp -d (mode 0700, owned by root) is where CI may clone us."""
    try:
        bin_dir()
    except FileNotFoundError as missing:
        pytest.skip(str(missing))
    if os.geteuid() != 0:
        pytest.skip("only root runs the server as another user (postgres), who must reach the folder")
    private = Path(tempfile.mkdtemp(prefix="orderhub-private-"))
    assert oct(private.stat().st_mode & 0o777) == "0o700"
    cluster = Cluster(private / "data" / "pg", free_port())
    try:
        with cluster.running():
            assert cluster.is_running()
    finally:
        shutil.rmtree(private, ignore_errors=True)
