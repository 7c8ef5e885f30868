"""Login glue: streamlit-authenticator over the users table, the page guard and the polite refusal."""

from __future__ import annotations

import streamlit as st
import streamlit_authenticator as stauth
from sqlalchemy.engine import Engine

from core import users
from core.errors import NotFound
from ui import navigation
from ui.session import engine, role, tr, user

COOKIE_NAME = "orderhub_login"
COOKIE_DAYS = 7


def authenticator(store: Engine) -> stauth.Authenticate:
    # Built per run from the table, so a deactivated user or a reset password takes effect at once.
    return stauth.Authenticate(
        users.credentials(store), COOKIE_NAME, users.cookie_key(), COOKIE_DAYS, auto_hash=False, login_sleep_time=0.05
    )


def login(auth: stauth.Authenticate) -> bool:
    """Render the login form; True once authenticated (the next run then builds the user's navigation)."""
    fields = {
        "Form name": tr("login.title"),
        "Username": tr("login.username"),
        "Password": tr("login.password"),
        "Login": tr("login.submit"),
    }
    try:
        auth.login(location="main", fields=fields, key="login")
    except stauth.utilities.LoginError:
        st.session_state["authentication_status"] = None  # a cookie of a user no longer active
    if st.session_state.get("authentication_status") is False:
        st.error(tr("login.failed"))
    return bool(st.session_state.get("authentication_status"))


def load_user(store: Engine) -> dict | None:
    """The authenticated user's row, re-read each run: deactivation ends the session at once."""
    username = st.session_state.get("username")
    if not st.session_state.get("authentication_status") or not username:
        return None
    try:
        with store.connect() as conn:
            row = users.get(conn, username)
    except NotFound:
        row = None
    if row is None or not row["active"]:
        st.session_state.update(authentication_status=None, username=None, user=None, role=None)
        return None
    if user() is None or user()["username"] != row["username"]:
        st.session_state["lang"] = row["language"]
    current = {key: row[key] for key in ("username", "name", "role", "language")}
    st.session_state.update(user=current, role=row["role"])  # "role" alone, for pages that read only that
    return current


def guard(path: str) -> dict | None:
    """At the top of every page: the user if their role may open it, else a polite refusal and stop."""
    page = navigation.spec(path)
    if navigation.may_open(role(), page):
        return user()
    refuse(page)
    st.stop()


def refuse(page: navigation.PageSpec) -> None:
    """What a user sees on a page their role may not use (e.g. opened by URL)."""
    st.title(tr(page.title_key))
    if user() is None:
        st.info(tr("refusal.login_first"))
        return
    allowed = "、".join(tr(f"role.{name}") for name in sorted(page.roles))
    st.warning(tr("refusal.body", role=tr(f"role.{role()}"), allowed=allowed), icon=":material/lock:")


def restore(auth: stauth.Authenticate) -> dict | None:
    """The user of this session: already logged in, or coming back with a valid login cookie."""
    if st.session_state.pop("forget_cookie", False):
        auth.cookie_controller.delete_cookie()
    try:
        auth.login(location="unrendered")
    except stauth.utilities.LoginError:  # a cookie of a user no longer active: show the login form
        st.session_state["authentication_status"] = None
    return load_user(engine())


def logout(auth: stauth.Authenticate) -> None:
    """Button callback: end the session before the next run, which then also deletes the cookie."""
    auth.authentication_controller.logout()
    st.session_state.update(user=None, role=None, forget_cookie=True)
