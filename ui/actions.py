"""The action bar over selected orders: allowed actions only, each behind a confirmation; labels as PDF."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from functools import partial

import streamlit as st
from sqlalchemy.engine import Engine

from connectors import waybill_service
from core import batch, clock, labels, logins, paperwork, stock_levels, warehouse
from core.access import can
from core.errors import OrderHubError
from ui import cached
from ui.session import despite_reruns, engine, tr, user
from ui.widgets import remember_error, remember_outcome, show_error

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
    current = user()
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
            on_click=_ask,
            args=(key, (action, list(order_ids), dict(tracking or {}), dict(carriers or {}))),
        )
    for column, paper in zip(columns[len(allowed) + 1 :], printed, strict=True):
        with column:
            print_button(order_ids, key, paper, carriers, tracking)
    _confirmation(key, current)


def _ask(key: str, pending: tuple) -> None:
    """An action button's callback: the click is kept even if a rerun cuts in (see despite_reruns)."""
    despite_reruns(partial(st.session_state.update, {f"{key}_pending": pending}))


def _confirmation(key: str, current: dict) -> None:
    pending = st.session_state.get(f"{key}_pending")
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
            args=(key, pending, (current["username"], st.session_state.get("signed_in_at")), engine(), round_of(key)),
        )
        no.button(tr("action.no"), key=f"{key}_no", on_click=_drop, args=(key,))


def _apply(key: str, pending: tuple, session: tuple[str, datetime | None], store: Engine, applied_round: int) -> None:
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
        result = waybill_service.run_batch(
            store, current["role"], current["username"], action, order_ids, tracking, carriers
        )
    except OrderHubError as exc:
        despite_reruns(partial(_refused, key, exc))
        return
    cached.after_change()
    despite_reruns(partial(_applied, key, result, applied_round))


def _applied(key: str, result: batch.BatchResult, applied_round: int) -> None:
    _drop(key)
    remember_outcome(result.done, result.failed)
    st.session_state[f"{key}_round"] = applied_round + 1


def _refused(key: str, exc: OrderHubError) -> None:
    _drop(key)
    remember_error(exc)


def _drop(key: str) -> None:
    st.session_state.pop(f"{key}_pending", None)


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
    waybill_service.issue_for_labels(engine(), role, [i for i in order_ids if not (tracking or {}).get(i)])
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
    return st.session_state.get(f"{key}_round", 0)


def release_fitting_button() -> None:
    """放行所有库存已够的订单 in one click; the notice names the orders it moved."""
    current = user()
    if not can(current["role"], "change_status"):
        return
    if not st.button(tr("queue.release_fitting"), icon=":material/lock_open:", key="release_fitting"):
        return
    try:
        moved = stock_levels.release_fitting(engine(), current["role"], current["username"])
    except OrderHubError as exc:
        show_error(exc)
        return
    cached.after_change()
    shown = "、".join(moved[:20]) + ("…" if len(moved) > 20 else "")
    note = tr("queue.released", count=len(moved), orders=shown) if moved else tr("queue.released_none")
    st.session_state["notice"] = note
    st.rerun()
