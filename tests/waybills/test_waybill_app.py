"""Waybills around the app: the migration, the accounts file, the demo double `make run` uses, the
labels, the command line and the sync page."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import cli
import worker
from connectors import tracking_callback, waybill_accounts, waybill_service
from connectors.base import ConfigError
from core import clock
from core.copies import transfer
from core.identity.access import Actor
from core.intake.ingest import ingest
from core.model import COMPLETED
from core.shipping import labels, warehouse, waybills
from core.store.db import make_engine, metadata
from tests.app.app_pages import open_page, shown_text
from tests.browser import free_port
from tests.core.helpers import add_skus, order, order_row
from tests.waybills.shop import SHOP, configure


def test_the_migration_creates_exactly_the_waybill_tables(any_engine):
    with any_engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    ours = [
        diff for diff in differences if any(f"'{table}'" in repr(diff) for table in ("waybills", "tracking_events"))
    ]
    assert ours == []


def test_an_account_lacking_its_secret_or_its_environment_variable_is_refused_by_name(tmp_path, monkeypatch):
    path = configure(monkeypatch, tmp_path, "http://127.0.0.1:9")
    monkeypatch.delenv("TEST_KD100_SECRET")
    with pytest.raises(ConfigError, match="TEST_KD100_SECRET"):
        waybill_accounts.load_accounts(path)
    path.write_text(f'[[waybill]]\nshop = "{SHOP}"\nkey = "K"\ncarrier = "SF"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=f"shop {SHOP}.*secret, partner_id, sender_name"):
        waybill_accounts.load_accounts(path)


@pytest.fixture
def demo_shop(engine, tmp_path, monkeypatch):
    """No account configured, demo waybills on (as `make run` sets)."""
    monkeypatch.setenv("ORDERHUB_CHANNELS_FILE", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("ORDERHUB_WAYBILL_DEMO", "1")
    add_skus(engine, {"PET-FOOD-2KG": 5})
    ingest(engine, [order("TB-DEMO-1", ("PET-FOOD-2KG", 1))])
    return engine


def test_the_demo_double_labels_say_demo_and_its_parcels_get_signed_for(demo_shop, monkeypatch):
    order_id = order_row(demo_shop, "TB-DEMO-1").id
    waybill_service.issue_for_labels(demo_shop, Actor("仓库小王", "warehouse"), [order_id])
    with demo_shop.connect() as conn:
        [label] = warehouse.labels_for(conn, "warehouse", [order_id])
    assert label.demo and "DEMO" in label.tracking_no and label.routing == "演示-杭州-余杭"
    assert labels.render([label]).startswith(b"%PDF")
    assert waybill_service.ship_batch(demo_shop, Actor("仓库小王", "warehouse"), [order_id]).done == ["TB-DEMO-1"]
    later = clock.now() + timedelta(minutes=9)
    monkeypatch.setattr(clock, "now", lambda: later)
    waybill_service.poll_tracking(demo_shop)
    assert order_row(demo_shop, "TB-DEMO-1").status == COMPLETED


def test_the_command_line_ships_on_the_carriers_number_and_names_a_refusal(
    engine, sqlite_url, aggregator, tmp_path, monkeypatch, capsys
):
    server, url = aggregator
    configure(monkeypatch, tmp_path, url)
    monkeypatch.setenv("ORDERHUB_DATABASE_URL", sqlite_url)
    add_skus(engine, {"PET-FOOD-2KG": 5})
    ingest(engine, [order("TB-CLI-1", ("PET-FOOD-2KG", 1)), order("TB-CLI-2", ("PET-FOOD-2KG", 1))])
    server.balances["SF-MONTHLY-001"] = 1
    assert cli.main(["waybill", "ship", "TB-CLI-1", "TB-CLI-2", "--json"]) == 1
    out = capsys.readouterr().out
    assert '"result": "shipped"' in out and order_row(engine, "TB-CLI-1").tracking_no in out
    assert "电子面单余额不足，请联系网点充值" in out and "Traceback" not in out


def test_the_sync_page_shows_each_shops_waybill_account_masked(engine, sqlite_url, aggregator, tmp_path, monkeypatch):
    monkeypatch.setenv("ORDERHUB_DATABASE_URL", sqlite_url)
    configure(monkeypatch, tmp_path, aggregator[1], callback_url="https://orderhub.example.com/kuaidi100/callback")
    text = shown_text(open_page("pages/sync.py", "admin"))
    assert "电子面单账号" in text and "快递100 电子面单" in text and "****-001" in text and "推送 + 轮询" in text
    assert "顺丰速运" in text
    assert "SF-MONTHLY-001" not in text


def test_moving_the_store_to_another_database_takes_the_waybills_and_their_tracking(demo_shop, tmp_path, monkeypatch):
    order_id = order_row(demo_shop, "TB-DEMO-1").id
    shipped = clock.now().replace(second=0, microsecond=0)  # the demo numbers carry the minute of issue
    monkeypatch.setattr(clock, "now", lambda: shipped)
    waybill_service.ship_batch(demo_shop, Actor("仓库小王", "warehouse"), [order_id])
    monkeypatch.setattr(clock, "now", lambda: shipped + timedelta(minutes=5))  # 揽收 and 在途, not yet 派件
    waybill_service.poll_tracking(demo_shop)
    target = make_engine(f"sqlite:///{tmp_path / 'moved.db'}")
    report = transfer.copy_store(demo_shop, target)
    assert report.rows["waybills"] == 1 and report.rows["tracking_events"] == 2
    with target.connect() as conn:
        assert len(waybills.history(conn, order_id)) == 2
    target.dispose()


def test_the_worker_serves_the_callback_and_a_second_worker_leaves_the_port_to_it(engine, monkeypatch, caplog):
    monkeypatch.setenv("ORDERHUB_CALLBACK_PORT", str(free_port()))
    first = worker._serve_tracking_pushes(engine)
    try:
        url = f"http://127.0.0.1:{first.server_address[1]}{tracking_callback.PATH}"
        assert httpx.post(url, data={"param": "{}", "sign": ""}).status_code == 400
        assert worker._serve_tracking_pushes(engine) is None and "not served" in caplog.text
    finally:
        first.shutdown()
        first.server_close()
