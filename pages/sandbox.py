"""Sandbox: copy live in one click, work in the copy, promote only the configuration, or drop it."""

import streamlit as st

from core.copies import sandbox
from core.errors import OrderHubError
from ui import auth, widgets
from ui.page_context import actor
from ui.session import live_engine, tr

auth.guard("pages/sandbox.py")
st.title(tr("sandbox.title"))
live = live_engine()
st.caption(tr("sandbox.config", tables=widgets.joined(tr(f"sandbox.table.{part.table}") for part in sandbox.CONFIG)))


def attempt(action, *args):
    try:
        return action(*args)
    except OrderHubError as refusal:
        widgets.show_error(refusal)
        return None


if not sandbox.exists(live):
    st.info(tr("sandbox.none"))
    if st.button(tr("sandbox.create"), type="primary") and attempt(sandbox.create, live, actor()):
        st.session_state["use_sandbox"] = True
        st.rerun()
    st.stop()

inside = st.session_state.get("use_sandbox", False)
if st.button(tr("sandbox.leave" if inside else "sandbox.enter")):
    st.session_state["use_sandbox"] = not inside
    st.rerun()
if st.button(tr("sandbox.promote"), type="primary") and (changed := attempt(sandbox.promote, live, actor())):
    changes = widgets.joined(f"{tr(f'sandbox.table.{table}')} {n}" for table, n in changed.items())
    st.success(tr("sandbox.promoted", changes=changes))
if st.button(tr("sandbox.drop")):
    st.cache_resource.clear()  # close the cached engine of the copy before its file or database goes
    attempt(sandbox.drop, live, actor())
    st.session_state["use_sandbox"] = False
    st.rerun()
