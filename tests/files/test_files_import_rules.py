"""The import's promises: re-running changes nothing, bad files fail cleanly, progress is reported."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from connectors import file_mapping
from connectors.files import import_file
from core.errors import InvalidInput
from core.identity.access import Actor
from core.intake.tables import import_errors
from core.orders.tables import order_lines, orders
from core.restock import catalog
from core.stock.tables import reservations, skus
from tests.files.files_helpers import export, quarantined, rejects


def counts(engine) -> tuple[int, int, int]:
    with engine.connect() as conn:
        return tuple(
            conn.execute(select(func.count()).select_from(t)).scalar_one() for t in (orders, order_lines, reservations)
        )


def test_importing_the_same_file_twice_changes_nothing(any_store):
    first = import_file(any_store, "generic", export("generic.gbk.csv"))
    before, stored_errors = counts(any_store), quarantined(any_store)
    again = import_file(any_store, "generic", export("generic.gbk.csv"))
    assert (again.new, again.updated, again.unchanged, again.held) == (0, 0, first.new, 0)
    assert rejects(again) == rejects(first)
    assert counts(any_store) == before
    assert quarantined(any_store) == stored_errors == first.rejected


def test_a_quarantined_row_keeps_its_file_row_number_reason_and_cells(store):
    import_file(store, "jd", export("jd.gbk.csv"))
    with store.connect() as conn:
        row = conn.execute(select(import_errors).where(import_errors.c.row_no == 5)).one()
    assert (row.file_name, row.reason) == ("jd.gbk.csv", "The quantity is 0.")
    assert json.loads(row.raw)["订购数量"] == "0"
    assert len(row.file_sha256) == 64


def test_an_unknown_sku_is_created_for_the_catalogue_and_its_order_waits_for_stock(store):
    summary = import_file(store, "jd", export("jd.gbk.csv"))
    assert summary.created_skus == ["PET-BED-L"]
    with store.connect() as conn:
        made = conn.execute(select(skus).where(skus.c.sku == "PET-BED-L")).one()
        status = conn.execute(select(orders.c.status).where(orders.c.channel_order_no == "230512345683")).scalar_one()
    assert (made.on_hand, made.reserved, made.needs_details) == (0, 0, True)
    assert status == "on_hold"


def test_the_catalogue_naming_a_created_sku_clears_its_flag(store):
    import_file(store, "jd", export("jd.gbk.csv"))
    counts = [{"sku": "PET-BED-L", "on_hand": "0", "name": "宠物窝L"}, {"sku": "NEW-BOWL", "on_hand": "5"}]
    catalog.import_stock(store, counts, Actor("test", "admin"), "count.csv")
    with store.connect() as conn:
        flags = dict(
            conn.execute(
                select(skus.c.sku, skus.c.needs_details).where(skus.c.sku.in_(["PET-BED-L", "NEW-BOWL"]))
            ).all()
        )
    assert flags == {"PET-BED-L": False, "NEW-BOWL": False}  # named by the catalogue, or created by it


def test_a_history_import_stores_an_unknown_skus_completed_order_without_touching_stock(store, tmp_path):
    path = tmp_path / "past.csv"
    path.write_text(
        "order_no,created_at,status,sku,qty,unit_price\nH1,2025-03-01 10:00:00,completed,OLD-SKU,4,9.90\n",
        encoding="utf-8",
    )
    summary = import_file(store, "generic", path, history=True)
    assert (summary.new, summary.held, summary.created_skus) == (1, 0, ["OLD-SKU"])
    with store.connect() as conn:
        assert conn.execute(select(orders.c.status)).scalar_one() == "completed"
        assert conn.execute(select(skus.c.on_hand, skus.c.reserved).where(skus.c.sku == "OLD-SKU")).one() == (0, 0)
        assert conn.execute(select(func.count()).select_from(reservations)).scalar_one() == 0


def test_one_bad_line_keeps_the_whole_order_out(store, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(
        "order_no,created_at,status,sku,qty,unit_price\n"
        "A1,2026-01-05 10:00:00,paid,PET-FOOD-2KG,1,59.90\n"
        "A1,2026-01-05 10:00:00,paid,CAT-TOY-BALL,x,9.90\n"
        "A2,2026-01-05 10:00:00,paid,PET-FOOD-2KG,1,59.90\n",
        encoding="utf-8",
    )
    summary = import_file(store, "generic", path)
    with store.connect() as conn:
        numbers = set(conn.execute(select(orders.c.channel_order_no)).scalars())
    assert numbers == {"A2"}  # A1's good line (row 2) stays out with its bad one (row 3)
    assert rejects(summary) == [("orders.csv", 2, "order_rejected"), ("orders.csv", 3, "bad_qty")]


def test_progress_counts_rows_up_to_the_total(store, tmp_path):
    lines = ["order_no,created_at,status,sku,qty,unit_price"]
    lines += [f"TB{n:08d},2026-01-05 10:00:00,paid,PET-FOOD-2KG,1,59.90" for n in range(90)]
    lines.append("TB-BROKEN,2026-01-05 10:00:00,paid,PET-FOOD-2KG,x,59.90")
    path = tmp_path / "orders.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    seen = []
    summary = import_file(
        store, "generic", path, progress=lambda done, total: seen.append((done, total)), batch_size=25
    )
    assert summary.new == 90 and summary.rejected == 1
    assert seen[0] == (1, 91) and seen[-1] == (91, 91)
    assert len(seen) == 5  # the rejected row first, then one step per batch of 25 orders
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


def test_the_shop_option_names_the_shop_of_every_order(store):
    from core.store.tables import shops

    import_file(store, "taobao", export("taobao_orders.utf8bom.csv"), shop="毛孩子天猫店")
    with store.connect() as conn:
        assert set(conn.execute(select(shops.c.name).join(orders)).scalars()) == {"毛孩子天猫店"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"order_no,created_at\n1,2026-01-05\n", r"lacks the column\(s\) status, sku, qty, unit_price"),
        (bytes(range(128, 256)) * 40, "is not text"),
        (b'order_no,created_at,status,sku,qty,unit_price\n"unterminated,2026,paid,A,1,1\n', "not a readable CSV"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_with_a_sentence(store, tmp_path, content, message):
    path = tmp_path / "export.csv"
    path.write_bytes(content)
    with pytest.raises(InvalidInput, match=message):
        import_file(store, "generic", path)


def test_a_damaged_workbook_is_refused_with_a_sentence(store, tmp_path):
    path = tmp_path / "export.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(InvalidInput, match="not a readable XLSX"):
        import_file(store, "generic", path)


def test_the_wrong_channel_for_a_file_names_the_missing_columns(store):
    with pytest.raises(InvalidInput, match="lacks the column.*订单编号"):
        import_file(store, "taobao", export("jd.gbk.csv"))


def test_only_taobao_takes_an_items_file(store):
    with pytest.raises(InvalidInput, match="no separate items file"):
        import_file(store, "jd", export("jd.gbk.csv"), items=export("taobao_items.utf8bom.csv"))


def test_every_shipped_mapping_loads():
    assert file_mapping.channels() == ["generic", "jd", "pdd", "shopify", "taobao"]
    for channel in file_mapping.channels():
        assert file_mapping.load_mapping(channel).channel == channel


@pytest.fixture
def mapping_dir(tmp_path, monkeypatch):
    """An empty mappings folder in place of connectors/mappings, with no mapping cached."""
    monkeypatch.setattr(file_mapping, "MAPPINGS", tmp_path)
    file_mapping.load_mapping.cache_clear()
    yield tmp_path
    file_mapping.load_mapping.cache_clear()


def test_a_changed_export_needs_only_a_new_mapping_file(store, mapping_dir):
    (mapping_dir / "youzan.toml").write_text(
        """channel = "youzan"
layout = "lines"
[sheet]
required = ["order_no", "created_at", "status", "sku", "qty", "unit_price"]
[sheet.columns]
order_no = "订单号"
created_at = "下单时间"
status = "订单状态"
sku = "规格编码"
qty = "商品数量"
unit_price = "商品单价"
province = "收货人省份"
[status]
field = "status"
[status.map]
"待发货" = "paid"
""",
        encoding="utf-8",
    )
    (mapping_dir / "youzan.csv").write_text(
        "订单号,下单时间,订单状态,规格编码,商品数量,商品单价,收货人省份\n"
        "E20260105001,2026-01-05 10:00:00,待发货,PET-FOOD-2KG,1,59.90,广东省\n",
        encoding="utf-8",
    )
    summary = import_file(store, "youzan", mapping_dir / "youzan.csv")
    assert (summary.new, summary.rejected) == (1, 0)


def test_a_broken_mapping_file_says_what_is_wrong(mapping_dir):
    (mapping_dir / "broken.toml").write_text(
        'channel = "broken"\nlayout = "rows"\n[sheet]\nrequired = ["sku"]\n[sheet.columns]\norder_no = "单号"\n'
        '[status]\nfield = "status"\n[status.map]\n"x" = "shipped_by_pigeon"\n',
        encoding="utf-8",
    )
    with pytest.raises(InvalidInput, match="layout must be.*required field sku has no column.*shipped_by_pigeon"):
        file_mapping.load_mapping("broken")


def messages_and_on_hand(engine) -> tuple[int, int]:
    from core.messages.tables import outbox
    from core.stock.tables import skus

    with engine.connect() as conn:
        queued = conn.execute(select(func.count()).select_from(outbox)).scalar_one()
        leash = conn.execute(select(skus.c.on_hand).where(skus.c.sku == "DOG-LEASH-L")).scalar_one()
    return queued, leash


def test_live_orders_message_their_buyers_and_shipped_ones_take_their_goods(store):
    import_file(store, "jd", export("jd.gbk.csv"))
    # One paid order with a phone and stock (230512345678) is told; 230512345679 left shipped with 2 leashes.
    assert messages_and_on_hand(store) == (1, 98)


def test_trade_from_before_go_live_sends_nothing_and_takes_no_stock(store):
    import_file(store, "jd", export("jd.gbk.csv"), history=True)
    assert messages_and_on_hand(store) == (0, 100)


@pytest.mark.parametrize(
    "channel, name", [("generic", "generic.gbk.csv"), ("shopify", "shopify.csv"), ("pdd", "pdd.utf8bom.csv")]
)
def test_orders_made_a_few_at_a_time_are_the_same_orders(store, monkeypatch, channel, name):
    from connectors import file_orders
    from connectors.files import prepare

    whole = list(prepare(store, channel, export(name)).built.orders)
    monkeypatch.setattr(file_orders, "CHUNK", 2)
    assert list(prepare(store, channel, export(name)).built.orders) == whole
    assert len(whole) > 2
