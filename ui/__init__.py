"""Streamlit-side helpers shared by the pages: session state, errors, the sidebar."""
