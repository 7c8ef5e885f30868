"""The channel-sync page (Streamlit AppTest): per-shop state, "sync now" for roles allowed to."""

from __future__ import annotations

from datetime import datetime

import pytest
from streamlit.testing.v1 import AppTest

from connectors import pulls
from core.errors import PermissionDenied
from core.identity.access import Actor
from core.store.db import ROOT
from tests.connectors_api.kits import TAOBAO
from tests.connectors_api.servers import taobao
from tests.connectors_api.servers.base import serving

PAGE = str(ROOT / "pages" / "sync.py")


@pytest.fixture
def configured(tmp_path, engine, sqlite_url, monkeypatch):
    server = TAOBAO.platform()
    server.put(TAOBAO.order(1, "paid", datetime(2026, 11, 20, 9, 0, 0), [("PET-FOOD-2KG", 1, "59.90")]))
    with serving(server) as url:
        config = tmp_path / "channels.toml"
        config.write_text(
            f'[[shop]]\nname = "萌宠天猫旗舰店"\nchannel = "taobao"\nbase_url = "{url}/router/rest"\n'
            f'app_key = "{taobao.APP_KEY}"\napp_secret = "{taobao.SECRET}"\nsession = "{taobao.SESSION}"\n'
            "start = 2026-11-20T08:00:00\n",
            encoding="utf-8",
        )
        monkeypatch.setenv("ORDERHUB_DATABASE_URL", sqlite_url)
        monkeypatch.setenv("ORDERHUB_CHANNELS_FILE", str(config))
        yield server


def _page(role: str, lang: str = "zh") -> AppTest:
    app = AppTest.from_file(PAGE, default_timeout=30)
    app.session_state["user"] = {"username": f"{role}-1", "name": role, "role": role, "language": lang}
    app.session_state["lang"] = lang
    return app.run()


def test_a_clerk_syncs_now_and_sees_the_shop_pulled(configured):
    app = _page("clerk")
    assert not app.exception
    assert "还没有店铺" in app.info[0].value
    app.button[0].click().run()
    assert "萌宠天猫旗舰店：新订单 1" in app.success[0].value
    table = app.dataframe[0].value
    assert list(table["店铺"]) == ["萌宠天猫旗舰店"] and list(table["拉入订单"]) == [1]
    assert list(table["状态"]) == ["正常"] and list(table["渠道"]) == ["淘宝/天猫"]


def test_a_warehouse_role_may_not_sync_and_is_told_so(configured, engine):
    app = _page("warehouse", "en")
    assert app.warning[0].value.startswith("Sorry, your role (Warehouse) cannot use this page.")
    assert not app.button and not app.dataframe
    with pytest.raises(PermissionDenied, match="The warehouse role may not sync."):  # nor behind the page
        pulls.sync_now(engine, Actor("warehouse-1", "warehouse"))
    assert configured.requests == []


def test_a_failing_shop_shows_its_error_in_the_table(configured, monkeypatch, tmp_path):
    config = tmp_path / "channels.toml"
    config.write_text(config.read_text(encoding="utf-8").replace(taobao.SESSION, "expired"), encoding="utf-8")
    app = _page("manager", "en")
    app.button[0].click().run()
    assert "rejected the credentials" in app.warning[0].value
    assert list(app.dataframe[0].value["State"])[0].startswith("Error: Taobao rejected the credentials")
