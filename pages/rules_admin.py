"""Review rules and blacklist: switch rules on or off, set their thresholds, re-check open orders."""

import streamlit as st

from core.errors import OrderHubError
from core.review import review, rules
from ui import auth, widgets
from ui.page_context import actor
from ui.session import engine, tr

LISTED = ("kind", "value", "reason", "created_by")
KINDS = {"kind": "blacklist.kind"}

auth.guard("pages/rules_admin.py")
st.title(tr("rules.title"))
with engine().connect() as conn:
    config = rules.load_config(conn)
    listed = rules.blacklist_entries(conn)


def setting(code: str, name: str, value):
    """One rule setting as its widget; amounts (…_cents) are entered in yuan and kept in cents."""
    label, key = tr(f"param.{name}"), f"{code}.{name}"
    if isinstance(value, bool):
        return st.checkbox(label, value=value, key=key)
    if name.endswith("_cents"):
        yuan = st.number_input(label, min_value=0.0, step=0.01, format="%.2f", value=value / 100, key=key)
        return round(yuan * 100)
    return int(st.number_input(label, min_value=0, step=1, value=value, key=key))


for rule in rules.RULES:
    current = config[rule.code]
    with st.form(f"rule-{rule.code}"):
        st.subheader(tr(f"rule.{rule.code}"))
        enabled = st.checkbox(tr("rules.enabled"), value=current.enabled, key=f"{rule.code}.enabled")
        params = {name: setting(rule.code, name, value) for name, value in current.params.items()}
        if st.form_submit_button(tr("rules.save")):
            try:
                rules.save_rule_setting(engine(), rule.code, enabled, params, actor())
                st.success(tr("rules.saved"))
            except OrderHubError as refusal:
                widgets.show_error(refusal)

if st.button(tr("rules.recheck")):
    st.info(tr("rules.rechecked", count=len(review.recheck_open_orders(engine(), actor()))))

st.header(tr("blacklist.title"))
st.dataframe(widgets.frame(listed, LISTED, KINDS), hide_index=True, width="stretch")
with st.form("blacklist"):
    kind_name = {kind: tr(f"blacklist.kind.{kind}") for kind in ("buyer", "phone")}
    kind = st.radio(tr("blacklist.kind"), list(kind_name), horizontal=True, format_func=kind_name.get)
    value = st.text_input(tr("blacklist.value"))
    reason = st.text_input(tr("blacklist.reason"))
    add, remove = st.columns(2)
    adding = add.form_submit_button(tr("blacklist.add"))
    removing = remove.form_submit_button(tr("blacklist.remove"))
if adding or removing:
    try:
        if adding:
            rules.blacklist_add(engine(), kind, value, reason, actor())
        else:
            rules.blacklist_remove(engine(), kind, value, actor())
        st.success(tr("rules.saved"))
    except OrderHubError as refusal:
        widgets.show_error(refusal)
