"""Does the missingness of one column depend on the others? (MAR diagnostics)

For a chosen column Y, rows are split by R = 1{Y missing}. Each other column X is compared
between the two groups, on the rows where X itself is observed: a hole in X is no value, so it
is no evidence of what Y's holes depend on.

* numbers: Welch's t-test (means), the two-sample Kolmogorov-Smirnov test (whole
  distributions) and the standardised mean difference SMD = (x̄₁ − x̄₀) / √((s₁² + s₀²)/2),
  where |SMD| > 0.1 is the usual threshold for a meaningful imbalance (Austin 2009);
* labels: the chi-square test of independence of X and R, with Cramér's V as the size.

p-values are adjusted for the number of columns tested (Holm). A logistic regression of R on
all other tested columns (numbers standardised, labels one-hot; their own holes filled with
values drawn at random from their observed ones, so a hole carries no signal) then says how well
the observed data predict where Y is missing: its cross-validated ROC AUC is about 0.5 when
nothing does (consistent with MCAR) and well above it when something does (missingness depends
on observed data: MAR, not MCAR).

Columns missing in (nearly) the same rows as Y, at least ``CO_MISSING`` of Y's holes, are not
tested: where Y is missing they have (almost) no values to compare. They are reported apart, as
a pattern of holes (a skipped form, a visit that did not happen), not as evidence of MAR.

No test on the observed data can tell MAR from MNAR (missingness that depends on the unseen
values of Y itself): the values that would show it are exactly the missing ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from statsmodels.stats.multitest import multipletests

from core.errors import DataError, NothingToShow
from core.schema import NUMERIC, Kind

ALPHA = 0.05
CO_MISSING = 0.9  # another column missing in at least this share of Y's holes is missing together with Y
MNAR_NOTE = (
    "Observed data cannot tell MAR from MNAR: if whether a value is missing depends on that value "
    "itself (high incomes left blank, severe cases dropping out), the evidence is in the values you "
    "don't have. Suspect MNAR when the observed values of the column look truncated (a histogram cut "
    "off on one side), when domain knowledge gives a reason (sensitive questions, instruments with a "
    "detection limit), or when follow-up data on some non-respondents differ from the respondents.")


@dataclass(frozen=True)
class MarResult:
    column: str
    n_missing: int
    n_rows: int
    comparisons: pd.DataFrame  # one row per other column, strongest evidence first
    auc: float | None
    auc_note: str
    coefficients: pd.Series  # logistic coefficients on the standardised features, largest |value| first
    verdict: str  # the tests' verdict, then the co-missing pattern's sentence when there is one
    co_missing: pd.DataFrame = field(default_factory=pd.DataFrame)  # columns missing in the same rows, untested
    pattern: str = ""  # one sentence on the co-missing columns ("" when there are none)


def mar_diagnostics(df: pd.DataFrame, column: str, kinds: dict[str, str], *, rng=0) -> MarResult:
    """Compare the other columns where ``column`` is missing and where it is observed."""
    if column not in df.columns:
        raise DataError(f"There is no column named '{column}'.")
    missing = df[column].isna().to_numpy()
    n_missing = int(missing.sum())
    if n_missing == 0:
        raise DataError(f"'{column}' has no missing values, so there is nothing to explain.",
                        hint="Pick a column with missing values.")
    if n_missing == len(df):
        raise DataError(f"Every value of '{column}' is missing, so there is nothing to compare with.",
                        hint="Pick a column that is only partly missing.")
    together = _co_missing(df, column, missing)
    others = [c for c in df.columns if c != column and c not in set(together["column"])
              and kinds.get(c) not in (Kind.ID, Kind.TEXT, Kind.DATETIME)
              and df[c].nunique() > 1]  # constant and empty columns can't differ between the groups
    pattern = _pattern(column, together)
    if not others:
        if len(together):
            raise NothingToShow(f"Every other usable column is missing in the same rows as '{column}', so no observed "
                            "value can show what its holes depend on.", hint=pattern)
        raise NothingToShow(f"No other usable column to compare with '{column}'.",
                        hint="MAR diagnostics need at least one other number or label column.")
    rows = [_compare(df[c], missing, c, kinds.get(c, Kind.CONTINUOUS)) for c in others]
    table = pd.DataFrame([r for r in rows if r is not None])
    if not table.empty:
        table["p (Holm)"] = multipletests(table["p"].fillna(1.0), method="holm")[1]
        table = table.sort_values(["p (Holm)", "size"], ascending=[True, False], key=_abs_if_size)
        table = table.reset_index(drop=True)
    generator = np.random.default_rng(rng)
    auc, auc_note, coefficients = _logistic(df[others], missing, kinds, generator)
    verdict = _verdict(column, table, auc)
    return MarResult(column=column, n_missing=n_missing, n_rows=len(df), comparisons=table, auc=auc,
                     auc_note=auc_note, coefficients=coefficients, verdict=f"{verdict} {pattern}".strip(),
                     co_missing=together, pattern=pattern)


def _co_missing(df: pd.DataFrame, column: str, missing: np.ndarray) -> pd.DataFrame:
    """Other columns missing in at least ``CO_MISSING`` of the rows where ``column`` is missing."""
    holes = df.drop(columns=column).isna().to_numpy()
    shared = holes[missing].sum(axis=0)  # rows where both are missing
    own = holes.sum(axis=0)
    table = pd.DataFrame({"column": df.columns.drop(column), "rows missing both": shared,
                          "shared holes": shared / missing.sum(),  # share of the tested column's holes
                          "of its own holes": np.divide(shared, own, out=np.zeros(len(own)), where=own > 0)})
    table = table[table["shared holes"] >= CO_MISSING]
    return table.sort_values("shared holes", ascending=False, kind="stable").reset_index(drop=True)


def _pattern(column: str, together: pd.DataFrame) -> str:
    if together.empty:
        return ""
    names = [f"'{c}'" for c in together["column"]]
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    return (f"{listed} {'is' if len(names) == 1 else 'are'} missing in (nearly) the same rows as '{column}': a pattern "
            "of holes (a form or visit skipped as a whole), not evidence of what they depend on, so "
            f"{'it is' if len(names) == 1 else 'they are'} not tested.")


def _abs_if_size(series: pd.Series) -> pd.Series:
    return -series.abs() if series.name == "size" else series


def _compare(values: pd.Series, missing: np.ndarray, name: str, kind: str) -> dict | None:
    if kind in NUMERIC and pd.api.types.is_numeric_dtype(values):
        x = values.to_numpy(dtype=float)
        a, b = x[missing & np.isfinite(x)], x[~missing & np.isfinite(x)]
        if len(a) < 2 or len(b) < 2:
            return None
        t = stats.ttest_ind(a, b, equal_var=False)
        ks = stats.ks_2samp(a, b)
        pooled = np.sqrt((a.var(ddof=1) + b.var(ddof=1)) / 2)
        smd = (a.mean() - b.mean()) / pooled if pooled > 0 else 0.0  # (x̄₁ − x̄₀)/√((s₁²+s₀²)/2)
        p = min(t.pvalue, ks.pvalue) if np.isfinite(t.pvalue) else ks.pvalue
        return {"column": name, "test": "Welch t / KS", "p": float(p), "size": float(smd), "size measure": "SMD",
                "where missing": f"mean {a.mean():.4g}", "where observed": f"mean {b.mean():.4g}"}
    seen = values.notna().to_numpy()  # observed values only: a hole in this column is not a label
    table = pd.crosstab(values[seen].astype(object).to_numpy(), missing[seen])
    if table.shape[0] < 2 or table.shape[1] < 2:
        return None
    chi2, p, _, _ = stats.chi2_contingency(table)
    v = np.sqrt(chi2 / (table.to_numpy().sum() * (min(table.shape) - 1)))  # Cramér's V
    share = table.div(table.sum(axis=0), axis=1)
    top_missing = share[True].idxmax()
    return {"column": name, "test": "chi-square", "p": float(p), "size": float(v), "size measure": "Cramér's V",
            "where missing": f"{top_missing}: {share.loc[top_missing, True]:.0%}",
            "where observed": f"{top_missing}: {share.loc[top_missing, False]:.0%}"}


def _logistic(features: pd.DataFrame, missing: np.ndarray, kinds: dict[str, str], rng: np.random.Generator) -> tuple:
    minority = int(min(missing.sum(), (~missing).sum()))
    if minority < 3:
        return None, "Too few missing (or observed) rows to fit a model of the missingness.", pd.Series(dtype=float)
    numeric = [c for c in features.columns if kinds.get(c, Kind.CONTINUOUS) in NUMERIC  # (unnamed: as _compare)
               and pd.api.types.is_numeric_dtype(features[c]) and not pd.api.types.is_bool_dtype(features[c])]
    labels = [c for c in features.columns if c not in numeric]
    frame = features.copy()
    frame[numeric] = frame[numeric].replace([np.inf, -np.inf], np.nan)
    frame[numeric] = frame[numeric] / frame[numeric].abs().max().replace(0, 1.0).fillna(1.0)  # no overflow near 1e300
    for c in features.columns:  # a hole gets a value drawn from the column's observed ones: it carries no signal
        holes = frame[c].isna().to_numpy()
        if holes.any():
            frame.loc[holes, c] = rng.choice(frame.loc[~holes, c].to_numpy(), size=int(holes.sum()))
    for c in labels:
        frame[c] = frame[c].astype(str)
    prepare = ColumnTransformer([
        ("num", StandardScaler(), numeric),
        ("cat", OneHotEncoder(handle_unknown="ignore", min_frequency=5, sparse_output=False), labels),
    ])
    model = make_pipeline(prepare, LogisticRegression(max_iter=2000))
    folds = StratifiedKFold(n_splits=min(5, minority), shuffle=True, random_state=int(rng.integers(2**31 - 1)))
    scores = cross_val_predict(model, frame, missing, cv=folds, method="predict_proba")[:, 1]
    auc = float(roc_auc_score(missing, scores))
    model.fit(frame, missing)
    names = model[0].get_feature_names_out()
    coefficients = pd.Series(model[-1].coef_[0], index=[n.split("__", 1)[1] for n in names])
    coefficients = coefficients.reindex(coefficients.abs().sort_values(ascending=False).index)
    note = (f"A logistic model of where the column is missing, from the other columns, reaches a "
            f"cross-validated AUC of {auc:.2f} ({folds.n_splits}-fold; 0.5 = no better than chance).")
    return auc, note, coefficients


def _verdict(column: str, table: pd.DataFrame, auc: float | None) -> str:
    significant = table[table["p (Holm)"] < ALPHA] if not table.empty else table
    if len(significant):
        top = significant.iloc[0]
        p = top["p (Holm)"]
        shown = "p < 0.001" if p < 0.001 else f"p = {p:.3f}"
        more = f" and {len(significant) - 1} other column(s)" if len(significant) > 1 else ""
        return (f"Missingness of {column} depends on {top['column']}{more} ({shown}, Holm-adjusted): "
                "not MCAR, consistent with MAR.")
    if auc is not None and auc >= 0.65:
        return (f"No single column differs clearly, but together they predict where {column} is missing "
                f"(AUC {auc:.2f}): probably not MCAR, consistent with MAR.")
    return (f"Nothing observed predicts where {column} is missing: consistent with MCAR. "
            "MNAR cannot be ruled out from the observed data alone.")
