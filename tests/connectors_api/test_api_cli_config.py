"""Shops from data/channels.toml (secrets from the environment) and `cli.py pull` end to end."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime

import pytest
from sqlalchemy import func, select

from connectors.base import ConfigError
from connectors.config import load_shops
from core.orders.tables import orders
from core.store.db import ROOT
from tests.connectors_api.kits import TAOBAO
from tests.connectors_api.servers import taobao
from tests.connectors_api.servers.base import serving

CONFIG = """
[[shop]]
name = "萌宠天猫旗舰店"
channel = "taobao"
base_url = "{url}/router/rest"
app_key = "{app_key}"
app_secret = "env:TEST_TAOBAO_SECRET"
session = "{session}"
every_minutes = 5
start = 2026-11-20T08:00:00
"""


def _config(tmp_path, url: str = "http://127.0.0.1:9") -> os.PathLike:
    path = tmp_path / "channels.toml"
    path.write_text(CONFIG.format(url=url, app_key=taobao.APP_KEY, session=taobao.SESSION), encoding="utf-8")
    return path


def test_a_shop_takes_its_secret_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("TEST_TAOBAO_SECRET", taobao.SECRET)
    (shop,) = load_shops(_config(tmp_path))
    assert (shop.name, shop.channel, shop.every_minutes) == ("萌宠天猫旗舰店", "taobao", 5)
    assert shop.settings["app_secret"] == taobao.SECRET
    assert shop.settings["start"] == datetime(2026, 11, 20, 8, 0, 0)


def test_a_secret_missing_from_the_environment_is_named(tmp_path, monkeypatch):
    monkeypatch.delenv("TEST_TAOBAO_SECRET", raising=False)
    with pytest.raises(ConfigError, match="environment variable TEST_TAOBAO_SECRET, which is not set"):
        load_shops(_config(tmp_path))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[shop]]\nname = "店"\nchannel = "amazon"\n', "needs a name and a channel"),
        ('[[shop]]\nname = "店"\nchannel = "jd"\napp_key = "k"\n', "lacks app_secret, access_token"),
        ('[[shop]]\nname = "店"\nchannel = "demo"\nevery_minutes = 0\n', "every_minutes must be a whole number"),
        ("[[shop]\n", "is not valid TOML"),
    ],
)
def test_a_broken_channels_file_gets_a_sentence(tmp_path, text, message):
    path = tmp_path / "channels.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_shops(path)


def _cli(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "cli.py", *args], cwd=ROOT, env=os.environ | env, capture_output=True, text=True, timeout=120
    )


def test_cli_pull_brings_the_configured_shops_orders_in(tmp_path, engine, sqlite_url):
    server = TAOBAO.platform()
    server.put(TAOBAO.order(1, "paid", datetime(2026, 11, 20, 9, 0, 0), [("PET-FOOD-2KG", 1, "59.90")]))
    with serving(server) as url:
        env = {
            "ORDERHUB_DATABASE_URL": sqlite_url,
            "ORDERHUB_CHANNELS_FILE": str(_config(tmp_path, url)),
            "TEST_TAOBAO_SECRET": taobao.SECRET,
        }
        done = _cli("pull", "--json", env=env)
        wrong = _cli("pull", "--json", env=env | {"TEST_TAOBAO_SECRET": "leaked-and-rotated"})
        unknown = _cli("pull", "--shop", "没有这个店", env=env)
    assert done.returncode == 0, done.stderr
    (row,) = json.loads(done.stdout)
    assert (row["shop"], row["new"], row["result"]) == ("萌宠天猫旗舰店", 1, "ok")
    assert wrong.returncode == 1 and "rejected the credentials" in json.loads(wrong.stdout)[0]["result"]
    assert (
        unknown.returncode == 1
        and unknown.stderr.strip() == "error: No shop named 没有这个店 is configured in data/channels.toml."
    )
    assert "Traceback" not in wrong.stderr + unknown.stderr


def test_cli_worker_pulls_on_start_and_stops_cleanly_on_sigterm(tmp_path, engine, sqlite_url):
    server = TAOBAO.platform()
    server.put(TAOBAO.order(1, "paid", datetime(2026, 11, 20, 9, 0, 0), [("PET-FOOD-2KG", 1, "59.90")]))
    with serving(server) as url:
        env = os.environ | {
            "ORDERHUB_DATABASE_URL": sqlite_url,
            "TEST_TAOBAO_SECRET": taobao.SECRET,
            "ORDERHUB_CHANNELS_FILE": str(_config(tmp_path, url)),
        }
        running = subprocess.Popen(
            [sys.executable, "cli.py", "worker"],
            cwd=ROOT,
            env=env,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 60
        while _orders(engine) == 0 and time.monotonic() < deadline and running.poll() is None:
            time.sleep(0.2)
        running.send_signal(signal.SIGTERM)
        out, err = running.communicate(timeout=30)
    assert _orders(engine) == 1
    assert running.returncode == 0, err
    assert "worker: pulling 1 shops" in out and "Traceback" not in err


def _orders(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(orders)).scalar_one()
