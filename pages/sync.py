"""Channel sync: each shop's last pull, orders in and errors, and a "sync now" button."""

import pandas as pd
import streamlit as st

from connectors import pulls
from core.errors import OrderHubError
from core.i18n import t
from core.store.db import database_url
from ui import auth, session, widgets
from ui.session import acting
from ui.tracking import account_status

user = auth.guard("pages/sync.py")
lang, url = session.lang(), database_url()  # channels always sync into the live store


@st.cache_data(ttl=10)
def shop_states(url: str) -> list[dict]:
    return pulls.shop_states(session.engine_for(url))


def _state_text(row: dict) -> str:
    return t(f"sync.state.{row['state']}", lang, error=row["error"])


st.title(t("sync.title", lang))
st.caption(t("sync.caption", lang))

if st.button(t("sync.now", lang), type="primary"):
    try:
        with st.spinner(t("sync.running", lang)):
            results = pulls.sync_now(session.live_engine(), acting())
    except OrderHubError as exc:
        widgets.show_error(exc)
    else:
        for r in results or []:
            if r.error:
                st.warning(t("sync.failed", lang, shop=r.shop, error=r.error))
            elif r.skipped:
                st.info(t("sync.skipped", lang, shop=r.shop))
            else:
                st.success(
                    t("sync.done", lang, shop=r.shop, new=r.summary.new, updated=r.summary.updated, pushed=r.pushed)
                )
        if not results:
            st.info(t("sync.nothing", lang))
        shop_states.clear()

rows = shop_states(url)
if not rows:
    st.info(t("sync.empty", lang))
else:
    frame = pd.DataFrame(
        {
            t("sync.col.shop", lang): [r["shop"] for r in rows],
            t("sync.col.channel", lang): [t(f"channel.{r['channel']}", lang) for r in rows],
            t("sync.col.last_pull", lang): [r["last_pull"] for r in rows],
            t("sync.col.orders_in", lang): [r["orders_in"] for r in rows],
            t("sync.col.synced_to", lang): [r["synced_to"] for r in rows],
            t("sync.col.state", lang): [_state_text(r) for r in rows],
        }
    )
    st.dataframe(frame.apply(widgets.blank_missing), hide_index=True, width="stretch")

account_status([r["shop"] for r in rows])
