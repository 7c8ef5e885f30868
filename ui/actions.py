"""The action bar over selected orders: allowed actions only, each behind a confirmation; labels as PDF."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

import streamlit as st
from sqlalchemy.engine import Engine

from connectors import waybill_service
from core import clock
from core.errors import OrderHubError
from core.identity import logins
from core.identity.access import Actor, can
from core.restock import stock_levels
from core.shipping import batch, labels, paperwork, warehouse
from ui import cached, handover
from ui.session import acting, engine, tr, user
from ui.widgets import remember_notice, show_error

ALL = ("confirm_payment", "ship", "resume", "cancel")


def may_act(role: str, actions: Sequence[str] = ALL) -> bool:
    """Whether the role may take any of the batch actions or print labels (else no tick-boxes)."""
    return any(can(role, batch.PERMISSION[action]) for action in actions) or can(role, "print_labels")


def action_bar(
    order_ids: list[int],
    key: str,
    actions: Sequence[str] = ALL,
    tracking: dict[int, str] | None = None,
    counted: bool = True,
    carriers: dict[int, str] | None = None,
    papers: Sequence[str] = ("labels",),
) -> None:
    """Buttons for the actions the role may take and the papers it may print (labels, pick_list,
    slips); nothing changes until the user confirms. tracking and carriers go to shipping and labels."""
    current, bar = user(), handover.shelf(key)
    allowed = [action for action in actions if can(current["role"], batch.PERMISSION[action])]
    printed = list(papers) if can(current["role"], "print_labels") else []
    columns = st.columns(len(allowed) + len(printed) + 1, vertical_alignment="center")
    if counted:
        columns[0].caption(tr("action.selected", count=len(order_ids)))
    for column, action in zip(columns[1:], allowed, strict=False):
        column.button(
            tr(f"action.{action}"),
            key=f"{key}_{action}",
            disabled=not order_ids,
            type="primary" if action == "ship" else "secondary",
            width="stretch",
            on_click=bar.update,
            kwargs={"pending": (action, list(order_ids), dict(tracking or {}), dict(carriers or {}))},
        )
    for column, paper in zip(columns[len(allowed) + 1 :], printed, strict=True):
        with column:
            print_button(order_ids, key, paper, carriers, tracking)
    _confirmation(key, bar, current)


def _confirmation(key: str, bar: dict, current: dict) -> None:
    """The pending click's confirmation. Its callbacks write only to the bar's shelf and the tray
    (ui.handover), so a rerun cutting in never loses a click nor an action's outcome."""
    pending = bar.get("pending")
    if not pending:
        return
    action, order_ids, *_ = pending
    with st.container(border=True):
        st.warning(tr("action.confirm", action=tr(f"action.{action}"), count=len(order_ids)), icon=":material/help:")
        yes, no, _ = st.columns([1, 1, 4])
        yes.button(
            tr("action.yes"),
            key=f"{key}_yes",
            type="primary",
            on_click=_apply,
            args=(bar, pending, (current["username"], st.session_state.get("signed_in_at")), engine(), handover.tray()),
        )
        no.button(tr("action.no"), key=f"{key}_no", on_click=bar.pop, args=("pending", None))


def _apply(bar: dict, pending: tuple, session: tuple[str, datetime | None], store: Engine, tray: dict) -> None:
    """The confirmation's callback: run the action once, then record its outcome for the run that follows.

    It reads the session from its arguments, so nothing before the action can be cut off by a rerun,
    and the user from the store: a callback runs before the script checks the session, and the user may
    have been deactivated or given another role since the confirmation was drawn."""
    action, order_ids, tracking, carriers = pending
    with store.connect() as conn:
        current = logins.session_user(conn, *session)
    if current is None:
        return  # the run that follows signs the session out
    try:
        who = Actor(current["username"], current["role"])
        result = waybill_service.run_batch(store, who, action, order_ids, tracking, carriers)
    except OrderHubError as exc:
        bar.pop("pending", None)
        tray["refusal"] = exc
        return
    bar.pop("pending", None)
    tray["outcome"] = (list(result.done), list(result.failed))
    bar["round"] = bar.get("round", 0) + 1
    cached.after_change()


def print_button(
    order_ids: list[int],
    key: str,
    paper: str,
    carriers: dict[int, str] | None = None,
    tracking: dict[int, str] | None = None,
) -> None:
    """Build the paper's PDF on request, then offer it for download. The download is offered only
    while it fits: a changed selection, carrier or number, or an action on the orders (they
    shipped) takes it away, so nobody prints yesterday's labels."""
    made_for = (tuple(order_ids), sorted((carriers or {}).items()), sorted((tracking or {}).items()), round_of(key))
    state = f"{key}_{paper}_pdf"
    if st.button(
        tr(f"action.{paper}"), key=f"{key}_{paper}", disabled=not order_ids, width="stretch", icon=":material/print:"
    ):
        try:
            with engine().connect() as conn:
                st.session_state[state] = (made_for, PAPERS[paper](conn, user()["role"], order_ids, carriers, tracking))
        except OrderHubError as exc:
            st.session_state.pop(state, None)
            show_error(exc)
    built = st.session_state.get(state)
    if built and built[0] == made_for:
        st.download_button(
            tr(f"action.download_{paper}"),
            built[1],
            file_name=f"orderhub-{paper.replace('_', '-')}.pdf",
            mime="application/pdf",
            key=f"{key}_{paper}_download",
            icon=":material/download:",
            on_click="ignore",
        )


def _labels_pdf(conn, role: str, order_ids: list[int], carriers: dict | None, tracking: dict | None) -> bytes:
    """Labels carry the aggregator's number: orders whose shop has a waybill account get it first."""
    waybill_service.issue_for_labels(engine(), acting(), [i for i in order_ids if not (tracking or {}).get(i)])
    senders = waybill_service.label_senders()
    printed = warehouse.labels_for(conn, role, order_ids, carriers=carriers, tracking=tracking, shop_senders=senders)
    return labels.render(printed)


def _pick_list_pdf(conn, _role: str, order_ids: list[int], _carriers: dict | None, _tracking: dict | None) -> bytes:
    return paperwork.pick_list_pdf(warehouse.pick_list(conn, order_ids), clock.now())


def _slips_pdf(conn, role: str, order_ids: list[int], _carriers: dict | None, _tracking: dict | None) -> bytes:
    return paperwork.packing_slips_pdf(warehouse.packing_slips(conn, role, order_ids), clock.now())


PAPERS: dict[str, Callable[..., bytes]] = {"labels": _labels_pdf, "pick_list": _pick_list_pdf, "slips": _slips_pdf}


def round_of(key: str) -> int:
    """How many actions this bar has applied. Pages put it in their table's widget key, so a
    selection made before an action never carries over to the changed rows after it."""
    return handover.shelf(key).get("round", 0)


def release_fitting_button() -> None:
    """放行所有库存已够的订单 in one click; the notice names the orders it moved."""
    current = user()
    if not can(current["role"], "change_status"):
        return
    if not st.button(tr("queue.release_fitting"), icon=":material/lock_open:", key="release_fitting"):
        return
    try:
        moved = stock_levels.release_fitting(engine(), acting())
    except OrderHubError as exc:
        show_error(exc)
        return
    cached.after_change()
    shown = "、".join(moved[:20]) + ("…" if len(moved) > 20 else "")
    note = tr("queue.released", count=len(moved), orders=shown) if moved else tr("queue.released_none")
    remember_notice(note)
    st.rerun()
