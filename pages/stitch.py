"""Stitch page: join a second (and third) table to the working table on messy shared keys, see how sure each
match is, and make the stitched table the working table."""

import hashlib

import pandas as pd
import streamlit as st

from core import plots
from core.io import SUPPORTED_SUFFIXES, read_table_report
from core.stitch import (
    DEFAULT_ABBREVIATIONS,
    DEFAULT_MARGIN,
    DEFAULT_THRESHOLD,
    DEMO,
    SCORERS,
    Key,
    Recoding,
    default_keys,
    demo_table,
    likely_partner,
    stitch,
)
from core.workspace import Workspace
from ui import sidebar, state
from ui.errors import captured, chart, guarded
from ui.text import md, md_list, safe_preview

PAGE = "stitch"
TABLES = "stitch_tables"  # {"left": (name, frame), "right": ..., "third": ...}: the tables being stitched
RESULT = "stitch_result"  # {"signature", "result", "names"}: the last stitching of these tables
SHORT = {"auto": "auto", "words": "words, any order", "characters": "characters", "exact": "exact"}
PREVIEW_ROWS = 200
SHOWN_PAIRS = 30
DATES = {None: "decide from the values (month first on a tie)", True: "day first (07/03 = 7 March)",
         False: "month first (07/03 = 3 July)"}


# --------------------------------------------------------------------------- callbacks


def tables() -> dict:
    """The tables on the page; the working table is the left one until the user picks others (``from`` marks it)."""
    ws = state.workspace()
    held = st.session_state.get(TABLES)
    if held is None or held.get("from", ws.fingerprint) != ws.fingerprint:  # another working table since
        held = st.session_state[TABLES] = {"left": (ws.name, ws.working), "from": ws.fingerprint}
        st.session_state.pop(RESULT, None)
    return held


def set_table(slot: str, name: str, frame: pd.DataFrame) -> None:
    tables()[slot] = (name, frame)
    st.session_state.pop(RESULT, None)


def load_demo() -> None:
    state.new_action(PAGE)
    loaded = captured("reading the demo tables", lambda: {stem: demo_table(stem) for stem in DEMO})
    if loaded is None:
        return
    st.session_state[TABLES] = {"left": ("customers", loaded["customers"]), "right": ("loyalty", loaded["loyalty"]),
                                "third": ("survey", loaded["survey"])}
    st.session_state.pop(RESULT, None)
    state.flash("success", "Loaded the demo: a customer register (left), loyalty cards (right) and a survey (third).")


def use_working() -> None:
    state.new_action(PAGE)
    ws = state.workspace()
    st.session_state[TABLES] = {"left": (ws.name, ws.working), "from": ws.fingerprint}
    st.session_state.pop(RESULT, None)


def load_upload(slot: str, key: str) -> None:
    uploaded = st.session_state.get(key)
    if uploaded is None:
        return
    state.new_action(PAGE)
    read = captured("reading the file", read_table_report, uploaded)
    if read is not None:
        set_table(slot, uploaded.name, read.frame)
        for notice in read.notices:
            state.flash("info", md(notice))


def stitch_third() -> None:
    """The stitched table becomes the left one and the third table the right one."""
    state.new_action(PAGE)
    done, held = st.session_state.get(RESULT), tables()
    if done is None or "third" not in held:
        return
    st.session_state[TABLES] = {"left": (" + ".join(done["names"]), done["result"].table), "right": held["third"]}
    st.session_state.pop(RESULT, None)


def use_stitched() -> None:
    state.new_action(PAGE)
    done = st.session_state.get(RESULT)
    if done is None:
        return
    name = " + ".join(done["names"])
    ws = captured("preparing the stitched table", Workspace, done["result"].table, name=name,
                  source=f"stitch:{name}", origin=f"Stitched from {name}: {describe(done['result'])}")
    if ws is not None:
        state.use(ws, f"The stitched table ({md(name)}, {len(ws.raw):,} rows) is now the working table.",
                  title=f"the stitched table {name}")


def describe(result) -> str:
    return (f"{result.certain:,} certain and {result.uncertain:,} uncertain matches, {result.unmatched_left:,} + "
            f"{result.unmatched_right:,} records without a partner, threshold {result.threshold:g}.")


def signature(*frames: pd.DataFrame) -> str:
    """Short name of the tables' columns, so widgets reset when other tables arrive."""
    text = "|".join(",".join(map(str, f.columns)) + f"#{len(f)}" for f in frames)
    return hashlib.sha1(text.encode()).hexdigest()[:10]


def abbreviations(text: str) -> tuple[dict[str, str], list[str]]:
    """('st = street' lines as a map, the lines that are no such pair): a line needs one word, '=' and a text."""
    pairs, ignored = {}, []
    for line in text.splitlines():
        short, equals, long = (part.strip() for part in line.partition("="))
        if equals and short and long and len(short.split()) == 1:
            pairs[short] = long
        elif line.strip():
            ignored.append(line.strip())
    return pairs, ignored


# --------------------------------------------------------------------------- page


def key_widgets(left: pd.DataFrame, right: pd.DataFrame, sig: str) -> list[Key]:
    """Choose the key pairs: which left column matches which right one, how to compare them, how much they count."""
    proposed = {k.left: k.right for k in default_keys(left, right)}
    chosen = st.multiselect("Key columns of the left table", list(left.columns), default=list(proposed),
                            key=f"stitch_keys::{sig}", format_func=str, placeholder="choose the shared key columns",
                            help="Columns both tables hold about the same record (a name, a date of birth, an "
                                 "address). Proposed: columns whose names match once case and punctuation are "
                                 "ignored.")
    keys = []
    if chosen:
        head = st.columns([3, 3, 3, 2])
        for column, text in zip(head, ["Left column", "Right column", "Compared as", "Weight"], strict=True):
            column.caption(f"**{text}**")
    for i, column in enumerate(chosen):
        cells = st.columns([3, 3, 3, 2], vertical_alignment="center")
        cells[0].markdown(md(column))
        options = list(right.columns)
        partner = proposed.get(column, likely_partner(column, right))  # (else the first: the user picks)
        default = options.index(partner) if partner in options else 0
        partner = cells[1].selectbox("Right column", options, index=default, key=f"stitch_right::{sig}::{i}",
                                     format_func=str, label_visibility="collapsed")
        scorer = cells[2].selectbox("Compared as", ["auto", *SCORERS], key=f"stitch_scorer::{sig}::{i}",
                                    label_visibility="collapsed", format_func=SHORT.get,
                                    help="auto: exact for dates and numbers, words for text. "
                                         + " ".join(f"{name}: {text}." for name, text in SCORERS.items()))
        weight = cells[3].number_input("Weight", min_value=0.0, max_value=10.0, value=1.0, step=0.5,
                                       key=f"stitch_weight::{sig}::{i}", label_visibility="collapsed")
        keys.append(Key(column, partner, scorer, weight))
    return keys


def recoding_widgets() -> Recoding:
    with st.expander("Recoding: how keys are cleaned before they are compared"):
        a, b, c = st.columns(3)
        case = a.checkbox("Ignore case", value=True, key="stitch_case")
        accents = b.checkbox("Ignore accents (é = e)", value=True, key="stitch_accents")
        punctuation = c.checkbox("Ignore punctuation and spacing", value=True, key="stitch_punctuation")
        dayfirst = st.radio("Dates such as 07/03/1985 are read", list(DATES), format_func=DATES.get,
                            key="stitch_dayfirst", horizontal=True,
                            help="Dates in any format are read and compared as ISO dates (1985-03-07). A column "
                                 "where some day is above 12 decides by itself.")
        text = st.text_area("Abbreviations, one 'short = long' per line", key="stitch_abbreviations",
                            value="\n".join(f"{k} = {v}" for k, v in DEFAULT_ABBREVIATIONS.items()), height=120,
                            help="Words replaced on both sides before comparing, after case and accents are "
                                 "ignored: 'St' and 'Street' then compare equal. Add your own.")
        pairs, ignored = abbreviations(text)
        if ignored:
            st.caption(f"Ignored, as no 'one word = its long form' line: {md_list(ignored[:5])}"
                       + (f" and {len(ignored) - 5:,} more" if len(ignored) > 5 else "") + ".")
    return Recoding(case=case, accents=accents, punctuation=punctuation, abbreviations=pairs, dates=True,
                    dayfirst=dayfirst)


def show_result(result, names: tuple[str, str], has_third: bool) -> None:
    st.subheader("Match quality")
    metrics = st.columns(4)
    metrics[0].metric("Certain matches", f"{result.certain:,}", help="Each record is the other's best candidate, "
                      f"ahead of the next one by more than {result.margin:g} points.")
    metrics[1].metric("Uncertain matches", f"{result.uncertain:,}", help="Several candidates were within the margin; "
                      "one was drawn at random with the seed.")
    metrics[2].metric(f"Only in {md(names[0])}", f"{result.unmatched_left:,}", help="Kept, with the other table's "
                      "columns missing.")
    metrics[3].metric(f"Only in {md(names[1])}", f"{result.unmatched_right:,}", help="Kept as extra rows, with the "
                      "left table's columns missing.")
    for notice in result.notices:
        st.info(md(notice), icon=":material/info:")
    counts = {"certain": result.certain, "uncertain": result.uncertain, "left only": result.unmatched_left,
              "right only": result.unmatched_right}
    left, right = st.columns(2, gap="large")
    with left:
        chart("drawing the counts", plots.match_counts_figure, counts, key="stitch_counts")
    with right:
        chart("drawing the scores", plots.match_score_figure, result.best, result.threshold, key="stitch_scores")
    st.caption(f"{result.comparisons:,} record pairs compared per key. Scores just below the threshold are where "
               "true matches get lost; scores just above it are where wrong ones slip in.")

    st.markdown("**Uncertain pairs** (a sample): each draw with its rivals; ✓ marks the pair that was drawn.")
    uncertain = result.pairs[result.pairs["status"] == "uncertain"]
    if uncertain.empty:
        st.caption("No match was uncertain at this threshold and margin.")
    else:
        shown = uncertain.head(SHOWN_PAIRS).drop(columns="status")
        shown["chosen"] = shown["chosen"].map({True: "✓", False: ""})
        safe_preview(shown, hide_index=True, width="stretch")
        if len(uncertain) > SHOWN_PAIRS:
            st.caption(f"The first {SHOWN_PAIRS} of {len(uncertain):,} lines.")

    st.subheader("The stitched table")
    st.caption(f"{len(result.table):,} rows × {result.table.shape[1]:,} columns: every record of both tables (an "
               "outer join), the keys once under the left table's names, clashing column names with a suffix.")
    preview = result.table.head(PREVIEW_ROWS).copy()
    preview.insert(0, "match", result.status.head(PREVIEW_ROWS).to_numpy())
    safe_preview(preview, height=280)
    a, b = st.columns(2)
    a.button("Use the stitched table as the working table", type="primary", key="stitch_use",
             icon=":material/check:", on_click=use_stitched,
             help="The rest of the flow (missingness, imputation, synthesis) then works on this table.")
    if has_third:
        b.button("Stitch the third table onto this result", key="stitch_third", icon=":material/add_link:",
                 on_click=stitch_third)


def render() -> None:
    ws = state.workspace()
    sidebar.render(ws)
    st.title("Stitch tables")
    st.markdown(
        "Join tables that describe the same people (or firms) but were keyed by different hands. **Fuzzy matching** "
        "cleans the shared key columns (case, accents, punctuation, abbreviations, date formats), scores how alike "
        "each pair of records is, and accepts a pair above the threshold. Where several candidates score alike, "
        "**probabilistic concatenation** picks one of them at random (with the seed), so some uncertain pairs are "
        "wrong by construction: distrust the result when uncertain matches are many, when true partners pile up just "
        "below the threshold, or when the keys are common names with no date to tell them apart.")
    state.show_flash(PAGE)
    state.ask_pending(PAGE, "stitch")

    held = tables()
    st.subheader("1. The tables")
    a, b, _ = st.columns([2, 2, 3])
    a.button("Load the demo tables", key="stitch_demo", icon=":material/dataset:", on_click=load_demo,
             help="A customer register, a loyalty-card system and a survey with messy keys: "
                  + " ".join(DEMO.values()))
    b.button("Start from the working table", key="stitch_working", icon=":material/table_view:",
             on_click=use_working, help=f"The current working table ({md(ws.name)}) becomes the left table.")
    types = [s.lstrip(".") for s in SUPPORTED_SUFFIXES]
    cols = st.columns(3, gap="medium")
    for column, slot, label in zip(cols, ["left", "right", "third"], ["Left table", "Right table",
                                                                      "Third table (optional)"], strict=True):
        with column.container(border=True):
            st.markdown(f"**{label}**")
            if slot in held:
                st.caption(f"{md(held[slot][0])}: {len(held[slot][1]):,} rows × {held[slot][1].shape[1]:,} columns")
            else:
                st.caption("none yet")
            if slot != "left":
                key = f"stitch_upload_{slot}"
                st.file_uploader(f"Upload the {slot} table", type=types, key=key, on_change=load_upload,
                                 args=(slot, key), label_visibility="collapsed",
                                 help="Read like an upload on the Data page (CSV, Excel, Parquet, JSON; same limits).")
    if "right" not in held:
        st.info("Upload a second table to stitch onto the left one, or load the demo tables.", icon=":material/info:")
        return
    (left_name, left), (right_name, right) = held["left"], held["right"]
    with st.expander(f"Preview: {md(left_name)} (left) and {md(right_name)} (right)"):
        safe_preview(left.head(5), hide_index=True)
        safe_preview(right.head(5), hide_index=True)

    st.subheader("2. Keys and matching")
    sig = signature(left, right)
    keys = key_widgets(left, right, sig)
    recoding = recoding_widgets()
    a, b, c, d = st.columns(4)
    threshold = a.slider("Threshold", 50, 100, int(DEFAULT_THRESHOLD), key="stitch_threshold",
                         help="A pair's score (the weighted mean of its key scores, 0-100) must reach this.")
    margin = b.slider("Margin for 'uncertain'", 0, 20, int(DEFAULT_MARGIN), key="stitch_margin",
                      help="Candidates within this many points of the best are equally plausible: one is drawn "
                           "at random.")
    block = c.selectbox("Compare only records that agree on", [None, *[k.left for k in keys]],
                        key=f"stitch_block::{sig}",
                        format_func=lambda v: "(compare all pairs)" if v is None else str(v),
                        help="Blocking: needed for big tables; a typo in this column then hides a true match.")
    seed = d.number_input("Seed", min_value=0, max_value=2**31 - 1, value=0, step=1, key="stitch_seed",
                          help="The random draws among uncertain candidates: the same seed gives the same table.")
    settings = repr((keys, recoding, threshold, margin, block, int(seed)))  # what a result was made with
    if st.button("Stitch", type="primary", key="stitch_run", icon=":material/join:"):
        state.new_action(PAGE)
        with st.spinner(f"Matching {len(left):,} × {len(right):,} records on {len(keys)} key(s)…"):
            result = guarded("stitching the tables", stitch, left, right, keys=keys, threshold=float(threshold),
                             margin=float(margin), recoding=recoding, block=block, suffixes=("_left", "_right"),
                             rng=int(seed))
        if result is not None:
            st.session_state[RESULT] = {"signature": sig, "result": result, "names": (left_name, right_name),
                                        "settings": settings}
    done = st.session_state.get(RESULT)
    if done is not None and done["signature"] == sig:
        if done.get("settings") != settings:
            st.info("The result below was made with other keys or settings than those above: press *Stitch* to "
                    "match with these.", icon=":material/history:")
        show_result(done["result"], done["names"], "third" in held)


render()
