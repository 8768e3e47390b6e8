"""Sequential CART synthesis, after synthpop (Nowok, Raab and Dibben 2016).

The joint distribution is written as a chain of conditionals along a *visit sequence* of the
columns x₁, …, x_p,

    f(x₁, …, x_p) = f(x₁) · f(x₂ | x₁) · … · f(x_p | x₁, …, x_{p−1}),

and each factor is estimated by a classification or regression tree (CART, Breiman et al. 1984),
as Reiter (2005) proposed for synthetic microdata and synthpop's ``syn(method = "cart")`` does:

1. the first column is drawn from its marginal: a bootstrap of its real values, missing ones
   included at their real rate (synthpop's method "sample");
2. every next column x_j gets a tree grown on the real rows with x₁ … x_{j−1} as predictors
   (scikit-learn's DecisionTreeClassifier for a label column, DecisionTreeRegressor for a number
   or date column, dates as nanoseconds), every leaf holding at least ``min_leaf`` rows (rpart's
   minbucket). A leaf keeps its *donors*: the real values of x_j of the rows that fell in it;
3. sampling goes down the same sequence: the synthetic x₁ … x_{j−1} are put through x_j's tree and
   each row draws x_j uniformly from the donors of its leaf. A label thus comes out with its
   leaf's class shares, a number as the real value of a row like it. Smoothing (synthpop's
   ``smoothing = "density"``) adds Gaussian noise to a drawn continuous value, x̃ = x + h ε with
   ε ~ N(0, 1) and h from Silverman's rule of thumb on the leaf's donors (Silverman 1986, eq. 3.31,
   R's ``bw.nrd0``): h = 0.9 · min(s, IQR/1.349) · m^(−1/5), s when the IQR is 0, and no noise for
   a leaf whose donors are all equal. Labels, whole numbers and dates are never smoothed.

Predictors. A number or date column enters the trees scaled to [0, 1] (a tree splits on
thresholds, so rescaling changes nothing but the float32 rounding of large values such as dates
in nanoseconds); its missing values are set to −1, below every observed value, and flagged in an
indicator column: a missing value is a category of its own, as in synthpop. A label column with
at most 30 values enters as one indicator column per value (and one for missing); with more, as
one column of its values' frequency ranks (most frequent first, missing −1), which keeps the
table narrow.

Missing values of the column drawn. A label column treats missing as one more class. A number or
date column with holes gets two trees: a classifier of "missing or not", whose leaves keep the
real rows' missingness, then the regressor on the observed rows. A synthetic row is drawn missing
or not from the first and, when not, a value from the second, so missingness follows the columns
before it (missing at random is kept, not only the rate).

The visit sequence is the table's column order (synthpop's default) with the target first when
there is one: its class shares come back as they are and every other column is drawn given it.
A user may give another order; the columns it leaves out follow in the default order. A label
column with more than 50 values is told apart by its 49 most frequent values and the rest pooled
(a classification tree holds a share per class in every node); its donors keep every real value.

Since the donors are real values, every synthetic value (smoothing off) is one the real column
takes, and a small leaf copies a small group of real rows: ``min_leaf`` is also a privacy setting.

References: Nowok, B., Raab, G. M. and Dibben, C. (2016) synthpop: Bespoke creation of synthetic
data in R. Journal of Statistical Software 74(11). Reiter, J. P. (2005) Using CART to generate
partially synthetic public use microdata. Journal of Official Statistics 21(3), 441–462. Breiman,
L., Friedman, J., Olshen, R. and Stone, C. (1984) Classification and Regression Trees. Silverman,
B. W. (1986) Density Estimation for Statistics and Data Analysis.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from core.errors import ParameterError, SynthLabError
from core.params import Card, Param
from core.schema import LABELS, Kind, Schema, to_floats
from core.synth.base import Synthesizer
from core.synth.registry import STATISTICAL, register

MAX_ONE_HOT = 30  # a label predictor with more values enters as one column of frequency ranks
MAX_CLASSES = 50  # a label column drawn by a tree: its 49 most frequent values told apart, the rest pooled
MISSING = -1.0  # a missing predictor value (observed ones are scaled to [0, 1])
SMOOTHED_LEVELS = 20  # a whole-number column with more values than this is smoothed like a continuous one

Tree = DecisionTreeClassifier | DecisionTreeRegressor


@register
class CARTSynthesizer(Synthesizer):
    """Sequential CART: each column drawn from the real values in its leaf of a tree on the columns before it."""

    key = "cart"
    title = "Sequential CART (synthpop)"
    family = STATISTICAL
    keeps_missing = True  # missing values are drawn from the leaves, not sprinkled back
    card = Card(does="Draws the columns one after another: the first from its real values, each next one from the "
                     "real values in its leaf of a decision tree grown on the columns before it (synthpop's CART).",
                when="Mixed tables with interactions, non-linear or non-monotone relations and missing values that "
                     "depend on other columns; fast and explainable, a standard of statistical agencies.",
                distorts="Values are real values (unless smoothed), so small leaves copy small groups of real rows; "
                         "columns late in the visit sequence depend on many columns through coarse splits; a label "
                         "column with more than 50 values is split on its 49 most frequent ones only.")
    teaching = """
    **One column at a time.** The first column of the visit sequence is drawn from its real values. For every
    next column a decision tree learns, on the real rows, how it depends on the columns before it: it splits
    the rows into *leaves* of similar rows, each holding at least *min_leaf* of them. A synthetic row walks
    down the tree with its own values of the earlier columns and takes the value of one real row in the leaf
    it lands in, drawn at random.

    **Reading the output.** Relations of any shape survive (U shapes, interactions, a label that decides a
    number), and so do missing values that depend on other columns. Numbers are real values unless
    *smoothing* adds a little noise. A small *min_leaf* reproduces finer detail and copies smaller groups of
    real rows; check privacy on the Compare page. Put the columns that explain the others early in the visit
    sequence."""
    params = (
        Param("visit_sequence", "text", "", "The order the columns are drawn in: column names separated by commas. "
              "The first is drawn from its real values, each next one from a tree on the ones before it. Empty: "
              "the target first, then the table's order; columns left out follow in that order."),
        Param("min_leaf", "int", 0, "Fewest real rows in a leaf (synthpop's minbucket; 0: about 2√n, from 5 on). "
              "Smaller reproduces finer detail and copies smaller groups of real rows; larger blurs more.", 0, 1000),
        Param("max_depth", "int", 0, "Deepest a tree may grow (0: no limit; every leaf still holds min_leaf rows).",
              0, 100),
        Param("smoothing", "bool", True, "Add Gaussian noise to the number values drawn (bandwidth by Silverman's "
              "rule on the leaf's real values), so they are not copies of real values. Labels, dates and whole numbers "
              f"with at most {SMOOTHED_LEVELS} values are never smoothed; other whole numbers are rounded back."),
    )

    @classmethod
    def blockers(cls, df: pd.DataFrame, schema: Schema, params: dict) -> list[SynthLabError]:
        try:
            visited(params.get("visit_sequence", ""), schema)
        except ParameterError as error:
            return [error]
        return []

    def notes(self) -> list[str]:
        first, *rest = self.visit_sequence_
        then = ", then " + ", ".join(f"'{c}'" for c in rest) if rest else ""
        leaf = [f"Leaves hold at least {self.min_leaf_:,} real rows (about 2√n for {self.rows_:,} rows)."] \
            if not self.params_["min_leaf"] else []
        return [*super().notes(), f"Visit sequence: '{first}' drawn from its real values{then}.", *leaf]

    def _fit(self, df: pd.DataFrame) -> None:
        self.rows_ = len(df)
        self.min_leaf_ = self.params_["min_leaf"] or max(5, round(2 * np.sqrt(len(df))))
        named = [c for c in visited(self.params_["visit_sequence"], None) if c in self.columns_]  # empty ones: left
        default = ([self.target_] if self.target_ else []) + [c for c in self.columns_ if c != self.target_]
        self.visit_sequence_ = named + [c for c in default if c not in named]
        self.encodings_: dict[str, Encoding] = {}
        self.steps_: dict[str, Step] = {}
        features: list[np.ndarray] = []
        for column in self.visit_sequence_:
            values = df[column]
            encoding = Encoding(values, self._labels(column, values))
            self.steps_[column] = self._grow(column, values, encoding, np.hstack(features) if features else None)
            self.encodings_[column] = encoding
            features.append(encoding(values))

    def _sample(self, n: int, rng: np.random.Generator) -> pd.DataFrame:
        out: dict[str, np.ndarray] = {}
        features: list[np.ndarray] = []
        for column in self.visit_sequence_:
            out[column] = self.steps_[column].draw(np.hstack(features) if features else None, n, rng)
            features.append(self.encodings_[column](pd.Series(out[column])))
        return pd.DataFrame(out)

    # ---------------------------------------------------------------- fitting one column

    def _labels(self, column: str, values: pd.Series) -> bool:
        """Whether a column is drawn as labels (by a classifier): label kinds, and values that are not numbers
        or dates."""
        return self.kinds_[column] in LABELS or not (pd.api.types.is_numeric_dtype(values)
                                                      or pd.api.types.is_datetime64_any_dtype(values))

    def _tree(self, kind: type[Tree]) -> Tree:
        depth = self.params_["max_depth"] or None
        return kind(min_samples_leaf=self.min_leaf_, max_depth=depth, random_state=self.seed_)

    def _grow(self, column: str, values: pd.Series, encoding: Encoding, x: np.ndarray | None) -> Step:
        """The trees that draw ``column`` from the columns before it (``x``; None for the first column)."""
        donors = donor_values(values, encoding.labels is not None)
        smooth = self.params_["smoothing"] and encoding.labels is None and (
            self.kinds_[column] == Kind.CONTINUOUS
            or (self.kinds_[column] == Kind.INTEGER and values.nunique() > SMOOTHED_LEVELS))
        if x is None:  # the first column: a bootstrap of its real values, missing ones included
            return Step(None, Leaves.grown(None, x, donors, donors, smooth))
        if encoding.labels is not None:  # missing is a class of its own (code −1)
            y = np.minimum(encoding.labels.get_indexer(values), MAX_CLASSES - 1)  # rare values pooled
            return Step(None, Leaves.grown(self._tree(DecisionTreeClassifier), x, y, donors, False))
        missing = values.isna().to_numpy()
        holes = Leaves.grown(self._tree(DecisionTreeClassifier), x, missing, missing, False) if missing.any() else None
        seen = ~missing
        return Step(holes, Leaves.grown(self._tree(DecisionTreeRegressor), x[seen], encoding.scaled(values)[seen],
                                        donors[seen], smooth))


# ---------------------------------------------------------------- the pieces


def visited(text: str, schema: Schema | None) -> list[str]:
    """The column names a visit sequence gives, in its order; with a schema, a ParameterError for a name that is
    no synthesis column or is given twice."""
    names = [name.strip() for name in str(text).split(",") if name.strip()]
    if schema is None:
        return names
    for i, name in enumerate(names):
        if name in names[:i]:
            raise ParameterError(f"'visit_sequence' names '{name}' twice; each column is visited once.",
                                 hint="Give every column at most once.")
        if name not in schema.kinds:
            raise ParameterError(f"'visit_sequence' names '{name}', which is no column of the table.",
                                 hint="Columns: " + ", ".join(schema.synth_columns) + ".")
        if name not in schema.synth_columns:
            raise ParameterError(f"'visit_sequence' names '{name}', which does not take part in synthesis.",
                                 hint="Include it on the Data page, or leave it out of the visit sequence.")
    return names


def donor_values(values: pd.Series, labels: bool) -> np.ndarray:
    """A column's real values as donors: labels as objects, dates as datetime64[ns], numbers as floats."""
    if labels:
        return values.to_numpy(dtype=object)
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.to_numpy(dtype="datetime64[ns]")
    return to_floats(values)


def silverman(x: np.ndarray) -> float:
    """Silverman's rule of thumb (R's bw.nrd0) on the observed values; 0 when they are all equal."""
    x = x[~np.isnan(x)]
    if len(x) < 2:
        return 0.0
    s = float(np.std(x, ddof=1))
    q75, q25 = np.percentile(x, [75, 25])
    spread = min(s, (q75 - q25) / 1.349) or s
    return 0.9 * spread * len(x) ** -0.2  # h = 0.9 · min(s, IQR/1.349) · m^(−1/5)


class Encoding:
    """How a column enters the trees as predictors, learned from its real values: a label column by its values,
    most frequent first (``labels``); a number or date column scaled to [0, 1]. Missing values are −1, flagged
    in a column of their own when the real column has any."""

    def __init__(self, values: pd.Series, labels: bool) -> None:
        self.holes = bool(values.isna().any())
        self.labels: pd.Index | None = None
        if labels:
            codes, uniques = pd.factorize(values)  # in order of first appearance; missing: −1
            counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
            self.labels = pd.Index(np.asarray(uniques, dtype=object)).take(np.argsort(-counts, kind="stable"))
            return
        x = to_floats(values)
        self.low = float(np.nanmin(x))
        self.span = float(np.nanmax(x)) - self.low or 1.0

    def scaled(self, values: pd.Series) -> np.ndarray:
        return (to_floats(values) - self.low) / self.span  # (x − min)/(max − min)

    def __call__(self, values: pd.Series) -> np.ndarray:
        if self.labels is None:
            x = self.scaled(values)
            columns = [np.where(np.isnan(x), MISSING, x)]
        else:
            codes = self.labels.get_indexer(values.to_numpy(dtype=object))  # −1: missing
            if len(self.labels) > MAX_ONE_HOT:
                columns = [codes.astype(float)]  # frequency ranks
            else:
                columns = [codes == k for k in range(len(self.labels))]  # one-hot
        if self.holes:
            columns.append(values.isna().to_numpy())
        return np.column_stack(columns).astype(np.float32)  # the trees work in float32


@dataclass
class Leaves:
    """A fitted tree and, per leaf, its donors: the real values of the rows that fell in it (``tree`` None: one
    leaf holding every row, a bootstrap of the column)."""

    tree: Tree | None
    donors: np.ndarray  # the real values, sorted by leaf
    start: np.ndarray  # per node: where its donors start in ``donors``
    count: np.ndarray  # per node: how many donors it holds (0 for an inner node)
    bandwidth: np.ndarray | None  # per node: the smoothing bandwidth h, or None for no smoothing

    @classmethod
    def grown(cls, tree: Tree | None, x: np.ndarray | None, y: np.ndarray, donors: np.ndarray,
              smooth: bool) -> Leaves:
        leaf = np.zeros(len(donors), dtype=np.intp) if tree is None else tree.fit(x, y).apply(x)
        count = np.bincount(leaf, minlength=1 if tree is None else tree.tree_.node_count)
        start = np.cumsum(count) - count
        donors = donors[np.argsort(leaf, kind="stable")]
        bandwidth = np.array([silverman(donors[s:s + c]) for s, c in zip(start, count, strict=True)]) \
            if smooth else None
        return cls(tree, donors, start, count, bandwidth)

    def draw(self, x: np.ndarray | None, n: int, rng: np.random.Generator) -> np.ndarray:
        leaf = np.zeros(n, dtype=np.intp) if self.tree is None else self.tree.apply(x)
        values = self.donors[self.start[leaf] + rng.integers(self.count[leaf])]  # a donor of the leaf, uniformly
        if self.bandwidth is not None:
            values = values + self.bandwidth[leaf] * rng.standard_normal(n)  # x̃ = x + hε
        return values


@dataclass
class Step:
    """How one column is drawn: whether a value is missing (``holes``, for a number or date column with missing
    values), then the value."""

    holes: Leaves | None
    values: Leaves

    def draw(self, x: np.ndarray | None, n: int, rng: np.random.Generator) -> np.ndarray:
        if self.holes is None:
            return self.values.draw(x, n, rng)
        missing = self.holes.draw(x, n, rng).astype(bool)
        out = np.full(n, np.datetime64("NaT") if self.values.donors.dtype.kind == "M" else np.nan,
                      dtype=self.values.donors.dtype)
        if (~missing).any():
            out[~missing] = self.values.draw(x[~missing], int((~missing).sum()), rng)
        return out
