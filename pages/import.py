"""导入订单 — upload an export, check how it will be read (mapping, preview, dry run), import it."""

import tempfile
from pathlib import Path

import streamlit as st

from connectors.file_mapping import channels, mapping_toml
from connectors.file_review import review
from connectors.files import import_file
from core.errors import AmbiguousDates, OrderHubError
from ui import auth, import_review, widgets
from ui.session import acting, engine, lang, tr

user = auth.guard("pages/import.py")
st.title(tr("import.title"), anchor=False)

with st.form("import_file"):
    channel_box, shop_box = st.columns(2)
    by_label = {tr(f"import.channel.{code}"): code for code in ("auto", *channels())}
    channel = by_label[channel_box.selectbox(tr("import.channel"), list(by_label))]
    shop = shop_box.text_input(tr("import.shop"), placeholder="毛孩子旗舰店")
    upload = st.file_uploader(tr("import.file"), type=["csv", "xlsx", "txt"])
    items = st.file_uploader(tr("import.items_file"), type=["csv", "xlsx", "txt"])
    history = st.checkbox(tr("import.history"), help=tr("import.history_help"))
    if ambiguous := st.session_state.get("import_ambiguous_dates"):  # the last try's question
        st.warning(tr("import.ambiguous_dates"), icon=":material/calendar_month:")
    date_formats = {
        column: st.selectbox(
            tr("import.date_format", column=column), orders, format_func=lambda o: tr(f"import.date_order.{o}")
        )
        for column, orders in (ambiguous or {}).items()
    }
    start = st.form_submit_button(tr("import.start"), type="primary")
    check = st.form_submit_button(tr("import.dry_run"))


def saved(file, folder: str, stem: str) -> Path:
    """The upload on disk under a neutral name: a user's file name never becomes a path."""
    path = Path(folder) / f"{stem}{Path(file.name).suffix.lower()}"  # .xlsx still reads as a workbook
    path.write_bytes(file.getvalue())
    return path


def run(work, mapping=None, **options):
    """`work` (review or import_file) on the uploads; an ambiguous date column is asked about."""
    with tempfile.TemporaryDirectory() as tmp:
        try:
            return work(
                engine(),
                path=saved(upload, tmp, "orders"),
                channel=channel,
                mapping=mapping,
                items=saved(items, tmp, "items") if items else None,
                shop=shop.strip() or None,
                names=(upload.name, items.name if items else ""),
                date_formats=date_formats,
                **options,
            )
        except AmbiguousDates as exc:
            st.session_state["import_ambiguous_dates"] = exc.choices
            st.rerun()
        except OrderHubError as exc:
            widgets.show_error(exc)
            st.stop()


uploads = upload and (upload.file_id, items.file_id if items else None, channel, shop, tuple(date_formats.items()))
if (start or check) and upload is None:
    st.warning(tr("import.choose_file"), icon=":material/upload_file:")
    st.stop()
if check:
    st.session_state["import_review"] = (uploads, run(review))
checked = st.session_state.get("import_review")
mapping = None
if checked and checked[0] == uploads:  # the check of these very files and settings
    st.subheader(tr("import.review"), anchor=False)
    found = checked[1]
    if mapping := import_review.edited_mapping(found, "import_review"):  # the user's own: imported with it
        edited = (uploads, mapping_toml(mapping))  # a dry run per edit, not per rerun (typing a name…)
        if st.session_state.get("import_edited", (None,))[0] != edited:
            st.session_state["import_edited"] = (edited, run(review, mapping))
        found = st.session_state["import_edited"][1]
    import_review.summary(found, user["role"])
    import_review.save_form(found.mapping, user["role"], "import_mapping")
if start:
    bar = st.progress(0.0, text=tr("import.progress", done=0, total="…"))

    def show_progress(done: int, total: int) -> None:
        bar.progress(done / max(total, 1), text=tr("import.progress", done=f"{done:,}", total=f"{total:,}"))

    summary = run(import_file, mapping, progress=show_progress, actor=acting(), history=history)
    st.cache_data.clear()  # other pages' cached reads now miss the new orders
    st.session_state["import_summary"] = summary
    st.session_state.pop("import_review", None)
    if st.session_state.pop("import_ambiguous_dates", None) or checked:
        st.rerun()  # answered or checked: the page without its question and check

if "import_summary" not in st.session_state:
    st.info(tr("import.empty"), icon=":material/upload_file:")
    st.stop()
import_review.outcome(st.session_state["import_summary"].as_dict(lang()))
