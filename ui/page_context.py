"""Who is looking and at which store: the engine (live, or the sandbox an admin entered), the role,
the user and the language of this session, plus the red SANDBOX banner.

Reads st.session_state keys "role", "username", "lang" (set by app.py after login) and
"use_sandbox" (set by pages/sandbox.py).
"""

from __future__ import annotations

import streamlit as st
from sqlalchemy import Engine

from core import sandbox
from core.access import require
from core.db import database_url, make_engine
from core.errors import PermissionDenied
from core.i18n import t


@st.cache_resource
def _engine(url: str) -> Engine:
    return make_engine(url)


def live_engine() -> Engine:
    return _engine(database_url())


def engine() -> Engine:
    """The store this session works on: the sandbox while an admin works in it, else live."""
    live = live_engine()
    if st.session_state.get("use_sandbox") and sandbox.exists(live):
        return _engine(sandbox.sandbox_url(database_url()))
    return live


def role() -> str:
    return st.session_state.get("role", "")


def actor() -> str:
    return st.session_state.get("username", role() or "unknown")


def lang() -> str:
    return st.session_state.get("lang", "zh")


def allow(action: str) -> None:
    """Stop the page politely unless the session's role may perform the action."""
    try:
        require(role(), action)
    except PermissionDenied as refusal:
        st.error(str(refusal))
        st.stop()


def sandbox_banner() -> None:
    """The red banner every page shows while the session works on a sandbox copy."""
    if sandbox.is_sandbox(engine()):
        st.markdown(
            f"<div style='background:#d32f2f;color:#fff;padding:.5rem 1rem;font-weight:700;"
            f"border-radius:.3rem;text-align:center'>{t('sandbox.banner', lang())}</div>",
            unsafe_allow_html=True,
        )
