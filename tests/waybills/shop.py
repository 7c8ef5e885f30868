"""A shop's waybill account written into a channels file, as a user would configure it."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from sqlalchemy import Engine, insert, select

from core.aftersales.tables import ticket_reasons
from core.store.db import MIGRATIONS, transaction
from tests.aftersales.ticketdata import reference_data
from tests.waybills.conftest import CUSTOMER, KEY, SECRET

SHOP = "萌宠天猫旗舰店"


def configure(
    monkeypatch, tmp_path: Path, url: str, callback_url: str = "", shop: str = SHOP, print_type: str = "NON"
) -> Path:
    """channels.toml with one [[waybill]] for the shop on the local aggregator; secrets from the environment."""
    path = tmp_path / "channels.toml"
    path.write_text(
        f"""
[[waybill]]
shop = "{shop}"
key = "{KEY}"
secret = "env:TEST_KD100_SECRET"
customer = "{CUSTOMER}"
carrier = "SF"
partner_id = "SF-MONTHLY-001"
partner_key = "env:TEST_SF_PARTNER_KEY"
sender_name = "萌宠天猫旗舰店 杭州仓"
sender_phone = "0571-88886666"
sender_address = "浙江省杭州市余杭区仓前街道文一西路 1500 号"
callback_url = "{callback_url}"
print_type = "{print_type}"
label_url = "{url}/label/order"
subscribe_url = "{url}/poll"
query_url = "{url}/poll/query.do"
""",
        encoding="utf-8",
    )
    monkeypatch.setenv("ORDERHUB_CHANNELS_FILE", str(path))
    monkeypatch.setenv("TEST_KD100_SECRET", SECRET)
    monkeypatch.setenv("TEST_SF_PARTNER_KEY", "sf-pass")
    monkeypatch.delenv("ORDERHUB_WAYBILL_DEMO", raising=False)
    return path


def seed_reason(engine: Engine) -> None:
    """The ticket reasons and SLA the migrations seed, put back where a fixture emptied every table."""
    reference_data(engine)
    path = MIGRATIONS / "versions" / "0009_waybills.py"
    spec = importlib.util.spec_from_file_location("waybills_0008", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with transaction(engine) as conn:
        if conn.execute(select(ticket_reasons).where(ticket_reasons.c.code == "carrier_returned")).first() is None:
            conn.execute(insert(ticket_reasons).values(**migration.RETURNED_REASON, position=90))
