"""SynthLab: the router. Page config, session defaults, navigation; the pages do the work."""

import streamlit as st

from ui import sidebar, state

st.set_page_config(page_title="SynthLab", page_icon=":material/science:", layout="wide")

state.init()

pages = {
    "Data": [st.Page("pages/data.py", title="Load data", icon=":material/table_view:", url_path="data",
                     default=True)],
}
page = st.navigation(pages)
sidebar.render(state.workspace())
page.run()
