"""What ui.handover relies on in Streamlit, checked against the pinned version.

The tray is public API (a dict in st.session_state, passed to a callback through on_click's args).
These tests pin down why it exists and that it holds: they use Streamlit's internals to ask for a
rerun in the middle of a callback, as the browser's cookie component does. If the first fails after
an upgrade, Streamlit no longer cuts callbacks at session-state accesses and ui.handover can go; if
the second fails, the tray no longer carries a click's outcome and clicks are lost again.
"""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def clicked_while_a_rerun_is_asked_for() -> None:
    import streamlit as st
    from streamlit.runtime.scriptrunner import get_script_run_ctx
    from streamlit.runtime.scriptrunner_utils.script_requests import RerunData

    from ui import handover

    def click(tray: dict) -> None:
        get_script_run_ctx().script_requests.request_rerun(RerunData())  # the cookie reader's report
        tray["done"] = "the store changed"
        st.session_state["written"] = "after the change"  # Streamlit hands over to the rerun here
        tray["after"] = "never reached"

    st.button("go", on_click=click, args=(handover.tray(),))
    st.write(handover.tray().get("done", "nothing"))


def test_a_rerun_asked_for_during_a_callback_cuts_it_at_its_next_session_state_access():
    at = AppTest.from_function(clicked_while_a_rerun_is_asked_for).run()
    at.button[0].click().run()
    assert not at.exception
    assert "written" not in at.session_state and "after" not in at.session_state["handover"]


def test_what_a_callback_put_in_the_tray_reaches_the_run_that_follows():
    at = AppTest.from_function(clicked_while_a_rerun_is_asked_for).run()
    assert at.markdown[0].value == "nothing"
    at.button[0].click().run()
    assert at.markdown[0].value == "the store changed"
    assert at.session_state["handover"]["done"] == "the store changed"
