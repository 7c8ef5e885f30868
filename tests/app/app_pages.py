"""Helpers for the page tests: open a page as a role with Streamlit's AppTest, read what it shows."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from core.identity.users import DEMO_NAMES

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 30


def open_page(path: str, role: str | None, lang: str = "zh", query: dict | None = None, **state: object) -> AppTest:
    """Run pages/<path> as a logged-in user of the role (None: nobody logged in), with the URL's query."""
    at = AppTest.from_file(str(ROOT / path), default_timeout=TIMEOUT)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    if role is not None:
        at.session_state["user"] = {"username": role, "name": DEMO_NAMES[role], "role": role, "language": lang}
    at.session_state["lang"] = lang
    for key, value in state.items():
        at.session_state[key] = value
    return at.run()


def shown_text(at: AppTest) -> str:
    """Everything the page shows as text, tables included, to search for what must not be there."""
    parts: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "text", "info", "warning", "error", "success"):
        parts += [str(element.value) for element in getattr(at, kind)]
    parts += [element.value.to_csv() for element in at.dataframe]
    parts += [element.value.to_csv() for element in at.table]
    parts += [f"{element.label} {element.value}" for element in at.metric]
    return "\n".join(parts)


def button(at: AppTest, label: str):
    """The button with this label (fails the test when the page has none)."""
    found = [element for element in at.button if element.label == label]
    assert found, f"no button {label!r} among {[element.label for element in at.button]}"
    return found[0]


def labels_of(at: AppTest) -> list[str]:
    return [element.label for element in at.button]
