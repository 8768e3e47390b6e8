"""What the Learn pages share: the numeric columns a lesson may use, and the predict-then-reveal block."""

from __future__ import annotations

import pandas as pd
import streamlit as st

MIN_VALUES = 20


def numeric_columns(df: pd.DataFrame) -> list:
    """Number columns (not booleans) with at least 20 values and more than one distinct value."""
    return [c for c in df.columns if pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])
            and df[c].notna().sum() >= MIN_VALUES and df[c].nunique() > 1]


def teach(notice: str, exercise: str, answer: str) -> None:
    """What to notice, then an exercise whose answer is hidden until asked for (predict, then reveal)."""
    st.markdown(f"**What to notice.** {notice}")
    st.markdown(f"**Exercise.** {exercise}")
    with st.expander("Reveal the answer"):
        st.markdown(answer)
