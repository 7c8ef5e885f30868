"""The import page checks a file before anything is written: the mapping as a table of columns
and fields, the dry-run summary and the first orders; a default status for a file without one;
a mapping saved under a name is used again for the next file with the same headers."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from core.orders.tables import orders
from tests.files.test_files_page import page  # noqa: F401 - the fixture: the page as a user of a role

ERP = Path(__file__).resolve().parent.parent / "fixtures" / "real" / "inf_erp_lines.csv"


def check(at):
    at.file_uploader[0].set_value((ERP.name, ERP.read_bytes(), "text/csv"))
    at.button[1].click()  # 试导入（不写入任何数据）
    return at.run()


def stored(engine) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        return conn.execute(select(orders.c.channel_order_no, orders.c.status).order_by(orders.c.id)).all()


def test_a_check_shows_the_proposed_mapping_summary_and_preview_and_writes_nothing(page, store):  # noqa: F811
    at = check(page("clerk"))
    assert not at.exception and not at.error
    assert "导入前预检" in [h.value for h in at.subheader]
    columns = at.dataframe[0].value  # the column → field table (a data editor)
    fields = dict(zip(columns["文件列"], columns["字段"], strict=True))
    assert fields["订单编号"] == "order_no" and fields["购买数量"] == "qty" and fields["仓库"] == "none"
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["订单"], metrics["商品行"], metrics["拒收行"]) == ("2", "3", "1")  # one has no date
    captions = " ".join(c.value for c in at.caption)
    assert "映射：按表头推荐" in captions and "仓库" in captions and "商品名称" in captions  # proposed; unmapped listed
    assert at.dataframe[1].value["行号"].tolist() == [5]  # the dry run's reject, with its row
    preview = at.dataframe[2].value
    assert preview["订单号"].tolist()[:2] == ["E202601050001", "E202601050002"]
    assert "138****8000" not in preview.to_string()  # a clerk sees phones; the preview is the real one
    with store.connect() as conn:
        assert conn.execute(select(func.count()).select_from(orders)).scalar_one() == 0


def test_a_default_status_chosen_in_the_check_is_what_lands(page, store):  # noqa: F811
    at = check(page("clerk"))
    default = next(box for box in at.selectbox if box.label == "文件没有状态列：整份文件的订单状态")
    default.select("shipped")
    at = at.run()
    assert "已出库 2" in " ".join(c.value for c in at.caption)
    at.button[0].click()  # 开始导入
    at = at.run()
    assert not at.exception and not at.error
    assert {status for _, status in stored(store)} == {"shipped"}


def test_a_saved_mapping_is_offered_again_for_a_file_with_the_same_headers(page, store, saved_mappings):  # noqa: F811
    at = check(page("manager"))
    at = at.text_input(key="import_mapping_name").input("erp-lines").run()
    at = at.button(key="import_mapping_save").click().run()
    assert not at.exception and not at.error
    assert (saved_mappings / "erp-lines.toml").is_file()
    at = check(page("manager"))
    captions = " ".join(c.value for c in at.caption)
    assert "erp-lines（已保存）" in captions
