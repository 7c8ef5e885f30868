"""用户管理 — add users, set roles, reset passwords, deactivate (admin only; checked again in core)."""

import secrets

import streamlit as st

from core.errors import OrderHubError
from core.identity import users
from core.identity.access import ROLES
from ui import auth, widgets
from ui.session import acting, engine, tr

user = auth.guard("pages/admin_users.py")
st.title(tr("users.title"), anchor=False)
widgets.show_outcome()


def run(change, *args, notice: str) -> None:
    """Apply a change through core; on success show the notice after the rerun."""
    try:
        change(engine(), acting(), *args)
    except OrderHubError as exc:
        widgets.show_error(exc)
        return
    widgets.remember_notice(notice)
    st.rerun()


try:
    people = users.listing(engine(), acting())
except OrderHubError as exc:
    widgets.show_error(exc)
    st.stop()
st.dataframe(widgets.frame(people, ("username", "name", "role", "active", "language", "updated_at")), hide_index=True)

role_name = {name: tr(f"role.{name}") for name in ROLES}
add, manage = st.tabs([tr("users.add"), tr("users.manage")])
with add, st.form("add_user", clear_on_submit=True):
    left, right = st.columns(2)
    username = left.text_input(tr("col.username"))
    name = right.text_input(tr("col.name"))
    role = left.selectbox(tr("col.role"), ROLES, index=ROLES.index("clerk"), format_func=role_name.get)
    password = right.text_input(tr("users.password"), type="password", help=tr("users.password_hint"))
    if st.form_submit_button(tr("users.add"), type="primary"):
        run(users.add_user, username, role, password, name, notice=tr("users.added", username=username))

with manage:
    names = [person["username"] for person in people]
    chosen = st.selectbox(tr("col.username"), names, key="manage_user")
    person = next(p for p in people if p["username"] == chosen)
    new_role = st.selectbox(
        tr("col.role"), ROLES, index=ROLES.index(person["role"]), format_func=role_name.get, key=f"role_{chosen}"
    )
    role_col, password_col, active_col = st.columns(3)
    if role_col.button(tr("users.set_role"), disabled=new_role == person["role"], width="stretch"):
        run(users.set_role, chosen, new_role, notice=tr("users.role_set", username=chosen, role=role_name[new_role]))
    if password_col.button(tr("users.reset"), width="stretch", icon=":material/key:"):
        fresh = secrets.token_urlsafe(9)
        run(users.reset_password, chosen, fresh, notice=tr("users.reset_done", username=chosen, password=fresh))
    toggle = "users.deactivate" if person["active"] else "users.activate"
    if active_col.button(tr(toggle), width="stretch", disabled=chosen == user["username"]):
        run(users.set_active, chosen, not person["active"], notice=tr(f"{toggle}_done", username=chosen))
