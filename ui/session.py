"""Who is using this session, in which language, against which store."""

from __future__ import annotations

import streamlit as st
from sqlalchemy.engine import Engine

from core.copies import sandbox
from core.i18n import DEFAULT_LANGUAGE, t
from core.identity.access import Actor
from core.store.db import database_url, open_store


@st.cache_resource(show_spinner=False)
def engine_for(url: str) -> Engine:
    """One migrated engine per store and process."""
    return open_store(url)


def live_engine() -> Engine:
    """The store named by ORDERHUB_DATABASE_URL, migrated once per process."""
    return engine_for(database_url())


def engine() -> Engine:
    """The store this session works on: live, or its sandbox copy while an admin works there."""
    live = live_engine()
    if st.session_state.get("use_sandbox") and sandbox.exists(live):
        return engine_for(sandbox.sandbox_url(database_url()))
    return live


def user() -> dict | None:
    """The logged-in user ({username, name, role, language}), or None."""
    return st.session_state.get("user")


def acting() -> Actor:
    """The signed-in user as core's write services take them; nobody signed in is refused by them."""
    current = user() or {}
    return Actor(current.get("username", ""), current.get("role", ""))


def role() -> str | None:
    current = user()
    return current["role"] if current else None


def lang() -> str:
    return st.session_state.get("lang") or DEFAULT_LANGUAGE


def tr(key: str, **values: object) -> str:
    """The text for key in the session's language."""
    return t(key, lang(), **values)


def store_url() -> str:
    """The URL of this session's store (live or sandbox): a cache key for reads of it."""
    return engine().url.render_as_string(hide_password=False)
