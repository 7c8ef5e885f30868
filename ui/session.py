"""Who is using this session, in which language, against which store."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st
from sqlalchemy.engine import Engine
from streamlit.runtime.scriptrunner_utils.exceptions import RerunException

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


def despite_reruns(write: Callable[[], None]) -> None:
    """Run `write`, session-state writes that may be repeated, to its end; then hand over to a
    rerun asked for meanwhile.

    Every st.session_state access is a point where Streamlit hands over to a rerun asked for
    meanwhile, by raising RerunException there. The library's cookie reader, drawn in every run,
    reports its value once after each page load, and Streamlit reruns for it. A click in that
    moment loses what its handler had not yet written: a sign-in was seen to leave the form with no
    answer, and an action button's click can be lost the same way. Handlers that write through
    here (button callbacks, which run before the script) keep the click.
    """
    interrupted = None
    while True:
        try:
            write()
            break
        except RerunException as rerun:  # that rerun's request is taken now: the next try runs through
            interrupted = rerun
    if interrupted:
        raise interrupted
