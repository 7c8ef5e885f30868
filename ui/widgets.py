"""Small widgets the pages share: sidebar, money and status formatting, tables, friendly errors."""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd
import streamlit as st
import streamlit_authenticator as stauth

from core import audit_text
from core.errors import IllegalTransition, InsufficientStock, OrderHubError, PermissionDenied
from core.i18n import LANGUAGES, catalogue
from core.identity import users
from core.identity.access import FIELD_KINDS
from ui import auth, handover
from ui.session import engine, lang, tr

LANGUAGE_NAMES = {"zh": "中文", "en": "English"}
MONEY = FIELD_KINDS["price"] | FIELD_KINDS["cost"]
LABELLED = {
    "status": "status",
    "hold_reason": "hold",
    "from_status": "status",
    "to_status": "status",
    "channel": "channel",
    "role": "role",
    "kind": "movement",
    "language": "language",
}
MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>$:])")
LOW_STYLE = "background-color: #fff1f0; color: #a8071a"
REASONS = frozenset({"reason", "detail"})  # audit reasons core writes in English (core.audit_text)
ACTORS = frozenset({"actor", "created_by"})


def widget_chrome() -> None:
    """Words Streamlit's file uploader writes itself ("Upload", "200MB per file …"), with no
    parameter to change them in 1.67: said in the reader's language by CSS (the only style sheet
    OrderHub adds; st.html with only a style takes no room on the page)."""
    st.html(
        "<style>"
        '[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p {font-size: 0}'
        '[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p::after'
        f' {{content: "{tr("upload.button")}"; font-size: 0.875rem}}'
        '[data-testid="stFileUploaderDropzoneInstructions"] span {font-size: 0}'
        f'[data-testid="stFileUploaderDropzoneInstructions"] span::after {{content: "{tr("upload.limit")}";'
        " font-size: 0.8rem}"
        "</style>"
    )


def sidebar(current: dict | None, authenticator: stauth.Authenticate) -> None:
    st.session_state.setdefault("lang", current["language"] if current else LANGUAGES[0])
    with st.sidebar:
        if current:
            st.markdown(f"**{plain(current['name'])}** · {tr('role.' + current['role'])}")
        st.segmented_control(
            tr("app.language"),
            LANGUAGES,
            format_func=LANGUAGE_NAMES.get,
            key="lang",
            required=True,
            on_change=_remember_language,
            args=(current,),
        )
        if current:
            st.button(tr("logout"), icon=":material/logout:", on_click=auth.logout, args=(authenticator,))


def _remember_language(current: dict | None) -> None:
    if current:
        users.set_language(engine(), current["username"], st.session_state["lang"])


def money(cents: int | None) -> str:
    return "" if cents is None else f"¥{cents / 100:,.2f}"


def label(kind: str, value: str | None) -> str:
    """The shown name of a status, hold reason, channel…: 已支付 rather than paid."""
    return "" if value is None or pd.isna(value) else tr(f"{kind}.{value}")


def frame(rows: Iterable[dict], columns: Iterable[str], labels: dict[str, str] | None = None) -> pd.DataFrame:
    """Rows as a table with translated headers, codes and audit reasons; masked-away columns simply
    do not appear, missing values show as nothing. `labels` names the kind of a column's codes
    where it differs from LABELLED (a purchase order's status is "po")."""
    rows = list(rows)
    present = [column for column in columns if rows and column in rows[0]]
    table = pd.DataFrame(rows, columns=present)
    kinds = LABELLED | (labels or {})
    for column in present:
        if column in MONEY:
            table[column] = table[column] / 100
        elif column in kinds:
            table[column] = table[column].map(lambda value, kind=kinds[column]: label(kind, value))
        elif column in REASONS:
            table[column] = table[column].map(reason_text)
        elif column in ACTORS:
            table[column] = table[column].map(who)
        table[column] = blank_missing(table[column])
    return table.rename(columns={column: tr(f"col.{column}") for column in present})


def blank_missing(column: pd.Series) -> pd.Series:
    """Streamlit's grid writes a missing value as the word None: show an empty cell instead."""
    if pd.api.types.is_numeric_dtype(column) or not column.isna().any():
        return column
    if pd.api.types.is_datetime64_any_dtype(column):
        known = column.dropna()
        shape = "%Y-%m-%d" if (known.dt.normalize() == known).all() else "%Y-%m-%d %H:%M"
        return column.dt.strftime(shape).fillna("")
    return column.astype(object).where(column.notna(), "")


def pinned(column: str) -> dict:
    """The column stays in view while the table scrolls sideways."""
    return {tr(f"col.{column}"): st.column_config.TextColumn(pinned=True)}


def money_columns(columns: Iterable[str]) -> dict:
    return {tr(f"col.{column}"): st.column_config.NumberColumn(format="¥%.2f") for column in columns if column in MONEY}


def explain(exc: OrderHubError) -> str:
    """The error as a sentence in the session's language."""
    if exc.key:
        return tr(exc.key, **exc.params)
    if isinstance(exc, IllegalTransition):
        return tr(
            "error.illegal_transition",
            from_status=label("status", exc.from_status),
            to_status=label("status", exc.to_status),
        )
    if isinstance(exc, InsufficientStock):
        return tr("error.insufficient_stock", sku=exc.sku, wanted=exc.wanted, available=exc.available)
    if isinstance(exc, PermissionDenied):
        return tr("error.permission")
    return str(exc) if lang() == "en" else tr("error.generic", detail=str(exc))


def show_error(exc: OrderHubError, subject: str = "") -> None:
    """The one way a page shows a domain error: one translated line (prefixed by the row it is about)."""
    st.error(f"{subject}: {explain(exc)}" if subject else explain(exc), icon=":material/error:")


def remember_notice(text: str) -> None:
    """Keep a success line for the next run (the page reruns to show fresh data)."""
    handover.tray()["notice"] = text


def show_outcome() -> None:
    """What the last action did (ui.handover's tray): a success line, why it was refused, and one
    line per order that failed."""
    tray = handover.tray()
    if notice := tray.pop("notice", None):
        st.success(notice, icon=":material/check_circle:")
    if refusal := tray.pop("refusal", None):
        show_error(refusal)
    done, failed = tray.pop("outcome", ([], []))
    if done:
        st.success(tr("batch.done", count=len(done), orders="、".join(done[:5])), icon=":material/check_circle:")
    for order_no, exc in failed:
        show_error(exc, subject=order_no)


def hold_detail(reason: str | None, shortages: list) -> str:
    """Why an order is held and what would release it, in one line."""
    if reason is None:
        return ""
    if reason in ("review", "address"):
        return tr(f"hold.release_{reason}")
    if not shortages:
        return tr("hold.release_manual") if reason != "insufficient_stock" else tr("hold.release_ready")
    missing = "；".join(tr("hold.short", sku=s.sku, needed=s.needed, available=s.available) for s in shortages)
    return tr("hold.release_stock", missing=missing)


def amounts_table(amounts: dict) -> pd.DataFrame:
    """Amounts as two columns (item, ¥), in the order core gives them."""
    return pd.DataFrame(
        {
            tr("col.item"): [tr(f"col.{name}") for name in amounts],
            tr("col.amount"): [money(value) for value in amounts.values()],
        }
    )


def timeline_entry(item: dict) -> str:
    """One line of an order's history: when, who, what changed (or the note)."""
    when = item["at"].strftime("%m-%d %H:%M")
    if item["kind"] == "note":
        return f"`{when}` **{plain(who(item['actor']))}** :material/sticky_note_2: {plain(item['text'])}"
    change = label("status", item["to_status"])
    if item["from_status"] and item["from_status"] != item["to_status"]:
        change = f"{label('status', item['from_status'])} → {change}"
    reason = f" — {plain(reason_text(item['reason']))}" if item["reason"] else ""
    return f"`{when}` **{plain(who(item['actor']))}** {change}{reason}"


def joined(items: Iterable[str], sentences: bool = False) -> str:
    """Items as a list in the session's language: 甲、乙 or a, b (sentences: 甲；乙 or a; b)."""
    marks = {"zh": ("、", "；"), "en": (", ", "; ")}[lang()]
    return marks[sentences].join(items)


def who(actor: str | None) -> str:
    """Who did something: a person's username as it is, the machine's own actors (system, rules,
    sync…) by what they are in the session's language."""
    return tr(f"actor.{actor}") if f"actor.{actor}" in catalogue() else actor or ""


def plain(text: str) -> str:
    """User-typed text inside Markdown, shown as typed: no links, images or formatting."""
    return MARKDOWN_SPECIAL.sub(r"\\\1", text)


def reason_text(reason: str | None) -> str:
    """The audit reasons core writes (in English) shown in the session's language when known."""
    return audit_text.reason_text(reason, lang())


def highlight(flags: list[bool]):
    """A Styler function painting the flagged rows (e.g. low stock) light red."""

    def paint(table: pd.DataFrame) -> pd.DataFrame:
        styles = pd.DataFrame("", index=table.index, columns=table.columns)
        styles.loc[flags, :] = LOW_STYLE
        return styles

    return paint


def table_height(rows: int, most: int = 20) -> int:
    """Pixels for a table showing up to `most` rows without an inner scrollbar."""
    return 38 + 35 * min(max(rows, 1), most)
