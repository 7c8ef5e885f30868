"""Queue filters and keyset paging state."""

from __future__ import annotations

from datetime import date, timedelta

import streamlit as st

from core.model import HOLD_KINDS, STATUSES
from core.orders import queue
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
            [None, *HOLD_KINDS],
            key="f_hold",
            format_func=lambda reason: tr("filter.any") if reason is None else label("hold", reason),
        )
        dates = third.date_input(
            tr("filter.dates"), value=(), key="f_dates", max_value=date.today() + timedelta(days=1)
        )
    date_from, date_to = (tuple(dates) + (None, None))[:2] if dates else (None, None)
    _active_chips(shops)
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


# The filter widgets behind 筛选, by session key, with how each one's value reads as a chip.
_CHIPS = {
    "f_channel": ("col.channel", lambda value, _: label("channel", value)),
    "f_shop": ("col.shop", lambda value, shops: shops.get(value, value)),
    "f_province": ("col.province", lambda value, _: value),
    "f_sku": ("col.sku", lambda value, _: value.strip()),
    "f_hold": ("col.hold_reason", lambda value, _: label("hold", value)),
    "f_dates": ("filter.dates", lambda value, _: " ~ ".join(f"{day:%Y-%m-%d}" for day in value)),
}


def _active_chips(shops: dict) -> None:
    """The filters in force, always in view (also with 筛选 closed), and one button to clear them."""
    chips = [
        f"{tr(title)}：{shown(st.session_state[key], shops)}"
        for key, (title, shown) in _CHIPS.items()
        if st.session_state.get(key) not in (None, "", ())
    ]
    if not chips:
        return
    text, clear = st.columns([5, 1], vertical_alignment="center")
    text.markdown(" ".join(f":blue-badge[{chip}]" for chip in chips))
    clear.button(tr("filter.clear"), on_click=_clear_filters, icon=":material/filter_alt_off:", width="stretch")


def _clear_filters() -> None:
    for key in _CHIPS:
        st.session_state.pop(key, None)


def status_tabs(counts: dict[str, int]) -> str | None:
    """Statuses as tabs with their counts; None is "all"."""
    counts = counts | {ALL: sum(counts.values())}

    def caption(status: str) -> str:
        name = tr("filter.all") if status == ALL else label("status", status)
        count = counts.get(status, 0)
        return f"{name} · {count:,}"

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


def hold_tabs(counts: dict[str, int]) -> str | None:
    """Under 已挂起: a tab per kind of hold (缺货, 待审核, 人工, 地址) with its count; None is every kind."""
    kinds = [kind for kind in HOLD_KINDS if counts.get(kind)]
    kinds += sorted(kind for kind in counts if kind not in kinds)
    names = {ALL: f"{tr('filter.all')} · {sum(counts.values()):,}"}
    names |= {kind: f"{label('hold', kind)} · {counts[kind]:,}" for kind in kinds}
    picked = st.segmented_control(
        tr("col.hold_reason"), list(names), format_func=names.get, key="f_hold_tab",
        label_visibility="collapsed", default=ALL, required=True,
    )  # fmt: skip
    return None if picked == ALL else picked


def pager(flt: queue.QueueFilter) -> queue.Cursor | None:
    """The cursor of the page being shown; a new filter starts again at the first page."""
    if st.session_state.get("pager_filter") != flt:
        st.session_state.update(pager_filter=flt, pager_stack=[None])
    return st.session_state["pager_stack"][-1]


PAGE_SIZES = (50, 100, 200)


def page_size() -> int:
    """Rows per page, as chosen under the table (50 until then)."""
    return st.session_state.get("page_size", PAGE_SIZES[0])


def pager_buttons(next_cursor: queue.Cursor | None) -> None:
    stack = st.session_state["pager_stack"]
    back, where, size, forward = st.columns([1, 2, 1, 1], vertical_alignment="center")
    size.selectbox(tr("pager.size"), PAGE_SIZES, key="page_size", label_visibility="collapsed")
    if back.button(tr("pager.previous"), disabled=len(stack) == 1, icon=":material/chevron_left:", width="stretch"):
        stack.pop()
        st.rerun()
    where.caption(tr("pager.page", number=len(stack)), text_alignment="center")
    if forward.button(tr("pager.next"), disabled=next_cursor is None, icon=":material/chevron_right:", width="stretch"):
        stack.append(next_cursor)
        st.rerun()
