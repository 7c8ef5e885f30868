"""OrderHub's frame and router: page config, login, navigation built from the user's role, language."""

from __future__ import annotations

import streamlit as st

from core.identity import users
from core.store.db import database_url
from ui import auth, navigation, page_context, warmup, widgets
from ui.session import engine, tr

st.set_page_config(page_title="OrderHub", page_icon=":material/inventory:", layout="wide")


@st.cache_resource(show_spinner=False)
def first_start(url: str) -> None:
    """A store without users gets an admin with a random password, printed once to this console."""
    del url  # the cache key: once per store and process
    if password := users.ensure_first_admin(engine()):
        print(f"OrderHub: created user 'admin' with password {password} — change it after logging in.", flush=True)


def login_page() -> None:
    st.title(tr("app.title"))
    st.caption(tr("login.caption"))
    auth.login(authenticator)


def pages_for(current: dict | None) -> dict[str, list[st.Page]]:
    """The role's pages by section. Every other page keeps its URL but only shows a refusal (or the
    login form). Home ("/") is the login form, or the role's start page once more under a hidden entry,
    so that every listed page keeps its own URL."""
    role = current["role"] if current else None
    sections: dict[str, list[st.Page]] = {}
    for page in navigation.open_pages(role):
        visibility = "visible" if page.listed else "hidden"
        entry = st.Page(
            page.path, title=tr(page.title_key), icon=page.icon, url_path=page.url_path, visibility=visibility
        )
        sections.setdefault(tr(page.section), []).append(entry)
    if current is None:
        login = st.Page(login_page, title=tr("login.title"), icon=":material/login:", url_path="login", default=True)
        sections = {"": [login], **sections}
    else:
        start = navigation.home(role)
        home = st.Page(start.path, title=tr(start.title_key), url_path="home", default=True, visibility="hidden")
        sections[next(iter(sections))].append(home)
    for page in navigation.PAGES:
        if not navigation.may_open(role, page):
            stand_in = login_page if current is None else (lambda page=page: auth.refuse(page))
            hidden = st.Page(stand_in, title=tr(page.title_key), url_path=page.url_path, visibility="hidden")
            sections[next(iter(sections))].append(hidden)
    return sections


first_start(database_url())
authenticator = auth.authenticator(engine())
current = auth.restore(authenticator)
widgets.sidebar(current, authenticator)
widgets.widget_chrome()
if current:
    page_context.sandbox_banner()
try:
    st.navigation(pages_for(current), expanded=True).run()  # every allowed page in view, no "View more"
finally:
    # The analytics snapshot, copied in the background once per process: after the first page's run,
    # which the first visitor waits for (on 2 cores the copy of 1M orders made it 1.5 s slower).
    warmup.start()
