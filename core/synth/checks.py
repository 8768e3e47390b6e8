"""The public contract checks of a synthesizer class, like scikit-learn's ``check_estimator`` and
imbalanced-learn's ``parametrize_with_checks``: a method author runs them on a new class.

``check_synthesizer(cls)`` runs every check and raises ``AssertionError`` naming the first check the class
fails and what was wrong, in a sentence. ``synthesizer_checks(cls)`` gives the same checks by name, so a test
suite can parametrize over (method, check) pairs and a failure names both::

    CHECKS = synthesizer_checks(MySynthesizer)

    @pytest.mark.parametrize("check", [c for _, c in CHECKS], ids=[name for name, _ in CHECKS])
    def test_my_synthesizer(check):
        check()

The checks fit ``cls(**cls.quick)`` (the class's fast settings) on small tables made here with a seeded
generator: 200 rows with a continuous column (two decimals), an integer column, a binary column, a date
column and a target with three overlapping classes, none missing; and variants of 60 rows with a constant
column, an all-missing column taking part in synthesis, infinite values, or holes. They check:

* what the class declares: key, title, family and card; parameters, the constructor's signature, ``quick``;
* ``sample`` before ``fit`` raises NotFittedError; ``fit`` returns the model, leaves the table as it was and
  records ``params_`` and ``version_``;
* the output: the synthesis columns in order, the rows asked for (``default_rows`` for methods that keep the
  real rows), the real dtypes, only real labels, numbers and dates within the real range, integers whole,
  continuous numbers at the real precision (no more decimals than the real values);
* the same seed gives the same table, another ``rng`` another one;
* bad parameters (an unknown name, a bad value of each declared one) give a ParameterError with a sentence;
* ``refusal`` and ``blockers`` return core.errors exceptions, and ``fit`` raises the first blocker;
* awkward columns (constant, all missing, ±inf) give a table that keeps the contract, or a SynthLabError with
  a sentence, never another exception;
* ``notes()`` is a list of sentences.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from core.checks import DECLARATION, Check, Fitted, check_bad_parameters, fitting_checks, named, require, run_all
from core.errors import ParameterError, SynthLabError
from core.params import Family, validate_params
from core.schema import NUMERIC, Kind, Schema, infer_schema
from core.synth.base import decimals, written_with

ROWS = 150  # rows asked of a method that does not keep the real rows (not the real count, which a method could copy)
SEED, RNG, OTHER_RNG = 0, 1, 2


def plain_table(n: int = 200, seed: int = 0) -> pd.DataFrame:
    """A complete table: numbers, labels and dates tied to a target of three overlapping classes."""
    rng = np.random.default_rng(seed)
    target = rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2])
    shift = pd.Series(target).map({"a": 0.0, "b": 0.6, "c": 1.2}).to_numpy()  # classes overlap: neighbours
    return pd.DataFrame({
        "x": (10 + 3 * rng.normal(shift, 1.0)).round(2),
        "n": rng.poisson(3 + 2 * shift).astype("int64"),
        "flag": np.where(rng.random(n) < 0.3 + 0.2 * shift, "yes", "no"),
        "when": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 365, n), unit="D"),
        "cls": target,
    })


def awkward_tables() -> dict[str, tuple[pd.DataFrame, Schema]]:
    """{what is awkward: (table, schema)}, each a 60-row plain table with one awkward column."""
    rng = np.random.default_rng(1)
    out = {}
    df = plain_table(60)
    df["k"] = 7.5
    out["a constant column"] = df, infer_schema(df, target="cls")
    df = plain_table(60)
    df["gone"] = np.nan
    out["an all-missing column"] = df, infer_schema(df, target="cls").with_kind("gone", Kind.CONTINUOUS)
    df = plain_table(60)
    df.loc[rng.choice(60, 6, replace=False), "x"] = [np.inf, -np.inf] * 3
    out["infinite values"] = df, infer_schema(df, target="cls")
    df = plain_table(60)
    df.loc[rng.random(60) < 0.2, "x"] = np.nan
    out["missing values"] = df, infer_schema(df, target="cls")
    return out


def check_synthesizer(cls: type) -> None:
    """Run every check on ``cls``; raises AssertionError naming the first failed check and what was wrong."""
    run_all(cls, CHECKS)


def synthesizer_checks(cls: type) -> list[tuple[str, Callable[[], None]]]:
    """[(check name, check of ``cls``)], in the order :func:`check_synthesizer` runs them."""
    return named(cls, CHECKS)


# ---------------------------------------------------------------- a fit on the plain table, shared by the checks

def _settings(cls: type) -> dict[str, Any]:
    return cls.quick


def _model(cls: type) -> Any:
    return cls(**_settings(cls))


def _rows(cls: type, model: Any, df: pd.DataFrame, schema: Schema) -> int:
    """Rows to ask for: ``default_rows`` for a method that keeps the real rows, else ``ROWS``."""
    return int(cls.default_rows(df, schema, model.params_)) if cls.keeps_real_rows(model.params_) else ROWS


@functools.lru_cache(maxsize=4)  # the checks of one class run one after another: one fit serves them all
def _fitted(cls: type) -> Fitted:
    df = plain_table()
    schema = infer_schema(df, target="cls")
    before = df.copy()
    model = _model(cls)
    returned = model.fit(df, schema, seed=SEED)
    n = _rows(cls, model, df, schema)
    return Fitted(df, before, schema, model, returned, model.sample(n, rng=RNG), n)


# ---------------------------------------------------------------- the checks

def check_family(cls: type) -> None:
    require(isinstance(getattr(cls, "family", None), Family),
            "it has no family (core.params.Family, such as core.synth.registry.STATISTICAL).")


def columns_and_rows(df: pd.DataFrame, schema: Schema, out: pd.DataFrame, n: int) -> None:
    require(isinstance(out, pd.DataFrame), f"sample returned a {type(out).__name__}, not a DataFrame.")
    require(list(out.columns) == schema.synth_columns,
            f"the output's columns are {list(out.columns)}, not the synthesis columns {schema.synth_columns}.")
    require(len(out) == n, f"asked for {n} rows, it gave {len(out)}.")


def dtypes_kept(df: pd.DataFrame, schema: Schema, out: pd.DataFrame, n: int) -> None:
    for column in schema.synth_columns:
        real, made = df[column].dtype, out[column].dtype
        if df[column].notna().all():
            require(made == real, f"column '{column}' came back as {made}, not {real}.")
        elif pd.api.types.is_numeric_dtype(real):
            require(pd.api.types.is_numeric_dtype(made), f"number column '{column}' came back as {made}.")
        if schema.kinds[column] == Kind.INTEGER:
            values = out[column].dropna().astype(float)
            require((values % 1 == 0).all(), f"integer column '{column}' has values that are not whole.")


def real_labels(df: pd.DataFrame, schema: Schema, out: pd.DataFrame, n: int) -> None:
    for column in schema.label_columns():
        new = set(out[column].dropna()) - set(df[column].dropna())
        require(not new, f"label column '{column}' has values the real column never takes: {sorted(map(str, new))}.")


def within_bounds(df: pd.DataFrame, schema: Schema, out: pd.DataFrame, n: int) -> None:
    for column in schema.columns_of(*NUMERIC, Kind.DATETIME):
        real, made = df[column], out[column].dropna()
        if schema.kinds[column] != Kind.DATETIME and pd.api.types.is_numeric_dtype(real):
            real, made = real.astype(float), made.astype(float)
            real = real[np.isfinite(real)]
            require(np.isfinite(made).all(), f"number column '{column}' has infinite values.")
        real = real.dropna()
        if real.empty:
            require(made.empty, f"column '{column}' has no real value, yet the output has some.")
            continue
        low, high = real.min(), real.max()
        require(made.between(low, high).all(), f"column '{column}' has values outside the real range {low} to "
                                               f"{high}: from {made.min()} to {made.max()}.")


def real_precision(df: pd.DataFrame, schema: Schema, out: pd.DataFrame, n: int) -> None:
    for column in schema.columns_of(Kind.CONTINUOUS):
        if not pd.api.types.is_numeric_dtype(df[column]) or df[column].isna().all():
            continue
        places = decimals(df[column])
        if places is None:  # finer than six decimals: kept at full precision
            continue
        x = out[column].dropna().to_numpy(dtype=float)
        x = x[np.isfinite(x)]
        require(written_with(x, places),
                f"column '{column}' has values with more than the {places} decimals of the real values.")


OUTPUT = (columns_and_rows, dtypes_kept, real_labels, within_bounds, real_precision)


def _output_check(rule: Callable[..., None]) -> Check:
    def check(cls: type) -> None:
        fitted = _fitted(cls)
        rule(fitted.df, fitted.schema, fitted.out, fitted.n)
    return check


def check_same_seed(cls: type) -> None:
    fitted = _fitted(cls)
    again = _model(cls).fit(fitted.df, fitted.schema, seed=SEED).sample(fitted.n, rng=RNG)
    try:
        pd.testing.assert_frame_equal(fitted.out, again)
    except AssertionError as difference:
        raise AssertionError(f"two fits with seed {SEED}, each sampled with rng={RNG}, gave different tables "
                             f"({' '.join(str(difference).split())}).") from None


def check_other_rng(cls: type) -> None:
    fitted = _fitted(cls)
    other = fitted.model.sample(fitted.n, rng=OTHER_RNG)
    require(not other.equals(fitted.out), f"sampling with rng={RNG} and rng={OTHER_RNG} gave the same table.")


def check_conditions(cls: type) -> None:
    """``sample(n, rng=, conditions=)`` gives exactly n rows meeting a label and a range condition, and refuses a
    label the real rows never take with a sentence."""
    fitted = _fitted(cls)
    level = fitted.df["flag"].mode()[0]
    low, high = fitted.df["x"].quantile([0.2, 0.8])
    out = fitted.model.sample(fitted.n, rng=RNG, conditions={"flag": level, "x": (low, high)})
    require(len(out) == fitted.n, f"sample with conditions gave {len(out)} rows, not the {fitted.n} asked for.")
    require(bool((out["flag"] == level).all() and out["x"].between(low, high).all()),
            "sample with conditions returned rows that do not meet them.")
    try:
        fitted.model.sample(5, rng=RNG, conditions={"flag": "never seen"})
    except SynthLabError:
        return
    raise AssertionError("a condition on a value the real rows never take was not refused with a sentence.")


def check_bad_params(cls: type) -> None:
    df = plain_table(60)
    schema = infer_schema(df, target="cls")
    check_bad_parameters(cls, cls.quick, lambda model: model.fit(df, schema))


def check_refusal_and_blockers(cls: type) -> None:
    for given in ({}, cls.quick):
        refusal = cls.refusal(validate_params(cls.params, given, cls.__qualname__))
        require(refusal is None or isinstance(refusal, ParameterError),
                f"refusal({given}) returned {refusal!r}, not None or a ParameterError.")
    tables = {"the plain table": (plain_table(), infer_schema(plain_table(), target="cls")),
              "a table with missing values": awkward_tables()["missing values"]}
    for what, (df, schema) in tables.items():
        params = validate_params(cls.params, cls.quick, cls.__qualname__)
        blockers = cls.blockers(df, schema, params)
        require(isinstance(blockers, list) and all(isinstance(b, SynthLabError) for b in blockers),
                f"blockers on {what} returned {blockers!r}, not a list of SynthLabError.")
        if not blockers:
            continue
        first = blockers[0]
        try:
            _model(cls).fit(df, schema, seed=SEED)
        except SynthLabError as error:
            require(type(error) is type(first) and error.message == first.message,
                    f"on {what} fit raised {type(error).__name__}('{error.message}'), not its first blocker "
                    f"{type(first).__name__}('{first.message}').")
            continue
        raise AssertionError(f"on {what} blockers said {first.message!r}, yet fit went ahead.")


def _awkward_check(what: str) -> Check:
    def check(cls: type) -> None:
        df, schema = awkward_tables()[what]
        before = df.copy()
        try:
            model = _model(cls).fit(df, schema, seed=SEED)
            n = _rows(cls, model, df, schema)
            out = model.sample(n, rng=RNG)
        except SynthLabError as error:
            require(error.message.strip(), f"on a table with {what} it raised {type(error).__name__} with no message.")
            return
        except Exception as error:  # the check is that no other exception comes out
            raise AssertionError(f"on a table with {what} it raised {type(error).__name__} ({error}); it should "
                                 "give a table, or a SynthLabError with a sentence.") from error
        require(df.equals(before), f"fit or sample changed the table with {what}.")
        try:
            for rule in OUTPUT:
                rule(df, schema, out, n)
        except AssertionError as failure:
            raise AssertionError(f"on a table with {what}, {failure}") from None
    return check


def check_notes(cls: type) -> None:
    notes = _fitted(cls).model.notes()
    require(isinstance(notes, list) and all(isinstance(note, str) and note.strip() for note in notes),
            f"notes() returned {notes!r}, not a list of sentences.")


CHECKS: dict[str, Check] = {
    **DECLARATION,
    "family": check_family,
    **fitting_checks(_fitted, _settings, lambda cls: _model(cls).sample(10), "sample"),
    **{rule.__name__: _output_check(rule) for rule in OUTPUT},
    "same_seed": check_same_seed,
    "other_rng": check_other_rng,
    "conditions": check_conditions,
    "bad_parameters": check_bad_params,
    "refusal_and_blockers": check_refusal_and_blockers,
    "constant_column": _awkward_check("a constant column"),
    "all_missing_column": _awkward_check("an all-missing column"),
    "infinite_values": _awkward_check("infinite values"),
    "notes": check_notes,
}
