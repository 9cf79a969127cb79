"""noteproof review: the entry point `streamlit run streamlit_app/app.py` (or `noteproof review`) starts.

It registers the pages and runs the one the URL names; each page reads the results history named by
$NOTEPROOF_HISTORY (default .noteproof/results.sqlite).
"""

from __future__ import annotations

import sys
from pathlib import Path

# Streamlit runs this file as a script: make `streamlit_app` and `harness` importable from the project.
_PROJECT = str(Path(__file__).resolve().parents[1])
if _PROJECT not in sys.path:
    sys.path.insert(0, _PROJECT)

import streamlit as st  # noqa: E402

from streamlit_app.view import PAGES, begin_rerun  # noqa: E402

st.set_page_config(page_title="noteproof review", page_icon="✅", layout="wide")
pages = [
    st.Page(path, title=title, url_path=url or None, icon=icon, default=not url)
    for path, title, url, icon in PAGES.values()
]
chosen = st.navigation(pages)
begin_rerun()
chosen.run()
