"""The import page asks how to read dates that fit both orders, and imports with the answer."""

from __future__ import annotations

from pathlib import Path

from connectors.file_mapping import channels
from tests.files.test_files_page import page  # noqa: F401 - the fixture: the page as a user of a role

AMBIGUOUS = Path(__file__).resolve().parent.parent / "fixtures" / "real" / "ambiguous_dates.csv"


def test_the_page_asks_per_ambiguous_column_and_imports_with_the_answer(page):  # noqa: F811
    at = page("clerk")
    at.selectbox[0].select_index(1 + channels().index("generic"))  # after auto
    at.file_uploader[0].set_value((AMBIGUOUS.name, AMBIGUOUS.read_bytes(), "text/csv"))
    at.button[0].click()
    at = at.run()
    assert not at.exception and not at.error
    assert "月/日/年" in at.warning[0].value
    asked = {box.label: box for box in at.selectbox if box.label.endswith("的日期读法")}
    assert set(asked) == {"created_at 的日期读法", "paid_at 的日期读法"}
    for box in asked.values():
        box.select("d/m/Y")
    at.button[0].click()
    at = at.run()
    assert not at.exception and not at.error
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["新订单"], metrics["拒收行"]) == ("3", "0")
    assert not at.warning
