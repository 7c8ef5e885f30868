"""Stand-in for the login when a real browser opens an analytics page: role and page from the environment."""

import os
from pathlib import Path

import streamlit as st

role = os.environ.get("ORDERHUB_HARNESS_ROLE", "manager")
st.session_state.setdefault("user", {"username": "tv", "name": "TV", "role": role, "language": "zh"})
page = Path(__file__).resolve().parents[2] / "pages" / f"{os.environ.get('ORDERHUB_HARNESS_PAGE', 'big_screen')}.py"
st.navigation([st.Page(page)], position="hidden").run()
