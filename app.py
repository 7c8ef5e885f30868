"""OrderHub's Streamlit entry point (placeholder home until the pages land)."""

import streamlit as st

from core import overview
from core.db import make_engine, migrate
from core.i18n import t

st.set_page_config(page_title="OrderHub", layout="wide")


@st.cache_resource
def engine():
    eng = make_engine()
    migrate(eng)
    return eng


st.title(t("app.title"))
with engine().connect() as conn:
    report = overview.status_report(conn)
columns = st.columns(len(report["by_status"]))
for column, (status, count) in zip(columns, report["by_status"].items()):
    column.metric(t(f"status.{status}"), f"{count:,}")
