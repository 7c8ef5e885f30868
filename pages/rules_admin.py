"""Review rules and blacklist: switch rules on or off, set their thresholds, re-check open orders."""

import streamlit as st
from sqlalchemy import select

from core import review, rules
from core.db import blacklist, transaction
from core.errors import OrderHubError
from core.i18n import t
from ui.page_context import actor, allow, engine, lang

allow("edit_rules")
L = lang()
st.title(t("rules.title", L))
with engine().connect() as conn:
    config = rules.load_config(conn)
    listed = [
        dict(row)
        for row in conn.execute(
            select(blacklist.c.kind, blacklist.c.value, blacklist.c.reason, blacklist.c.created_by)
        ).mappings()
    ]


def setting(code: str, name: str, value):
    label, key = t(f"param.{name}", L), f"{code}.{name}"
    if isinstance(value, bool):
        return st.checkbox(label, value=value, key=key)
    return int(st.number_input(label, min_value=0, step=1, value=value, key=key))


for rule in rules.RULES:
    current = config[rule.code]
    with st.form(f"rule-{rule.code}"):
        st.subheader(t(f"rule.{rule.code}", L))
        enabled = st.checkbox(t("rules.enabled", L), value=current.enabled, key=f"{rule.code}.enabled")
        params = {name: setting(rule.code, name, value) for name, value in current.params.items()}
        if st.form_submit_button(t("rules.save", L)):
            try:
                with transaction(engine()) as conn:
                    rules.save_rule(conn, rule.code, enabled, params, actor())
                st.success(t("rules.saved", L))
            except OrderHubError as refusal:
                st.error(str(refusal))

if st.button(t("rules.recheck", L)):
    st.info(t("rules.rechecked", L, count=len(review.recheck_open_orders(engine()))))

st.header(t("blacklist.title", L))
st.dataframe(listed, hide_index=True, width="stretch")
with st.form("blacklist"):
    kind = st.radio(t("blacklist.kind", L), ["buyer", "phone"], horizontal=True)
    value = st.text_input(t("blacklist.value", L))
    reason = st.text_input(t("blacklist.reason", L))
    add, remove = st.columns(2)
    adding = add.form_submit_button(t("blacklist.add", L))
    removing = remove.form_submit_button(t("blacklist.remove", L))
if adding or removing:
    try:
        with transaction(engine()) as conn:
            if adding:
                rules.add_to_blacklist(conn, kind, value, reason, actor())
            else:
                rules.remove_from_blacklist(conn, kind, value, actor())
        st.success(t("rules.saved", L))
    except OrderHubError as refusal:
        st.error(str(refusal))
