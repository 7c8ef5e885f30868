"""Login glue: streamlit-authenticator over the users table, the page guard and the polite refusal."""

from __future__ import annotations

import streamlit as st
import streamlit_authenticator as stauth
from sqlalchemy.engine import Engine

from core import clock
from core.identity import logins, users
from ui import handover, navigation
from ui.session import engine, role, tr, user

COOKIE_NAME = "orderhub_login"
COOKIE_DAYS = 7
COOKIE_STORED = "set"  # the key under which the library's cookie component reports that it stored the cookie


def authenticator(store: Engine) -> stauth.Authenticate:
    # Built per run from the table, so a deactivated user or a reset password takes effect at once.
    return stauth.Authenticate(users.credentials(store), COOKIE_NAME, users.cookie_key(), COOKIE_DAYS, auto_hash=False)


def login(auth: stauth.Authenticate) -> None:
    """Render the login form; a successful sign-in shows the user's pages from the next run on.

    The form is ours, not the library's: its form never says which username failed, and the lockout
    needs that. On success the library's own token login and cookie take over (see take_sign_in).
    """
    with st.form("login"):
        st.subheader(tr("login.title"))
        st.text_input(tr("login.username"), autocomplete="off", key="login_username")
        st.text_input(tr("login.password"), type="password", autocomplete="off", key="login_password")
        st.form_submit_button(tr("login.submit"), on_click=_sign_in, args=(engine(), handover.tray()))
    outcome = st.session_state.get("login_outcome")
    if outcome in (logins.FAILED, logins.LOCKED):  # shown until the next attempt
        st.error(tr(f"login.{outcome}"))


def _sign_in(store: Engine, tray: dict) -> None:
    """The submit button's callback: check the password and hand the outcome over in the tray (a
    rerun cutting in after the check must not lose it: the check counted towards the lockout)."""
    username = st.session_state.get("login_username", "")
    password = st.session_state.get("login_password", "")
    tray["sign_in"] = (username, logins.sign_in(store, username, password), clock.instant())


def take_sign_in(auth: stauth.Authenticate) -> None:
    """Early in each run: the sign-in the login button handed over, if any, into the session.
    Taken off the tray last, so a rerun cutting in here leaves it to the next run to finish."""
    tray = handover.tray()
    if "sign_in" not in tray:
        return
    username, outcome, signed_in_at = tray["sign_in"]
    st.session_state.update(login_outcome=outcome, login_password="")
    if outcome == logins.SIGNED_IN:
        auth.authentication_controller.login(token={"username": logins.login_name(username)})
        st.session_state.update(signed_in_at=signed_in_at, cookie_pending=True)
    del tray["sign_in"]


def load_user(store: Engine) -> dict | None:
    """The authenticated user, re-read each run: deactivation or a password reset ends the session at once."""
    username = st.session_state.get("username")
    if not st.session_state.get("authentication_status") or not username:
        return None
    with store.connect() as conn:
        current = logins.session_user(conn, username, st.session_state.get("signed_in_at"))
    if current is None:
        st.session_state.update(authentication_status=None, username=None, user=None, role=None)
        return None
    if user() is None or user()["username"] != current["username"]:
        st.session_state["lang"] = current["language"]
    st.session_state.update(user=current, role=current["role"])  # "role" alone, for pages that read only that
    return current


def guard(path: str) -> dict | None:
    """Every page's first call, and its only permission stop: the user (None on a public page nobody
    logged in to) if their role may open the page, else a polite refusal and the page stops. What a
    role may do on the page is then core's to refuse (core.identity.access), shown by widgets.show_error."""
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


def keep_cookie(auth: stauth.Authenticate) -> None:
    """Show the component that stores the login cookie in every run until it reports it has.

    Drawn once, it could be dropped by a rerun that something else (the cookie reader's first
    value) started before the browser ran it: the user was then signed in, but without a cookie,
    and a reload or a second tab showed the login form again.
    """
    if not st.session_state.get("cookie_pending"):
        return
    if st.session_state.get(COOKIE_STORED):
        st.session_state["cookie_pending"] = False
    else:
        auth.cookie_controller.set_cookie()


def restore(auth: stauth.Authenticate) -> dict | None:
    """The user of this session: already logged in, or coming back with a valid login cookie."""
    take_sign_in(auth)
    if st.session_state.pop("forget_cookie", False):
        auth.cookie_controller.delete_cookie()
    keep_cookie(auth)
    if not st.session_state.get("authentication_status") and (token := auth.cookie_controller.get_cookie()):
        resume(auth, token)
    current = load_user(engine())
    if current is None and st.session_state.get("signed_in_at"):  # the session just ended: drop its cookie
        logout(auth)
    return current


def resume(auth: stauth.Authenticate, token: dict) -> None:
    """Log in from the login cookie; the session then dates from when the cookie was issued."""
    try:
        auth.authentication_controller.login(token=token)
    except stauth.utilities.LoginError:  # a cookie of a user no longer active: show the login form
        st.session_state["authentication_status"] = None
        return
    st.session_state["signed_in_at"] = logins.cookie_issued_at(token["exp_date"], COOKIE_DAYS)


def logout(auth: stauth.Authenticate) -> None:
    """End the session (the logout button's callback, or a session that just lost its user) before the
    next run, which then also deletes the cookie; this session stops reading the cookie."""
    auth.authentication_controller.logout()
    st.session_state.update(user=None, role=None, signed_in_at=None, forget_cookie=True, cookie_pending=False)
