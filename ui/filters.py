"""Queue filters and keyset paging state."""

from __future__ import annotations

from datetime import date, timedelta

import streamlit as st

from core import queue
from core.model import HOLD_INSUFFICIENT_STOCK, HOLD_MANUAL, STATUSES
from ui.session import tr
from ui.widgets import label

ALL = "all"


def queue_filter(options: dict[str, list]) -> queue.QueueFilter:
    """The filter row: search, channel, shop, province, SKU, held reason, date range."""
    search = st.text_input(tr("filter.search"), placeholder=tr("filter.search_hint"), key="f_search")
    with st.expander(tr("filter.more"), icon=":material/filter_list:"):
        first, second, third = st.columns(3)
        channel = first.selectbox(
            tr("col.channel"),
            [None, *options["channels"]],
            key="f_channel",
            format_func=lambda code: tr("filter.any") if code is None else label("channel", code),
        )
        shops = dict(options["shops"])
        shop_id = second.selectbox(
            tr("col.shop"),
            [None, *shops],
            key="f_shop",
            format_func=lambda shop: tr("filter.any") if shop is None else shops[shop],
        )
        province = third.selectbox(
            tr("col.province"),
            [None, *options["provinces"]],
            key="f_province",
            format_func=lambda name: tr("filter.any") if name is None else name,
        )
        sku = first.text_input(tr("col.sku"), key="f_sku", placeholder="PET-FOOD-2KG")
        hold = second.selectbox(
            tr("col.hold_reason"),
            [None, HOLD_INSUFFICIENT_STOCK, HOLD_MANUAL],
            key="f_hold",
            format_func=lambda reason: tr("filter.any") if reason is None else label("hold", reason),
        )
        dates = third.date_input(
            tr("filter.dates"), value=(), key="f_dates", max_value=date.today() + timedelta(days=1)
        )
    date_from, date_to = (tuple(dates) + (None, None))[:2] if dates else (None, None)
    return queue.QueueFilter(
        channel=channel,
        shop_id=shop_id,
        province=province,
        sku=sku.strip() or None,
        hold_reason=hold,
        date_from=date_from,
        date_to=date_to or date_from,
        search=search,
    )


def status_tabs(counts: dict[str, int]) -> str | None:
    """Statuses as tabs with their counts; None is "all"."""
    counts = counts | {ALL: sum(counts.values())}

    def caption(status: str) -> str:
        name = tr("filter.all") if status == ALL else label("status", status)
        count = counts.get(status, 0)
        return f"{name} · {count:,}" if count <= queue.COUNT_CAP else f"{name} · {queue.COUNT_CAP:,}+"

    picked = st.segmented_control(
        tr("col.status"),
        [ALL, *STATUSES],
        format_func=caption,
        key="f_status",
        label_visibility="collapsed",
        default=ALL,
        required=True,
    )
    return None if picked == ALL else picked


def pager(flt: queue.QueueFilter) -> queue.Cursor | None:
    """The cursor of the page being shown; a new filter starts again at the first page."""
    if st.session_state.get("pager_filter") != flt:
        st.session_state.update(pager_filter=flt, pager_stack=[None])
    return st.session_state["pager_stack"][-1]


def pager_buttons(next_cursor: queue.Cursor | None) -> None:
    stack = st.session_state["pager_stack"]
    back, where, forward = st.columns([1, 2, 1], vertical_alignment="center")
    if back.button(tr("pager.previous"), disabled=len(stack) == 1, icon=":material/chevron_left:", width="stretch"):
        stack.pop()
        st.rerun()
    where.caption(tr("pager.page", number=len(stack)), text_alignment="center")
    if forward.button(tr("pager.next"), disabled=next_cursor is None, icon=":material/chevron_right:", width="stretch"):
        stack.append(next_cursor)
        st.rerun()
