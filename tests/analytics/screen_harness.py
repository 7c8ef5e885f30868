"""Stand-in for the login when a real browser opens the big screen: the role comes from the environment."""

import os
from pathlib import Path

import streamlit as st

st.session_state.setdefault("role", os.environ.get("ORDERHUB_SCREEN_ROLE", "manager"))
page = Path(__file__).resolve().parents[2] / "pages" / "big_screen.py"
st.navigation([st.Page(page, url_path="big_screen")], position="hidden").run()
