"""The column-wise phone mask used by every report and export equals the one-value policy."""

from __future__ import annotations

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from core.identity.access import mask_frame, mask_phone, mask_phones

phones = st.one_of(st.none(), st.text(max_size=14), st.from_regex(r"1[3-9]\d{9}", fullmatch=True))


@given(st.lists(phones, max_size=40))
def test_masking_a_column_equals_masking_each_phone(values):
    assert list(mask_phones(pd.Series(values, dtype=object))) == [mask_phone(v) for v in values]


def test_a_manager_sees_masked_phones_and_a_warehouse_clerk_none():
    frame = pd.DataFrame({"channel_order_no": ["JD3012345"], "phone": ["13812345678"], "paid_cents": [8900]})
    assert mask_frame("manager", frame).to_dict("records") == [
        {"channel_order_no": "JD3012345", "phone": "138****5678", "paid_cents": 8900}
    ]
    assert list(mask_frame("warehouse", frame).columns) == ["channel_order_no"]
