"""导入订单 — upload a channel's order export, watch it land, see what was rejected and why."""

import tempfile
from pathlib import Path

import streamlit as st

from connectors.file_mapping import channels
from connectors.files import import_file
from core.access import require
from core.errors import OrderHubError
from ui import auth, widgets
from ui.session import engine, lang, tr

user = auth.guard("pages/import.py")
st.title(tr("import.title"), anchor=False)

with st.form("import_file"):
    channel_box, shop_box = st.columns(2)
    by_label = {tr(f"import.channel.{code}"): code for code in channels()}
    channel = by_label[channel_box.selectbox(tr("import.channel"), list(by_label))]
    shop = shop_box.text_input(tr("import.shop"), placeholder="毛孩子旗舰店")
    upload = st.file_uploader(tr("import.file"), type=["csv", "xlsx", "txt"])
    items = st.file_uploader(tr("import.items_file"), type=["csv", "xlsx", "txt"])
    history = st.checkbox(tr("import.history"), help=tr("import.history_help"))
    start = st.form_submit_button(tr("import.start"), type="primary")

if start and upload is None:
    st.warning(tr("import.choose_file"), icon=":material/upload_file:")
elif start:
    bar = st.progress(0.0, text=tr("import.progress", done=0, total="…"))

    def show_progress(done: int, total: int) -> None:
        bar.progress(done / max(total, 1), text=tr("import.progress", done=f"{done:,}", total=f"{total:,}"))

    def saved(file, folder: str, stem: str) -> Path:
        """The upload on disk under a neutral name: a user's file name never becomes a path."""
        path = Path(folder) / f"{stem}{Path(file.name).suffix.lower()}"  # .xlsx still reads as a workbook
        path.write_bytes(file.getvalue())
        return path

    with tempfile.TemporaryDirectory() as tmp:
        try:
            require(user["role"], "import_orders")
            summary = import_file(
                engine(),
                channel,
                saved(upload, tmp, "orders"),
                items=saved(items, tmp, "items") if items else None,
                shop=shop.strip() or None,
                progress=show_progress,
                actor=user["username"],
                names=(upload.name, items.name if items else ""),
                history=history,
            )
        except OrderHubError as exc:
            widgets.show_error(exc)
            st.stop()
    st.cache_data.clear()  # other pages' cached reads now miss the new orders
    st.session_state["import_summary"] = summary

if "import_summary" not in st.session_state:
    st.info(tr("import.empty"), icon=":material/upload_file:")
    st.stop()
result = st.session_state["import_summary"].as_dict(lang())

st.subheader(tr("import.done"), anchor=False)
for column, key in zip(st.columns(6), ("rows", "new", "updated", "unchanged", "held", "rejected"), strict=True):
    column.metric(tr(f"import.{key}"), f"{result[key]:,}", border=True)


def by_row(notes: list[dict]) -> list[dict]:
    """Rejected or warned rows as a table: file, row number, reason."""
    columns = {"file": tr("import.col.file"), "row": tr("import.col.row"), "reason": tr("import.col.reason")}
    return [{title: note[key] for key, title in columns.items()} for note in notes]


if result["created_skus"]:
    st.info(tr("import.created_skus", skus=", ".join(result["created_skus"])), icon=":material/add_box:")
if result["warnings"]:
    st.warning(tr("import.warnings", count=len(result["warnings"])), icon=":material/content_cut:")
    st.dataframe(by_row(result["warnings"]), hide_index=True)
if not result["rejected_rows"]:
    st.success(tr("import.no_rejects"), icon=":material/check_circle:")
    st.stop()
st.subheader(tr("import.rejected_rows"), anchor=False)
st.dataframe(by_row(result["rejected_rows"]), hide_index=True)
