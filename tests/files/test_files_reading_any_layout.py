"""Property: one table written with any delimiter, encoding, line ending and title lines reads back
the same, its rows numbered as a spreadsheet numbers them."""

from __future__ import annotations

import csv
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.file_reading import read_table

HEADER = ["order_no", "created_at", "status", "sku", "qty", "unit_price", "address"]
TITLE = "订单报表 导出时间: 2026-11-30"
# Addresses hold what breaks naive splitting: every delimiter, quotes, line breaks, Chinese.
ADDRESS = st.text(alphabet=st.sampled_from(list("路号 ,;|\t\"'\n北京ab12")), max_size=12).map(lambda s: "路" + s)
ROW = st.tuples(
    st.from_regex(r"[A-Z]{2}[0-9]{1,8}", fullmatch=True),
    st.sampled_from(["2026-01-05 10:00:00", "11/8/2018", "2026年1月5日", ""]),
    st.sampled_from(["paid", "已支付", "shipped"]),
    st.sampled_from(["PET-FOOD-2KG", "CAT-TOY-BALL"]),
    st.integers(1, 99).map(str),
    st.decimals(0, 9999, places=2).map(str),
    ADDRESS,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(ROW, min_size=1, max_size=8),
    sep=st.sampled_from([",", ";", "\t", "|"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]),
    newline=st.sampled_from(["\n", "\r\n"]),
    titled=st.booleans(),
)
def test_any_layout_reads_back_the_same_table(tmp_path, rows, sep, encoding, newline, titled):
    buffer = io.StringIO()
    if titled:
        buffer.write(TITLE + newline + newline)
    writer = csv.writer(buffer, delimiter=sep, lineterminator=newline)
    writer.writerows([HEADER, *rows])
    path = tmp_path / "export.csv"
    path.write_bytes(buffer.getvalue().encode(encoding))
    table = read_table(path)
    assert list(table.frame.columns) == HEADER
    assert table.frame.to_numpy().tolist() == [list(row) for row in rows]
    # Excel numbers records, not lines: a cell's line breaks do not shift the rows below it.
    first = 4 if titled else 2
    assert table.rows.tolist() == list(range(first, first + len(rows)))
