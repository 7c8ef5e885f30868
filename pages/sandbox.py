"""Sandbox: copy live in one click, work in the copy, promote only the configuration, or drop it."""

import streamlit as st

from core import sandbox
from core.errors import OrderHubError
from core.i18n import t
from ui.page_context import actor, allow, lang, live_engine

allow("sandbox")
L = lang()
st.title(t("sandbox.title", L))
live = live_engine()
st.caption(t("sandbox.config", L, tables=", ".join(part.table for part in sandbox.CONFIG)))


def attempt(action, *args):
    try:
        return action(*args)
    except OrderHubError as refusal:
        st.error(str(refusal))
        return None


if not sandbox.exists(live):
    st.info(t("sandbox.none", L))
    if st.button(t("sandbox.create", L), type="primary") and attempt(sandbox.create, live, actor()):
        st.session_state["use_sandbox"] = True
        st.rerun()
    st.stop()

inside = st.session_state.get("use_sandbox", False)
if st.button(t("sandbox.leave" if inside else "sandbox.enter", L)):
    st.session_state["use_sandbox"] = not inside
    st.rerun()
if st.button(t("sandbox.promote", L), type="primary") and (changed := attempt(sandbox.promote, live, actor())):
    st.success(t("sandbox.promoted", L, changes=", ".join(f"{table} {n}" for table, n in changed.items())))
if st.button(t("sandbox.drop", L)):
    st.cache_resource.clear()  # close the cached engine of the copy before its file or database goes
    attempt(sandbox.drop, live)
    st.session_state["use_sandbox"] = False
    st.rerun()
