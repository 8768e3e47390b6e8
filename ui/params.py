"""Widgets built from a method's declared parameters (core.params.Param)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from core.params import Param


def param_widgets(params: tuple[Param, ...], *, key: str, columns: list[str], container=st) -> dict[str, Any]:
    """One widget per parameter, with its help text; returns {name: value}."""
    values = {}
    for param in params:
        label, help_text, widget_key = param.name.replace("_", " ").capitalize(), param.help, f"{key}::{param.name}"
        if param.type == "int":
            values[param.name] = int(container.number_input(label, min_value=int(param.low), max_value=int(param.high),
                                                            value=int(param.default), step=1, help=help_text,
                                                            key=widget_key))
        elif param.type == "float":
            values[param.name] = float(container.slider(label, float(param.low), float(param.high),
                                                        float(param.default), help=help_text, key=widget_key))
        elif param.type == "bool":
            values[param.name] = container.checkbox(label, value=param.default, help=help_text, key=widget_key)
        elif param.type == "choice":
            values[param.name] = container.selectbox(label, param.choices, help=help_text, key=widget_key,
                                                     index=param.choices.index(param.default),
                                                     format_func=lambda c: str(c).replace("_", " "))
        elif param.type == "column":
            options = ([None] if param.optional else []) + columns
            values[param.name] = container.selectbox(label, options, help=help_text, key=widget_key,
                                                     format_func=lambda c: "none" if c is None else c)
        else:
            values[param.name] = container.text_input(label, value=str(param.default), help=help_text,
                                                      key=widget_key)
    return values
