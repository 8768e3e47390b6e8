"""SynthLab: the router. Page config, session defaults, navigation; the pages do the work.

Each page draws the shared sidebar itself (``ui.sidebar.render``) as its first step, so the
sidebar always shows the state after that page's callbacks have run.
"""

import streamlit as st

from ui import state

st.set_page_config(page_title="SynthLab", page_icon=":material/science:", layout="wide")

state.init()

pages = {
    "Data": [st.Page("pages/data.py", title="Load data", icon=":material/table_view:", url_path="data",
                     default=True)],
    "Explore": [st.Page("pages/missingness.py", title="Missingness", icon=":material/grid_on:",
                        url_path="missingness")],
    "Prepare": [st.Page("pages/impute.py", title="Impute", icon=":material/healing:", url_path="impute"),
                st.Page("pages/stitch.py", title="Stitch tables", icon=":material/join:", url_path="stitch")],
    "Generate": [st.Page("pages/synthesize.py", title="Synthesize", icon=":material/auto_awesome:",
                         url_path="synthesize"),
                 st.Page("pages/design.py", title="Design from scratch", icon=":material/draw:", url_path="design"),
                 st.Page("pages/agents.py", title="Agent-based simulation", icon=":material/groups:",
                         url_path="agents")],
    "Evaluate": [st.Page("pages/compare.py", title="Compare", icon=":material/balance:", url_path="compare")],
    "Learn": [
        st.Page("pages/learn_smote.py", title="SMOTE, step by step", icon=":material/scatter_plot:",
                url_path="learn_smote"),
        st.Page("pages/learn_montecarlo.py", title="Random numbers and Monte Carlo", icon=":material/casino:",
                url_path="learn_montecarlo"),
        st.Page("pages/learn_fitting.py", title="Fitting a distribution", icon=":material/ssid_chart:",
                url_path="learn_fitting"),
        st.Page("pages/learn_copula.py", title="Correlation, Cholesky and the copula", icon=":material/hub:",
                url_path="learn_copula"),
        st.Page("pages/learn_counting.py", title="Counting is not modelling", icon=":material/calculate:",
                url_path="learn_counting"),
        st.Page("pages/learn_gan.py", title="A GAN on a 2-D toy", icon=":material/school:", url_path="learn_gan"),
        st.Page("pages/learn_imputation.py", title="Imputation, the orthogonal view", icon=":material/swap_horiz:",
                url_path="learn_imputation"),
    ],
}
st.navigation(pages, expanded=True).run()  # every page listed: no lesson hidden behind 'View more'
