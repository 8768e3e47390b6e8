"""Fuzzed rules and derived columns: every absurd expression evaluates to a column or says one sentence, fast and in
bounded memory (seeded; hundreds of generated inputs over an odd table)."""

import time
import tracemalloc

import numpy as np
import pandas as pd
import pytest

from core.errors import SynthLabError
from core.synth.rules import derive, parse
from core.synth.run import parse_derived

TABLE = pd.DataFrame({
    "n": [1, -2, 0, 2**62, 7, -(2**63), 3],
    "x": [0.5, np.nan, np.inf, -np.inf, 0.0, -1e308, 1e-300],
    "t": ["yes", "", None, "ß🙂", "x" * 300, "1", "no"],
    "c": pd.Categorical(["a", "b", None, "a", "c", "b", "a"]),
    "d": pd.to_datetime(["2020-01-01", None, "1970-01-01", "2262-04-11", "1677-09-22", "2000-02-29", "2024-12-31"]),
    "z": pd.to_datetime(["2020-01-01"] * 7).tz_localize("Europe/Paris"),
    "b": [True, False, None, True, False, True, None],
    "B": pd.array([True, False, None, True, False, True, None], dtype="boolean"),
    "i": pd.array([1, None, 3, 4, 5, 6, 7], dtype="Int64"),
    "odd name.x": [1.0, 2.0, 3.0, 4.0, np.nan, 6.0, 7.0],
    "größe": [1, 2, 3, 4, 5, 6, 7],
    "abs": [1, 2, 3, 4, 5, 6, 7],
}, index=[10, 10, 3, -1, 99, 5, 7])
COLUMNS = list(TABLE.columns)

ATOMS = ["n", "x", "t", "c", "d", "z", "b", "B", "i", "`odd name.x`", "größe", "abs", "`t`", "`n`", "nope", "__class__",
         "__builtins__", "__column_0__", "_col0_", "None", "True", "False", "0", "1", "-1", "2", "10", "63", "64",
         "9223372036854775807", "9223372036854775808", "9" * 40, "1e308", "1e999", "0.1", "-0.0", "1j", "0x7fffffff",
         "1_000_000", "''", "'yes'", "'ab'", "'ß🙂'", "'" + "x" * 300 + "'", "'2020-01-01'", "'not a date'", "b'x'",
         "[1, 2, 3]", "['yes', 'no']", "[]", "[None]", "(1, 'a')", "{1: 2}", "{1}", "...", "f'{n}'"]
FUNCTIONS = ["abs", "round", "log", "exp", "sqrt", "min", "max", "isna", "notna", "open", "eval", "__import__", "len",
             "getattr", "type", "exec", "print"]
BINARY = ["+", "-", "*", "/", "//", "%", "**", "==", "!=", "<", "<=", ">", ">=", " in ", " not in ", " and ", " or ",
          " is ", " is not ", "&", "|", "^", "<<", ">>", "@"]


TAME_ATOMS = ["n", "x", "t", "c", "d", "z", "b", "B", "i", "`odd name.x`", "größe", "abs", "0", "2", "-1", "63",
              "9223372036854775807", "1e308", "0.5", "''", "'yes'", "'2020-01-01'", "'" + "x" * 300 + "'", "None",
              "True"]
TAME_BINARY = ["+", "-", "*", "/", "//", "%", "**", "==", "!=", "<", "<=", ">", ">=", " and ", " or "]
ARITY = {"abs": 1, "round": 1, "log": 1, "exp": 1, "sqrt": 1, "min": 2, "max": 2, "isna": 1, "notna": 1}


TAME = {"atoms": TAME_ATOMS, "binary": TAME_BINARY, "unary": ["not ", "-", "+"], "functions": list(ARITY)}
WILD = {"atoms": ATOMS, "binary": BINARY, "unary": ["not ", "-", "+", "~"], "functions": FUNCTIONS}


def expression(rng, words=None, depth=0):
    """One random expression: from TAME's words one that parses (the evaluator's cases: kinds, overflow, missing
    values), from WILD's mostly well-formed but often absurd."""
    words = words or (TAME if rng.random() < 0.4 else WILD)

    def part():
        return expression(rng, words, depth + 1)

    roll = rng.random()
    if depth > 4 or roll < 0.3:
        return str(rng.choice(words["atoms"]))
    if roll < 0.6:
        return f"({part()}{rng.choice(words['binary'])}{part()})"
    if roll < 0.7:
        return f"{rng.choice(words['unary'])}({part()})"
    if roll < 0.8:
        name = str(rng.choice(words["functions"]))
        arity = ARITY[name] if words is TAME else int(rng.integers(0, 4))
        return f"{name}({', '.join(part() for _ in range(arity))})"
    if roll < 0.9 or words is TAME:
        values = ", ".join(str(rng.choice(TAME_ATOMS[12:])) for _ in range(int(rng.integers(0, 4))))
        return f"{part()}{rng.choice([' in ', ' not in '])}[{values}]"
    return str(rng.choice([
        f"{part()}.__class__", f"{part()}[0]", "lambda: 1",
        f"[v for v in {part()}]", f"1 if {part()} else 2", "(y := 1)",
        "(" * int(rng.integers(1, 600)) + "n" + ")" * int(rng.integers(1, 600)),
        "not " * int(rng.integers(1, 500)) + "b",
        "-" * int(rng.integers(1, 1200)) + "1", "+".join(["n"] * int(rng.integers(1, 600))),
        "abs(" * int(rng.integers(1, 300)) + "n" + ")" * int(rng.integers(1, 300)), "`unclosed", "``", "` `",
        "n\n> 1", "\x00", "\u202e n > 1", "n" * 2_000, f"min({part()}, n, x)",
        f"abs(n, {part()})", "sqrt(x=n)", f"max(*{part()})",
        f"{part()} / 0", f"{part()} ** {part()}",
        f"'ab' * {part()}", "[1, 2, 3] * 10**9", "10**(4*10**7) > 1", "10**10**10",
    ]))


def one_sentence(error: SynthLabError) -> bool:
    message = error.message
    return bool(message.strip()) and message.endswith(".") and "\n" not in message and len(message) < 400


def bounded(run):
    """Run ``run()``; return (outcome, seconds, peak bytes traced)."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        outcome = run()
    except SynthLabError as error:
        outcome = error
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return outcome, seconds, peak


@pytest.mark.timeout(300)
@pytest.mark.parametrize("seed", range(4))
def test_fuzzed_expressions_evaluate_to_a_column_or_say_one_sentence(seed):
    rng = np.random.default_rng(seed)
    before = TABLE.copy(deep=True)
    for _ in range(150):
        text = expression(rng)
        outcome, seconds, peak = bounded(lambda: parse(text, COLUMNS).evaluate(TABLE))  # noqa: B023
        assert seconds < 5, text
        assert peak < 200 * 2**20, text
        if isinstance(outcome, SynthLabError):
            assert one_sentence(outcome), (text, outcome.message)
        else:
            assert isinstance(outcome, pd.Series) and len(outcome) == len(TABLE), text
            assert outcome.index.equals(TABLE.index), text
    pd.testing.assert_frame_equal(TABLE, before)


NAMES = ["y", "n", "t", "`odd name.x`", "", " ", "a b", "ß", "x <", "x >", "x !", "==", "`", "__class__", "abs", "0",
         "y" * 500]


@pytest.mark.timeout(300)
@pytest.mark.parametrize("seed", range(2))
def test_fuzzed_derived_columns_make_a_table_or_say_one_sentence(seed):
    rng = np.random.default_rng(100 + seed)
    before = TABLE.copy(deep=True)
    for _ in range(60):
        lines = [f"{rng.choice(NAMES)}{rng.choice(['=', ' = ', '==', '<=', '>=', '!=', ' := '])}{expression(rng)}"
                 for _ in range(int(rng.integers(1, 4)))]

        def run(lines=lines):
            table = TABLE
            for name, formula in parse_derived(lines, COLUMNS):
                table = derive(table, name, formula)
            return table

        outcome, seconds, peak = bounded(run)
        assert seconds < 5 * len(lines), lines
        assert peak < 200 * 2**20, lines
        if isinstance(outcome, SynthLabError):
            assert one_sentence(outcome), (lines, outcome.message)
        else:
            assert isinstance(outcome, pd.DataFrame) and len(outcome) == len(TABLE), lines
            assert list(outcome.columns[:len(COLUMNS)]) == COLUMNS or set(COLUMNS) <= set(outcome.columns), lines
    pd.testing.assert_frame_equal(TABLE, before)
