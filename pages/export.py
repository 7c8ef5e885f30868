"""Export: orders, lines, tickets or stock as CSV or XLSX (Excel-ready, in the UI's language) or Parquet, masked."""

import tempfile
from pathlib import Path

import streamlit as st

from core import clock
from core.analytics import export
from core.errors import OrderHubError
from core.i18n import DEFAULT_LANGUAGE, t
from ui import auth, widgets
from ui import report_kit as kit

MIME_TYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "parquet": "application/vnd.apache.parquet",
}
user = auth.guard("pages/export.py")
lang, role = kit.lang(), user["role"]
st.title(t("analytics.export_title", lang))

today = clock.now().date()
dataset = st.radio(
    t("analytics.export_dataset", lang),
    ["orders", "lines", "tickets", "stock"],
    horizontal=True,
    format_func=lambda name: t(f"analytics.dataset_{name}", lang),
)
fmt = st.radio(
    t("analytics.export_format", lang),
    export.FORMATS,
    horizontal=True,
    format_func=lambda name: t(f"analytics.format_{name}", lang),
)
raw = st.checkbox(t("analytics.export_raw", lang), value=fmt == "parquet", disabled=fmt == "parquet")
picked = st.date_input(
    t("analytics.date_range", lang), (today.replace(day=1), today), max_value=today, disabled=dataset == "stock"
)
start, end = (picked[0], picked[-1]) if isinstance(picked, tuple | list) and picked else (None, None)
if dataset == "stock":  # stock is today's snapshot: no date range
    start = end = None
engine = kit.engine()  # resolved here: build() runs on another thread, outside the script
st.caption(t("analytics.export_masked", lang, role=t(f"role.{role}", lang)))
file_name = f"{dataset}_{start or ''}_{end or ''}.{fmt}".replace("__", "_")


def build() -> bytes:
    """Runs only when the button is clicked: the rows stream to a temporary file, never into a DataFrame."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / file_name
        export.export(engine, dataset, out, fmt, role, start, end, lang=lang, raw=raw)
        return out.read_bytes()


def _shape_options() -> str:
    """The CLI options that write the same file: --raw, or --lang when not the default (Parquet is raw anyway)."""
    if fmt == "parquet":
        return ""
    if raw:
        return " --raw"
    return f" --lang {lang}" if lang != DEFAULT_LANGUAGE else ""


try:
    export.check(dataset, start, end)
except OrderHubError as problem:
    widgets.show_error(problem)
else:
    st.download_button(
        t("analytics.export_button", lang),
        build,
        file_name=file_name,
        type="primary",
        mime=MIME_TYPES[fmt],
        icon=":material/download:",
    )
    st.caption(t("analytics.export_cli", lang))
    st.code(
        f"python cli.py export {dataset} --format {fmt} --out {file_name}"
        + (f" --from {start} --to {end}" if start and dataset != "stock" else "")
        + f" --role {role}"
        + _shape_options()
    )
