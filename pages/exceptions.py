"""Exception queue: orders the review rules held; a clerk fixes, approves, merges or cancels them."""

import streamlit as st

from core.errors import OrderHubError
from core.i18n import catalogue
from core.identity.access import can, mask_rows
from core.review import review
from core.shipping import merge
from ui import auth, cached, widgets
from ui.page_context import actor
from ui.session import engine, lang, tr

COLUMNS = ("channel_order_no", "shop", "status", "buyer", "phone", "province", "city", "address", "paid_cents")
COLUMNS += ("created_at", "rules", "details")

current = auth.guard("pages/exceptions.py")
st.title(tr("exceptions.title"))
with engine().connect() as conn:
    queue = review.open_exceptions(conn)
if not queue:
    st.info(tr("exceptions.empty"))
    st.stop()

shown = mask_rows(
    current["role"],
    [
        {
            **{k: v for k, v in q.items() if k != "id"},
            "rules": widgets.joined(tr(f"rule.{r}") for r in q["rules"]),
            "details": widgets.joined((r.text(lang(), current["role"]) for r in q["details"]), sentences=True),
        }
        for q in queue
    ],
)
table = widgets.frame(shown, COLUMNS)
st.dataframe(table, hide_index=True, width="stretch", column_config=widgets.money_columns(COLUMNS))

index = st.selectbox(
    tr("exceptions.pick"),
    range(len(queue)),
    format_func=lambda i: f"{queue[i]['channel_order_no']} · {queue[i]['buyer']}",
)
chosen, visible = queue[index], shown[index]


def act(service, *args) -> None:
    """Run one queue action (a core unit of work) and show the outcome."""
    try:
        outcome = service(engine(), chosen["id"], *args)
    except OrderHubError as refusal:
        widgets.show_error(refusal)
        return
    cached.after_change()  # the queue's tabs and the warehouse count it at once
    if isinstance(outcome, list) and outcome:
        st.warning(tr("exceptions.still_failing", rules=widgets.joined(tr(f"rule.{r}") for r in outcome)))
    else:
        st.success(tr("exceptions.done", status=outcome_text(outcome)))


def outcome_text(outcome) -> str:
    """What an action left: the order's new status, a sentence (merge), or that the rules now pass."""
    if isinstance(outcome, str):
        return widgets.label("status", outcome) if f"status.{outcome}" in catalogue() else outcome
    return tr("exceptions.passed")


def merge_with_siblings(store, order_id: int, who: str) -> str:
    return tr("exceptions.merged", count=merge.merge_held_order(store, order_id, who))


def as_typed(value) -> str:
    """A field as its input box shows it (an empty field is empty, not "None")."""
    return "" if value is None else str(value)


approve_col, merge_col, cancel_col = st.columns(3)
if approve_col.button(tr("exceptions.approve"), type="primary"):
    act(review.approve_order, actor())
if "merge_candidate" in chosen["rules"] and merge_col.button(tr("exceptions.merge")):
    act(merge_with_siblings, actor())
reason = cancel_col.text_input(tr("exceptions.cancel_reason"))
if cancel_col.button(tr("exceptions.cancel")):
    act(review.cancel_order, actor(), reason)

if can(current["role"], "override_review"):
    with st.expander(tr("exceptions.override"), icon=":material/fast_forward:"):
        st.caption(tr("exceptions.override_help"))
        why = st.text_input(tr("exceptions.override_reason"), key="override_reason")
        if st.button(tr("exceptions.override"), key="override"):
            act(review.override_order, actor(), why)

with st.form("fix"):
    edits = {
        name: st.text_input(tr(f"col.{name}"), value=as_typed(visible.get(name)))
        for name in ("province", "city", "address", "phone")
        if name in visible
    }
    if st.form_submit_button(tr("exceptions.fix")):
        # Only what the clerk changed: an untouched masked phone must never overwrite the real one.
        act(review.fix_order, {k: v for k, v in edits.items() if v != as_typed(visible.get(k))}, actor())
