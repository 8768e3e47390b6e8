"""Interactive workshop lessons: the computations behind the Learn pages (no Streamlit here)."""
