"""Streamlit glue shared by the pages: navigation, login, language, widgets. Domain code stays in core/."""
