"""The import page's check before writing: the mapping as an editable column → field table,
a default status, the dry-run summary, the first orders as they will land, and saving the
mapping under a name for the next file with the same headers."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from connectors.file_choice import save_mapping
from connectors.file_inference import FIELDS, mapping_from_columns
from connectors.file_mapping import Mapping
from connectors.file_review import PREVIEW_ORDERS, Review
from core.errors import OrderHubError
from core.identity import access
from core.model import PLATFORM_RANK
from ui import widgets
from ui.session import lang, tr

NO_FIELD = "none"  # an empty cell would show as "None": a named choice reads 不导入
PREVIEW_COLUMNS = ("channel_order_no", "status", "created_at", "buyer", "phone", "province", "city", "items")


def edited_mapping(found: Review, key: str) -> Mapping | None:
    """The column → field table to edit; a changed table (or default status) is the user's own
    mapping, None while it is as found."""
    st.caption(tr("import.review_help"))
    table = pd.DataFrame(
        {
            tr("import.col.column"): [g.column for g in found.columns],
            tr("import.col.field"): [g.field or NO_FIELD for g in found.columns],
            tr("import.col.samples"): ["；".join(g.samples) for g in found.columns],
        }
    )
    options = [NO_FIELD, *sorted(FIELDS, key=lambda f: tr(f"import.field.{f}"))]
    edited = st.data_editor(
        table,
        hide_index=True,
        key=f"{key}_columns",
        disabled=not found.editable or [tr("import.col.column"), tr("import.col.samples")],
        column_config={
            tr("import.col.field"): st.column_config.SelectboxColumn(
                options=options, format_func=lambda f: tr(f"import.field.{f}")
            )
        },
    )
    chosen = edited[tr("import.col.field")].fillna(NO_FIELD)
    columns = table.iloc[:, 0]
    fields = {column: None if field == NO_FIELD else field for column, field in zip(columns, chosen, strict=True)}
    default = _default_status(key) if "status" not in set(fields.values()) else None
    unchanged = fields == {g.column: g.field for g in found.columns}
    if unchanged and default is None:
        return None
    mapping = mapping_from_columns(found.table, fields)
    # A status chosen here is the whole file's: no paid or shipped time second-guesses it.
    return replace(mapping, status_rules=(), default_status=default) if default else mapping


def _default_status(key: str) -> str | None:
    """The status for every order of a file without a status column; None: derived per order."""
    return st.selectbox(
        tr("import.default_status"),
        [None, *PLATFORM_RANK],
        format_func=lambda s: tr(f"status.{s}") if s else tr("import.default_status.none"),
        key=f"{key}_default_status",
    )


def summary(found: Review, role: str) -> None:
    """The dry run's counts, statuses, unmapped columns and the first orders."""
    result = found.summary
    st.caption(f"{tr('import.mapping')}：{_mapping_name(result.mapping)}")
    for column, (label, value) in zip(
        st.columns(4),
        (("orders", result.orders), ("lines", result.lines), ("rejected", result.rejected), ("rows", result.rows)),
        strict=True,
    ):
        column.metric(tr(f"import.{label}"), f"{value:,}", border=True)
    if result.statuses:
        st.caption(
            tr("import.statuses") + "：" + "，".join(f"{tr(f'status.{s}')} {n:,}" for s, n in result.statuses.items())
        )
    said = result.as_dict(lang())
    _notes(said)
    if said["rejected_rows"]:
        st.dataframe(_by_row(said["rejected_rows"]), hide_index=True)
    if found.preview:
        st.markdown(f"**{tr('import.preview', count=min(PREVIEW_ORDERS, len(found.preview)))}**")
        rows = access.mask_rows(role, found.preview)
        st.dataframe(widgets.frame(rows, (*PREVIEW_COLUMNS, "paid_cents")), hide_index=True)


def _mapping_name(used: dict) -> str:
    """A shipped mapping by its channel's name, a saved one by the name it was saved under; a
    proposed or edited one by where it came from."""
    source = tr(f"import.mapping_source.{used['source']}")
    if used["source"] == "shipped":
        channel = tr(f"import.channel.{used['name']}")
        return f"{channel}（{source}）"
    return f"{used['name']}（{source}）" if used["source"] == "saved" else source


def save_form(mapping: Mapping, role: str, key: str) -> None:
    """Save the mapping in use under a name; `auto` offers it again for files like this one."""
    name_box, button_box = st.columns([3, 1], vertical_alignment="bottom")
    name = name_box.text_input(tr("import.mapping_name"), key=f"{key}_name", placeholder="erp-orders")
    if button_box.button(tr("import.save_mapping"), key=f"{key}_save", disabled=not name.strip()):
        try:
            access.require(role, "import_orders")
            save_mapping(mapping, name.strip())
            st.success(tr("import.mapping_saved", name=name.strip()), icon=":material/save:")
        except OrderHubError as exc:
            widgets.show_error(exc)


def outcome(result: dict) -> None:
    """What an import did: counts, unmapped columns, SKUs it created, cut values and rejected rows."""
    st.subheader(tr("import.done"), anchor=False)
    for column, key in zip(st.columns(6), ("rows", "new", "updated", "unchanged", "held", "rejected"), strict=True):
        column.metric(tr(f"import.{key}"), f"{result[key]:,}", border=True)
    _notes(result)
    if not result["rejected_rows"]:
        st.success(tr("import.no_rejects"), icon=":material/check_circle:")
        return
    st.subheader(tr("import.rejected_rows"), anchor=False)
    st.dataframe(_by_row(result["rejected_rows"]), hide_index=True)


def _notes(result: dict) -> None:
    """Unmapped columns, SKUs created and values cut: what a dry run and an import both say."""
    unmapped = "、".join(result["unmapped_columns"]) or tr("import.no_unmapped_columns")
    st.caption(f"{tr('import.unmapped_columns')}：{unmapped}")
    if result["created_skus"]:
        st.info(tr("import.created_skus", skus=", ".join(result["created_skus"])), icon=":material/add_box:")
    if result["warnings"]:
        st.warning(tr("import.warnings", count=len(result["warnings"])), icon=":material/content_cut:")
        st.dataframe(_by_row(result["warnings"]), hide_index=True)


def _by_row(notes: list[dict]) -> list[dict]:
    """Rejected or warned rows as a table: file, row number, reason."""
    columns = {"file": tr("import.col.file"), "row": tr("import.col.row"), "reason": tr("import.col.reason")}
    return [{title: note[key] for key, title in columns.items()} for note in notes]
