"""deploy/ for real: the systemd units verify, the nginx template renders to a valid config, and a
backup taken by deploy/backup.sh restores (deploy/restore.sh) into a store equal to the live one."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
from datetime import datetime

import pytest
from sqlalchemy import func, select

from core.intake.ingest import ingest
from core.orders import store_checks
from core.schema import metadata
from core.store.db import ROOT, make_engine, migrate
from demo.shop import demo_order
from ops import nginx, units

UNIT_FILES = sorted(path.name for path in units.UNITS.iterdir())


def test_every_systemd_unit_passes_systemd_analyze_verify(tmp_path):
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze is not installed here")
    for name in UNIT_FILES:
        (tmp_path / name).write_text(units.localised(name))
    (tmp_path / "orderhub-app@8501.service").symlink_to(tmp_path / "orderhub-app@.service")
    checked = [str(tmp_path / name) for name in UNIT_FILES if name != "orderhub-app@.service"]
    result = subprocess.run(["systemd-analyze", "verify", *checked, str(tmp_path / "orderhub-app@8501.service")],
                            capture_output=True, text=True)  # fmt: skip
    problems = [line for line in result.stderr.splitlines() if "orderhub" in line]
    assert result.returncode == 0 and not problems, result.stderr


def test_the_units_run_the_app_and_the_worker_from_the_checkout():
    assert units.exec_start("orderhub-app@.service", "8502")[:4] == [str(ROOT / ".venv/bin/python"), "-m",
                                                                     "streamlit", "run"]  # fmt: skip
    assert "8502" in units.exec_start("orderhub-app@.service", "8502")
    worker = [str(ROOT / ".venv/bin/python"), "cli.py", "worker"]
    assert units.exec_start("orderhub-worker.service") == ["nice", "-n", "10", *worker]  # its Nice=10


def test_the_nginx_template_renders_a_config_nginx_accepts(tmp_path):
    try:
        nginx.configure(tmp_path, 8480, [8501, 8502])  # runs nginx -t on the result
    except FileNotFoundError as missing:
        pytest.skip(str(missing))
    site = (tmp_path / "orderhub.conf").read_text()
    assert "server 127.0.0.1:8502 max_fails=1" in site and "${" not in site
    assert "proxy_read_timeout 1d" in site and "hash $orderhub_route consistent" in site


def _counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    with engine.connect() as conn:
        counts = {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar_one() for t in metadata.sorted_tables
        }
        assert store_checks.invariant_violations(conn) == []
    engine.dispose()
    return counts


def test_a_backup_restores_into_an_empty_database_equal_to_the_live_store(private_cluster, tmp_path):
    live = private_cluster.fresh_database("backup_live")
    engine = make_engine(live)
    migrate(engine)
    rng = random.Random(11)
    ingest(engine, [demo_order(rng, datetime(2026, 11, 25, 10, n)) for n in range(40)], actor="import")
    engine.dispose()
    env = {**os.environ, "ORDERHUB_DATABASE_URL": live, "ORDERHUB_BACKUP_DIR": str(tmp_path)}
    dump = subprocess.run([str(ROOT / "deploy" / "backup.sh")], env=env, check=True, capture_output=True, text=True)
    (path,) = tmp_path.glob("orderhub-*.dump")
    assert dump.stdout.strip() == str(path)
    drill = private_cluster.fresh_database("backup_drill")
    subprocess.run([str(ROOT / "deploy" / "restore.sh"), str(path), drill], check=True, capture_output=True)
    assert _counts(drill) == _counts(live) and _counts(live)["orders"] == 40
