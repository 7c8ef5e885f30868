"""The import page with Streamlit's AppTest: upload, summary, rejected rows, refusal by role."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from connectors.file_mapping import channels
from tests.files.files_helpers import export

# The page sits on the app's frame (ui/: login, navigation, widgets); until that is merged in,
# there is nothing to render it with.
pytest.importorskip("ui.navigation", reason="the app frame (ui.auth, ui.navigation) is not merged into this tree yet")

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "import.py")


@pytest.fixture
def page(store, sqlite_url, monkeypatch):
    """Opens the page as a user of the given role against the stocked test store."""
    monkeypatch.setenv("ORDERHUB_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("ORDERHUB_COOKIE_KEY", "a-test-cookie-key-that-is-long-enough")

    def open_as(role: str, lang: str = "zh") -> AppTest:
        at = AppTest.from_file(PAGE, default_timeout=60)
        at.session_state["user"] = {"username": f"{role}-1", "name": role, "role": role, "language": lang}
        at.session_state["lang"] = lang
        return at.run()

    return open_as


def upload(at: AppTest, *files: str) -> AppTest:
    for widget, name in zip(at.file_uploader, files, strict=False):
        widget.set_value((name.split("/")[-1], export(name).read_bytes(), "text/csv"))
    at.button[0].click()
    return at.run()


def test_a_clerk_uploads_an_export_and_sees_what_landed_and_each_rejected_row(page):
    at = upload(page("clerk"), "generic.utf8bom.csv")
    assert not at.exception and not at.error
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["新订单"], metrics["缺货挂起"], metrics["拒收行"]) == ("5", "2", "4")
    rejected = at.dataframe[0].value
    assert rejected["行号"].tolist() == [5, 8, 12, 13]
    assert rejected["原因"].iloc[1] == "数量 -1 为负数"
    assert at.info[0].value == "新建商品（库存 0，请在库存页补全资料）：NO-SUCH-SKU"
    assert set(rejected["文件"]) == {"generic.utf8bom.csv"}


def test_the_taobao_orders_and_items_files_are_uploaded_together(page):
    at = page("manager", lang="en")
    at.selectbox[0].select_index(1 + channels().index("taobao"))  # after auto
    at = upload(at, "taobao_orders.gbk.csv", "taobao_items.utf8bom.csv")
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["New"], metrics["Rejected rows"]) == ("3", "8")


def test_a_file_of_the_wrong_channel_is_explained_not_thrown(page):
    at = page("clerk")
    at.selectbox[0].select_index(1 + channels().index("taobao"))  # after auto
    at = upload(at, "jd.gbk.csv")
    assert not at.exception
    assert "lacks the column(s) 订单编号" in at.error[0].value


def test_a_warehouse_worker_may_not_import_orders(page):
    at = page("warehouse")
    assert not at.file_uploader
    assert at.warning
