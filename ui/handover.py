"""What a button's callback hands to the runs that follow: a tray that a rerun cutting in cannot empty.

Streamlit runs a callback before the script, and every st.session_state access inside it is a point
where a rerun asked for meanwhile takes over and ends the callback there (the login cookie reader
asks for one after each page load). A callback that had changed the store but not yet written down
its outcome lost the click: a sign-in once left the form with no answer.

So a callback gets all it needs as arguments, the tray among them, and writes its outcome into the
tray: a plain dict kept in the session, taken by the script while it draws the button. Writing to it
is plain Python, where Streamlit cannot take over; the script reads it in the runs that follow.
Public API only: st.session_state keeps the very object it was given, and on_click passes args.
"""

from __future__ import annotations

import streamlit as st

KEY = "handover"


def tray() -> dict:
    """This session's tray (drawn in the script, passed to callbacks as an argument)."""
    return st.session_state.setdefault(KEY, {})


def shelf(name: str) -> dict:
    """A named part of the tray, e.g. one action bar's pending click and round."""
    return tray().setdefault(f"shelf:{name}", {})
