"""Page helpers for rules, purchasing and the sandbox: the acting user and the red SANDBOX banner
(app.py calls sandbox_banner() once per run, above every page)."""

from __future__ import annotations

import streamlit as st

from core.copies import sandbox
from core.identity.access import Actor
from ui.session import acting, engine, tr


def actor() -> Actor:
    """The acting user, for the write services (they check the role themselves)."""
    return acting()


def sandbox_banner() -> None:
    """The red banner shown while the session works on a sandbox copy of the store."""
    if sandbox.is_sandbox(engine()):
        st.markdown(
            "<div style='background:#d32f2f;color:#fff;padding:.5rem 1rem;font-weight:700;"
            f"border-radius:.3rem;text-align:center'>{tr('sandbox.banner')}</div>",
            unsafe_allow_html=True,
        )
