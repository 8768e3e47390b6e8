"""Stitching two partial tables on messy shared keys: recoding, blocking, fuzzy scores, probabilistic concatenation.

Two tables describe overlapping sets of people (or firms, or products) and share some key columns (a name, a date of
birth, an address), but each system wrote them its own way. Stitching follows the record-linkage recipe of Fellegi
and Sunter (1969) as the ``recordlinkage`` and ``splink`` toolkits lay it out: *standardise* the keys, *block* to
bound the number of record pairs compared, *compare* each key of each candidate pair, *combine* the comparisons
into one score, and *classify* every pair as a match, a possible match or a non-match.

Recoding (standardisation). Text keys are decomposed with Unicode NFKD and stripped of combining marks (é -> e),
case-folded, punctuation becomes a space, whitespace collapses, and words are expanded through an abbreviation map
(``st`` -> ``street``; the user may extend it). Date keys are parsed by pandas with one format guessed per column
(day-first or month-first chosen by which reads more values; values in other formats are read one by one) and
written as ISO 8601 (a time with a zone offset taken to UTC, so one moment written in two zones is one date). Number
keys are written in one canonical form: whole numbers exactly, however long (IDs, barcodes), others to 15
significant digits.

Blocking. Without a blocking key every left record is compared with every right record, which is refused beyond
``max_comparisons`` per key; with one, only records whose recoded blocking key agrees exactly are compared
(Christen 2012, ch. 4): cheap, but a record whose blocking key has a typo can never be matched.

Comparison. Each key pair has a scorer from rapidfuzz (Bachmann 2021): ``words`` is the token-sort ratio (the
Indel similarity of the sorted words, so "Smith John" = "John Smith"), ``characters`` the plain Indel ratio, and
``exact`` scores 100 for equal recoded values and 0 otherwise (the default for dates and numbers). Scores are on
0-100. A key missing on either side gives no evidence either way: it is left out of the pair's score, as a missing
comparison adds nothing to the Fellegi-Sunter weight; a pair whose shared keys carry less than half of the total
weight is not scored at all (score 0).

Combination and classification. The score of a pair is the weighted mean of its key scores,
S = sum_k w_k s_k / sum_k w_k over the keys both records have, the normalised analogue of the Fellegi-Sunter match
weight. Each left record keeps its ten best candidates with S >= threshold. A pair is a *certain* match when each
record is the other's best candidate by more than ``margin`` points. When several candidates lie within ``margin``
of the best (on either side: two left records tied for one right record count too), the match is *uncertain* and
one of them is drawn uniformly at random with the seeded ``rng``: probabilistic concatenation (D'Orazio, Di Zio and
Scanu 2006, ch. 1, on statistical matching). Matching is one-to-one and greedy: certain pairs are settled first,
best score first, and a record they took is no longer a candidate for anyone; the remaining left records are then
settled in order of their best remaining score (equal scores in random order), each drawing among its remaining
close candidates (a pair that has become unambiguous by then is certain). A left record whose candidates all went
to others (each keeps only its ten best, so many equal keys can crowd it out) is then compared again with the right
records still free in its block, and settled the same way.

The stitched table is a full outer join: every left record (with its match's attributes, or missing values), then
every right record no one matched (with missing values on the left side). Key columns appear once, under the left
table's names; non-key columns that share a name get a suffix per side.

References: I. P. Fellegi and A. B. Sunter (1969), A theory for record linkage, JASA 64(328): 1183-1210.
P. Christen (2012), Data Matching, Springer. M. D'Orazio, M. Di Zio and M. Scanu (2006), Statistical Matching:
Theory and Practice, Wiley. M. Bachmann (2021), rapidfuzz (MIT licence). R. de Bruin (2019), Python Record
Linkage Toolkit documentation. Splink documentation (UK Ministry of Justice), "Fellegi-Sunter model".
"""

from __future__ import annotations

import difflib
import numbers
import re
import unicodedata
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pandas.tseries.api import guess_datetime_format
from rapidfuzz import fuzz, process

from core.errors import DataError, ParameterError
from core.io import read_table
from core.params import generator

DEFAULT_THRESHOLD = 85.0
DEFAULT_MARGIN = 5.0
MAX_COMPARISONS = 4_000_000  # record pairs compared per key (about 0.4 s for 'words' on short keys)
TOP_CANDIDATES = 10  # candidates kept per left record (the best ones), so a low threshold cannot flood memory
MAX_PASSES = 10  # passes over the records to settle certain pairs (each pass settles those a previous one freed)
MIN_PRESENT_WEIGHT = 0.5  # a pair is scored only on keys both records have, and only if they carry this share
MAX_KEY_CHARS = 200  # a longer recoded key is compared on its first MAX_KEY_CHARS characters
MAX_DATE_CHARS = 64  # a longer value is not read as a date (dateutil's time grows with the text)
MAX_KEYS = 50  # key pairs of one stitch
MAX_DEFAULT_KEYS = 5  # key pairs proposed for two tables
MAX_KEY_CELLS = 8 * MAX_COMPARISONS  # record pairs compared, summed over the keys (each key's scores are held)
SHORT_KEY = 20  # characters of a short key (a name): a longer one costs more to compare, in proportion
MAX_RIVALS = TOP_CANDIDATES  # competing pairs listed for one uncertain match
SCORERS = {
    "words": "words in any order (token-sort ratio): names with swapped parts",
    "characters": "characters in order (Indel ratio): codes, short strings",
    "exact": "equal after recoding, or nothing: dates, numbers, codes",
}
DEFAULT_ABBREVIATIONS: dict[str, str] = {
    "st": "street", "rd": "road", "ave": "avenue", "av": "avenue", "ln": "lane", "dr": "drive", "ct": "court",
    "pl": "place", "sq": "square", "blvd": "boulevard", "hwy": "highway", "mt": "mount", "ft": "fort",
    "apt": "apartment",
    "co": "company", "ltd": "limited", "inc": "incorporated", "corp": "corporation", "bros": "brothers",
}
_PUNCTUATION = re.compile(r"[\W_]+", re.UNICODE)  # anything but letters and digits
_SPACES = re.compile(r"\s+")


# --------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class Key:
    """One pair of key columns: how to compare them and how much they count."""

    left: Any
    right: Any
    scorer: str = "auto"  # 'auto' (exact for dates and numbers, words for text) or a name in SCORERS
    weight: float = 1.0


@dataclass(frozen=True)
class Recoding:
    """How keys are standardised before they are compared."""

    case: bool = True  # case-fold
    accents: bool = True  # NFKD, combining marks dropped
    punctuation: bool = True  # punctuation to spaces, whitespace collapsed
    abbreviations: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_ABBREVIATIONS))
    dates: bool = True  # date-like keys read as dates and written as ISO 8601
    dayfirst: bool | None = None  # None: pick the reading that parses more values


@dataclass
class Stitched:
    """The stitched table and how it came about.

    ``table`` has one row per left record, then one per unmatched right record; ``status`` (aligned with it) says
    'certain', 'uncertain', 'left only' or 'right only'. ``pairs`` holds the chosen pairs and, for uncertain ones,
    every tied candidate (``chosen`` marks the drawn one), with both sides' key values and scores. ``best`` is each
    left record's best score over all candidates (0 where none was compared), for a histogram.
    """

    table: pd.DataFrame
    status: pd.Series
    pairs: pd.DataFrame
    best: pd.Series
    certain: int
    uncertain: int
    unmatched_left: int
    unmatched_right: int
    threshold: float
    margin: float
    comparisons: int
    keys: list[Key]
    notices: list[str]

    @property
    def unmatched(self) -> int:
        """Records of either table without a partner (each is one row of ``table``)."""
        return self.unmatched_left + self.unmatched_right

    @property
    def matched(self) -> int:
        return self.certain + self.uncertain


# --------------------------------------------------------------------------- recoding


def normalise_text(value: Any, recoding: Recoding = Recoding()) -> str:
    """One text key in standard form: 'Mr. José  SMITH-Jones, 12 High St.' -> 'mr jose smith jones 12 high street'."""
    return _normalise(value, recoding, _abbreviation_table(recoding))


def _abbreviation_table(recoding: Recoding) -> dict[str, str]:
    """The abbreviation map with its short forms standardised the way the words they replace are."""
    plain = replace(recoding, abbreviations={})
    table = {_normalise(short, plain, {}): _normalise(long, plain, {})
             for short, long in recoding.abbreviations.items()}
    return {short: long for short, long in table.items() if short}  # ('.' is no word: it would name every gap)


def _normalise(value: Any, recoding: Recoding, abbreviations: dict[str, str]) -> str:
    text = unicodedata.normalize("NFKC", str(value))
    if recoding.accents:
        text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    if recoding.case:
        text = text.casefold()
    if recoding.punctuation:
        text = _PUNCTUATION.sub(" ", text)
    words = _SPACES.sub(" ", text).strip().split(" ")
    return " ".join(w for w in (abbreviations.get(w, w) for w in words) if w)


def normalise_name(name: Any) -> str:
    """A column name compared loosely: 'Date of birth' and 'date_of_birth' are the same name."""
    return normalise_text(name, Recoding(abbreviations={}))


def parse_dates(series: pd.Series, dayfirst: bool | None = None) -> tuple[pd.Series, str | None]:
    """``series`` read as dates (NaT where unreadable) and a sentence on how it was read (or None).

    One format is guessed per reading (month-first and day-first); the reading that parses more values wins, ties
    go to ``dayfirst`` (month-first when None). Values in another format are then read one by one. Year-first dates
    are always read year-month-day.
    """
    if pd.api.types.is_datetime64_any_dtype(series):
        return (series.dt.tz_convert(None) if series.dt.tz is not None else series), None
    text = series.astype("string").str.strip()
    text = text.where(text.str.len() <= MAX_DATE_CHARS)  # a longer text is no date
    present = text.dropna()
    present = present[present != ""]
    if present.empty:
        return pd.Series(pd.NaT, index=series.index, dtype="datetime64[ns]"), None
    readings = []
    for first in (bool(dayfirst), not dayfirst):  # the preferred reading first: it wins ties
        with warnings.catch_warnings():  # pandas warns when a value's only reading contradicts ``dayfirst``
            warnings.simplefilter("ignore", UserWarning)
            fmt = next((f for v in present.unique()[:50] if (f := guess_datetime_format(v, dayfirst=first))
                        and not _year_day_month(f)), None)
        parsed = _utc(text, format=fmt) if fmt else pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
        readings.append((int(parsed.notna().sum()), first, fmt, parsed))
    _, first, fmt, parsed = max(readings, key=lambda r: r[0])
    rest = parsed.isna() & text.notna() & (text != "")
    if rest.any():
        parsed = parsed.copy()
        parsed[rest] = _utc(text[rest], format="mixed", dayfirst=bool(first))
    unread = int((parsed.isna() & text.notna() & (text != "")).sum())
    note = None
    if dayfirst is None and len({r[0] for r in readings}) == 1 and len({r[2] for r in readings}) == 2 and fmt:
        note = f"'{series.name}' reads the same day-first or month-first; read month-first (choose day-first if not)."
    if unread:
        note = (note + " " if note else "") + (f"{unread:,} value(s) of '{series.name}' could not be read as "
                                               "dates and count as missing.")
    return parsed, note


def _utc(text: pd.Series, **how) -> pd.Series:
    """Text read as naive dates: a value with a time-zone offset is taken to UTC (the same moment written in two zones
    is one date), one without is read as written."""
    with warnings.catch_warnings():  # pandas warns when it falls back to dateutil for a value
        warnings.simplefilter("ignore", UserWarning)
        parsed = pd.to_datetime(text, errors="coerce", utc=True, **how)
    if not isinstance(parsed, pd.Series):
        parsed = pd.Series(parsed, index=text.index)
    return parsed.dt.tz_convert(None).astype("datetime64[ns]")


def _year_day_month(fmt: str) -> bool:
    """A format no one writes (2000-31-12): what guessing day-first makes of an ISO date."""
    return all(p in fmt for p in ("%Y", "%d", "%m")) and fmt.index("%Y") < fmt.index("%d") < fmt.index("%m")


def _date_like(series: pd.Series) -> bool:
    """Most of the values are dates (a datetime column, or text that reads as dates)."""
    if pd.api.types.is_datetime64_any_dtype(series):
        return True
    if not (pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series)):
        return False
    sample = series.dropna().astype(str).str.strip().str.slice(0, MAX_DATE_CHARS + 1)
    sample = sample[sample.str.contains(r"\d", regex=True)].unique()[:200]
    if len(sample) == 0 or len(sample) < 0.8 * min(_distinct(series), 200):
        return False
    parsed, _ = parse_dates(pd.Series(sample, name=series.name))
    return parsed.notna().mean() >= 0.8


def _distinct(series: pd.Series) -> int:
    return series.dropna().astype(str).nunique()


def _numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def key_kind(left: pd.Series, right: pd.Series, recoding: Recoding = Recoding()) -> str:
    """'date', 'number' or 'text': how a key pair is recoded."""
    if recoding.dates and _date_like(left) and _date_like(right):
        return "date"
    if _numeric(left) and _numeric(right):
        return "number"
    return "text"


def recode(series: pd.Series, kind: str, recoding: Recoding = Recoding()) -> tuple[pd.Series, list[str]]:
    """The key in standard form (strings, missing stays missing) and notices about what could not be read."""
    notes: list[str] = []
    if kind == "date":
        parsed, note = parse_dates(series, recoding.dayfirst)
        notes += [note] if note else []
        midnight = parsed.dropna().dt.normalize().eq(parsed.dropna()).all()
        out = parsed.dt.strftime("%Y-%m-%d" if midnight else "%Y-%m-%dT%H:%M:%S")  # ISO 8601
        return out.where(parsed.notna()).astype(object), notes
    if kind == "number":
        if pd.api.types.is_integer_dtype(series):  # whole numbers exactly, however long (IDs, barcodes)
            return series.map(lambda v: str(int(v)), na_action="ignore").astype(object), notes
        values = pd.to_numeric(series, errors="coerce").astype(float)
        finite = values.where(np.isfinite(values))
        return finite.map(_number_text, na_action="ignore").astype(object), notes
    # each distinct value recoded once, by its own text (factorising the values would make True and 1 one value)
    codes, uniques = pd.factorize(series.map(str, na_action="ignore"), use_na_sentinel=True)
    abbreviations = _abbreviation_table(recoding)
    table = np.array([_normalise(u, recoding, abbreviations) for u in uniques] + [None], dtype=object)
    out = pd.Series(table[codes], index=series.index, dtype=object)
    out[out == ""] = None
    long = (out.str.len() > MAX_KEY_CHARS).to_numpy(dtype=bool, na_value=False)
    if long.any():
        out.iloc[long] = out.iloc[long].str.slice(0, MAX_KEY_CHARS)
        notes.append(f"{int(long.sum()):,} value(s) of '{series.name}' are longer than {MAX_KEY_CHARS} characters "
                     f"after recoding and are compared on their first {MAX_KEY_CHARS}.")
    return out, notes


def _number_text(value: float) -> str:
    """A number in one canonical form: a whole one as its digits, another to 15 significant digits (so float noise
    such as 0.1 + 0.2 still equals 0.3)."""
    return str(int(value)) if value.is_integer() else format(value, ".15g")


def default_keys(left: pd.DataFrame, right: pd.DataFrame) -> list[Key]:
    """Key pairs proposed for two tables: columns whose names match once normalised ('Date of birth' = 'date_of_birth').

    Decimal-number columns are left out: a measurement shared by name is rarely an identifier. Of more than
    ``MAX_DEFAULT_KEYS`` such columns (two extracts of one wide schema), the ones with the most distinct values on
    the left are proposed: they tell records apart best.
    """
    names = {}
    for column in right.columns:
        if not pd.api.types.is_float_dtype(right[column]):
            names.setdefault(normalise_name(column), column)
    shared = [c for c in left.columns if normalise_name(c) in names and not pd.api.types.is_float_dtype(left[c])]
    if len(shared) > MAX_DEFAULT_KEYS:
        distinct = {c: _distinct(left[c]) for c in shared}
        best = set(sorted(shared, key=lambda c: -distinct[c])[:MAX_DEFAULT_KEYS])
        shared = [c for c in shared if c in best]
    return [Key(c, names[normalise_name(c)]) for c in shared]


def likely_partner(column: Any, right: pd.DataFrame) -> Any | None:
    """The right column whose normalised name is most like ``column``'s ('name' and 'Full name'), or None when none
    is much alike (difflib's ratio of at least 0.5, or one name inside the other)."""
    wanted = normalise_name(column)
    best, score = None, 0.0
    for candidate in right.columns:
        other = normalise_name(candidate)
        ratio = 1.0 if wanted and other and (wanted in other or other in wanted) else \
            difflib.SequenceMatcher(None, wanted, other).ratio()
        if ratio > score:
            best, score = candidate, ratio
    return best if score >= 0.5 else None


# --------------------------------------------------------------------------- stitching


def stitch(left: pd.DataFrame, right: pd.DataFrame, *, keys: Sequence[Key | tuple[Any, Any]],
           threshold: float = DEFAULT_THRESHOLD, margin: float = DEFAULT_MARGIN, recoding: Recoding | None = None,
           block: Any = None, suffixes: tuple[str, str] = ("_left", "_right"),
           max_comparisons: int = MAX_COMPARISONS, rng=None) -> Stitched:
    """Match the records of ``right`` to those of ``left`` on ``keys`` and join them (see the module docstring).

    ``keys``: (left column, right column) pairs or :class:`Key` objects; ``threshold`` and ``margin`` on the 0-100
    score scale; ``block``: a left key column on which records must agree exactly to be compared (None: compare
    all, up to ``max_comparisons`` per key); ``rng`` draws among uncertain candidates.
    """
    rng = generator(rng, "The seed")
    recoding = recoding or Recoding()
    if not isinstance(recoding.abbreviations, Mapping):
        raise ParameterError("The abbreviations must map each short form to the word it stands for.")
    keys = _check(left, right, keys, threshold, margin, block, suffixes, max_comparisons)
    notices: list[str] = []
    kinds, lcodes, rcodes = [], [], []
    for key in keys:
        kind = key_kind(left[key.left], right[key.right], recoding)
        lc, ln = recode(left[key.left], kind, recoding)
        rc, rn = recode(right[key.right], kind, recoding)
        kinds.append(kind)
        lcodes.append(lc.to_numpy())
        rcodes.append(rc.to_numpy())
        notices += ln + rn
    for side, codes, table in (("left", lcodes, left), ("right", rcodes, right)):
        if all(pd.isna(c).all() for c in codes):
            raise DataError(f"Every key value in the {side} table is missing after recoding, so none of its "
                            f"{len(table):,} records can be matched.",
                            hint="Choose key columns that hold values in both tables.")
    scorers = [_scorer(k, kind) for k, kind in zip(keys, kinds, strict=True)]
    weights = np.array([k.weight for k in keys], dtype=float)
    weights /= weights.max()  # only their ratios count (and 1e308 twice would overflow)
    blocks, comparisons = _blocks(keys, lcodes, rcodes, block, max_comparisons, len(left), len(right), notices)
    _check_cost(keys, lcodes, rcodes, scorers, comparisons, block)

    best = np.zeros(len(left))
    candidates = _candidates(blocks, lcodes, rcodes, scorers, weights, threshold, rng, best)
    chosen, status, tied = _assign(candidates, margin, rng)
    for _ in range(MAX_PASSES):  # records whose candidates all went to others, against the records still free
        waiting = np.array([row for row in candidates if row not in chosen], dtype=np.int64)
        free = np.setdiff1d(np.arange(len(right)), np.fromiter(chosen.values(), dtype=np.int64, count=len(chosen)))
        rest = [(lrows[np.isin(lrows, waiting)], rrows[np.isin(rrows, free)]) for lrows, rrows in blocks]
        more = _candidates([(a, b) for a, b in rest if len(a) and len(b)], lcodes, rcodes, scorers, weights,
                           threshold, rng, None)
        again, how, ties = _assign(more, margin, rng)
        if not again:
            break
        for row, options in more.items():
            candidates[row] += options
        chosen.update(again)
        status.update(how)
        tied.update(ties)
    pairs = _pairs(left, right, keys, chosen, status, tied, candidates, lcodes, rcodes, scorers)
    table, row_status = _join(left, right, keys, kinds, lcodes, rcodes, chosen, status, suffixes, recoding)
    counts = pd.Series(list(status.values())).value_counts()
    certain, uncertain = int(counts.get("certain", 0)), int(counts.get("uncertain", 0))
    return Stitched(table=table, status=row_status, pairs=pairs, best=pd.Series(best, index=left.index, name="best"),
                    certain=certain, uncertain=uncertain, unmatched_left=len(left) - certain - uncertain,
                    unmatched_right=len(right) - certain - uncertain, threshold=float(threshold),
                    margin=float(margin), comparisons=comparisons, keys=keys, notices=notices)


def _check(left, right, keys, threshold, margin, block, suffixes, max_comparisons) -> list[Key]:
    """The keys as Key objects, or a sentence on what is wrong with the input."""
    for side, table in (("left", left), ("right", right)):
        if not isinstance(table, pd.DataFrame):
            raise DataError(f"The {side} table is not a table.")
        if table.empty:
            raise DataError(f"The {side} table has no rows or no columns, so there is nothing to stitch.",
                            hint="Load a table with data in it.")
        duplicated = table.columns[table.columns.duplicated()].unique()
        if len(duplicated):
            raise DataError(f"The {side} table has more than one column named '{duplicated[0]}'.",
                            hint="Rename the columns so that every name is used once.")
    if not keys:
        raise ParameterError("Choose at least one pair of key columns to match the records on.")
    if isinstance(keys, (str, bytes)) or not isinstance(keys, Sequence):
        raise ParameterError("The keys must be a list of (left column, right column) pairs.")
    if len(keys) > MAX_KEYS:
        raise ParameterError(f"{len(keys):,} key pairs are more than one stitch compares (at most {MAX_KEYS}).",
                             hint="Keep the columns that identify a record: a name, a date of birth, a postcode.")
    out = []
    for key in keys:
        if not isinstance(key, Key):
            try:
                key = Key(*key)
            except TypeError:
                raise ParameterError(f"A key must be a (left column, right column) pair, not {key!r}.") from None
        for side, table, column in (("left", left, key.left), ("right", right, key.right)):
            try:
                present = column in table.columns
            except TypeError:  # an unhashable name
                present = False
            if not present:
                raise DataError(f"The {side} table has no column '{column}'.",
                                hint="Choose key columns from the table's own columns.")
        if key.scorer != "auto" and key.scorer not in SCORERS:
            raise ParameterError(f"'{key.scorer}' is not a way to compare keys.",
                                 hint="Use one of: auto, " + ", ".join(SCORERS) + ".")
        if not (_real(key.weight) and np.isfinite(key.weight) and key.weight >= 0):
            raise ParameterError(f"The weight of the key '{key.left}' must be zero or a positive number, "
                                 f"not {key.weight!r}.")
        if any(key.left == k.left for k in out):
            raise ParameterError(f"The left column '{key.left}' is in two key pairs: the stitched table holds it "
                                 "once.", hint="Use each left column in one key pair.")
        out.append(key)
    if max(k.weight for k in out) <= 0:
        raise ParameterError("At least one key needs a weight above zero.")
    if not (_real(threshold) and 0 <= threshold <= 100):
        raise ParameterError(f"The threshold must be a score between 0 and 100, not {threshold!r}.")
    if not (_real(margin) and 0 <= margin <= 100):
        raise ParameterError(f"The margin must be between 0 and 100 score points, not {margin!r}.")
    if block is not None and block not in [k.left for k in out]:
        raise ParameterError(f"The blocking column '{block}' is not one of the left table's key columns.")
    if not (isinstance(suffixes, (tuple, list)) and len(suffixes) == 2 and all(isinstance(x, str) for x in suffixes)):
        raise ParameterError("The suffixes for clashing column names must be two pieces of text.")
    if suffixes[0] == suffixes[1]:
        raise ParameterError("The two suffixes for clashing column names must differ.")
    if not (isinstance(max_comparisons, numbers.Integral) and not isinstance(max_comparisons, bool)
            and max_comparisons > 0):
        raise ParameterError(f"The limit on comparisons must be a positive whole number, not {max_comparisons!r}.")
    return out


def _real(value: Any) -> bool:
    """A real number (numpy's too), not a truth value."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _scorer(key: Key, kind: str) -> str:
    if key.scorer != "auto":
        return key.scorer
    return "words" if kind == "text" else "exact"


def _blocks(keys, lcodes, rcodes, block, limit, n_left, n_right, notices) -> tuple[list, int]:
    """(left row positions, right row positions) per block, and the number of pairs compared; refuses above limit."""
    if block is None:
        comparisons = n_left * n_right
        blocks = [(np.arange(n_left), np.arange(n_right))]
        how = (f"Comparing each of the {n_left:,} left records with each of the {n_right:,} right records takes "
               f"{comparisons:,} comparisons per key")
        hint = ("Block on a key that is rarely wrong (a date of birth, a postcode), so only records that agree on it "
                "are compared, or stitch samples of the tables.")
    else:
        position = [k.left for k in keys].index(block)
        lblock, rblock = pd.Series(lcodes[position]), pd.Series(rcodes[position])
        lgroups = lblock.dropna().groupby(lblock.dropna()).groups  # value -> row positions (the index is 0..n-1)
        rgroups = rblock.dropna().groupby(rblock.dropna()).groups
        blocks = [(rows.to_numpy(), rgroups[value].to_numpy()) for value, rows in lgroups.items() if value in rgroups]
        comparisons = int(sum(len(a) * len(b) for a, b in blocks))
        how = f"Blocking on '{block}' still leaves {comparisons:,} comparisons per key"
        hint = "Block on a key with more distinct values, or stitch samples of the tables."
        missing = int(lblock.isna().sum() + rblock.isna().sum())
        if missing:
            notices.append(f"{missing:,} record(s) have no value in the blocking column '{block}' and were compared "
                           "with no one.")
    if comparisons > limit:
        raise DataError(f"{how}, more than the limit of {limit:,}.", hint=hint)
    return blocks, comparisons


def _check_cost(keys, lcodes, rcodes, scorers, comparisons: int, block) -> None:
    """Refuse a stitch whose keys cost more than MAX_KEY_CELLS short comparisons in all: each key's pairs, a fuzzy
    key's weighed by its values' mean length over SHORT_KEY characters (comparing two texts takes time in proportion
    to their length, and more beyond 64 characters)."""
    cost = 0.0
    for lc, rc, scorer in zip(lcodes, rcodes, scorers, strict=True):
        weight = 1.0
        if scorer != "exact":
            lengths = [len(v) for codes in (lc, rc) for v in codes if isinstance(v, str)]
            weight = max(1.0, float(np.mean(lengths)) / SHORT_KEY) if lengths else 1.0
        cost += comparisons * weight
    if cost > MAX_KEY_CELLS:
        how = "after blocking, " if block is not None else ""
        raise DataError(f"Matching on {len(keys)} key{'s' if len(keys) > 1 else ''} of {comparisons:,} record pairs "
                        f"each ({how}with keys of their length) is more than one stitch compares.",
                        hint="Choose fewer or shorter key columns, block on a key that is rarely wrong, or stitch "
                             "samples of the tables.")


def _candidates(blocks, lcodes, rcodes, scorers, weights, threshold, rng, best) -> dict[int, list[tuple[int, float]]]:
    """Each left record's best candidates (at most TOP_CANDIDATES, score >= threshold): {left: [(right, score)]};
    ``best`` (if given) takes each left record's best score."""
    candidates: dict[int, list[tuple[int, float]]] = {}
    for lrows, rrows in blocks:
        combined = _combine([_score_block(lc[lrows], rc[rrows], scorer)
                             for lc, rc, scorer in zip(lcodes, rcodes, scorers, strict=True)], weights)
        if best is not None:
            best[lrows] = np.maximum(best[lrows], combined.max(axis=1))
        top = min(TOP_CANDIDATES, combined.shape[1])
        jitter = rng.random(combined.shape, dtype=np.float32) * 1e-3  # candidates tied at the cut: kept at random
        columns = np.argpartition(-(combined + jitter), top - 1, axis=1)[:, :top]  # each left record's best ones
        kept = np.take_along_axis(combined, columns, axis=1)
        rows, slots = np.nonzero((kept >= threshold) & (kept > 0))  # an unscored pair (0) is never a match
        for i, j in zip(rows, columns[rows, slots], strict=True):
            candidates.setdefault(int(lrows[i]), []).append((int(rrows[j]), float(combined[i, j])))
    return candidates


def _score_block(lvalues: np.ndarray, rvalues: np.ndarray, scorer: str) -> tuple[np.ndarray, np.ndarray]:
    """Scores (0-100) of every left value against every right value, and where both values are present."""
    lmissing, rmissing = pd.isna(lvalues), pd.isna(rvalues)
    if scorer == "exact":
        codes, _ = pd.factorize(np.concatenate([lvalues, rvalues]), use_na_sentinel=True)
        lc, rc = codes[:len(lvalues)], codes[len(lvalues):]
        scores = (lc[:, None] == rc[None, :]).astype(np.float32) * 100  # s = 100·[a = b]
    else:
        function = fuzz.token_sort_ratio if scorer == "words" else fuzz.ratio
        left = ["" if m else v for v, m in zip(lvalues, lmissing, strict=True)]
        right = ["" if m else v for v, m in zip(rvalues, rmissing, strict=True)]
        scores = process.cdist(left, right, scorer=function, dtype=np.float32, workers=1)  # s = 100·(1 - Indel/len)
    return scores, ~lmissing[:, None] & ~rmissing[None, :]


def _combine(scored: list[tuple[np.ndarray, np.ndarray]], weights: np.ndarray) -> np.ndarray:
    """The weighted mean over the keys both records have; 0 where those keys carry under half the total weight."""
    numerator = sum(w * s * present for w, (s, present) in zip(weights, scored, strict=True))  # Σ_k w_k s_k [present]
    weight = sum(w * present for w, (_, present) in zip(weights, scored, strict=True))  # Σ_k w_k [present]
    enough = weight >= MIN_PRESENT_WEIGHT * weights.sum()
    return np.where(enough, numerator / np.where(enough, weight, 1), 0).astype(np.float32)  # S = Σ w s / Σ w


def _assign(candidates: dict[int, list[tuple[int, float]]], margin: float, rng: np.random.Generator):
    """One-to-one assignment: {left: right}, {left: 'certain' | 'uncertain'}, {left: the competing (left, right) pairs}.

    A pair is certain when each record is the other's best free candidate by more than ``margin``. Certain pairs are
    settled in passes (best score first) until none is left; then every other left record, in order of its best free
    score (ties in random order), draws one of its free candidates within ``margin`` of that score.
    """
    by_right: dict[int, list[tuple[int, float]]] = {}
    for row, options in candidates.items():
        for r, score in options:
            by_right.setdefault(r, []).append((row, score))
    for options in by_right.values():  # best first, once: a right record can be the candidate of every left one
        options.sort(key=lambda c: (-c[1], c[0]))
    taken_left: set[int] = set()
    taken_right: set[int] = set()
    chosen: dict[int, int] = {}
    status: dict[int, str] = {}
    tied: dict[int, list[tuple[int, int]]] = {}

    def free(options, taken) -> list[tuple[int, float]]:
        return sorted(((o, s) for o, s in options if o not in taken), key=lambda c: (-c[1], c[0]))

    def rivals_of(r: int, row: int, score: float) -> list[int]:
        """The other free left records within ``margin`` of ``score`` for right record r (the first MAX_RIVALS)."""
        out = []
        for other, s in by_right[r]:
            if score - s > margin or len(out) == MAX_RIVALS:
                break
            if other != row and other not in taken_left:
                out.append(other)
        return out

    def first_free(r: int) -> tuple[int, float] | None:
        return next(((o, s) for o, s in by_right[r] if o not in taken_left), None)

    def clear(options) -> bool:
        return len(options) == 1 or options[0][1] - options[1][1] > margin

    def take(row: int, r: int, how: str) -> None:
        chosen[row], status[row] = r, how
        taken_left.add(row)
        taken_right.add(r)

    order = sorted(candidates, key=lambda row: (-max(s for _, s in candidates[row]), row))
    for _ in range(MAX_PASSES):  # certain pairs first; taking one can make another clear
        settled = len(chosen)
        for row in order:
            options = free(candidates[row], taken_right) if row not in taken_left else []
            if options and clear(options) and first_free(options[0][0])[0] == row \
                    and not rivals_of(options[0][0], row, options[0][1]):  # and no one else within margin of it
                take(row, options[0][0], "certain")
        if len(chosen) == settled:
            break
    rest = [row for row in order if row not in taken_left]
    rest = [rest[i] for i in rng.permutation(len(rest))]  # equal scores are settled in random order
    best_free = {row: free(candidates[row], taken_right)[:1] for row in rest}
    rest.sort(key=lambda row: -best_free[row][0][1] if best_free[row] else 1.0)
    for row in rest:
        options = free(candidates[row], taken_right)
        if not options:
            continue
        close = [r for r, s in options if options[0][1] - s <= margin]
        pick = close[int(rng.integers(len(close)))]  # probabilistic concatenation: one of the close candidates
        score = dict(options)[pick]
        rivals = rivals_of(pick, row, score)
        if len(close) == 1 and not rivals:
            take(row, pick, "certain")
            continue
        tied[row] = [(row, r) for r in close] + [(other, pick) for other in rivals]
        take(row, pick, "uncertain")
    return chosen, status, tied


def _pairs(left, right, keys, chosen, status, tied, candidates, lcodes, rcodes, scorers) -> pd.DataFrame:
    """One line per chosen pair and per competing pair of an uncertain match, with both sides' keys and scores."""
    score_of = {(row, r): s for row, options in candidates.items() for r, s in options}
    lines = []
    for row in sorted(chosen):
        for a, b in tied.get(row, [(row, chosen[row])]):
            line = {"left row": a, "right row": b, "status": status[row], "chosen": (a, b) == (row, chosen[row]),
                    "score": round(score_of[a, b], 1)}
            for k, key in enumerate(keys):
                line[f"left: {key.left}"] = left[key.left].iloc[a]
                line[f"right: {key.right}"] = right[key.right].iloc[b]
                line[f"score: {key.left}"] = round(_pair_score(lcodes[k][a], rcodes[k][b], scorers[k]), 1)
            lines.append(line)
    columns = ["left row", "right row", "status", "chosen", "score"]
    for key in keys:
        columns += [f"left: {key.left}", f"right: {key.right}", f"score: {key.left}"]
    return pd.DataFrame(lines, columns=list(dict.fromkeys(columns)))


def _pair_score(a: Any, b: Any, scorer: str) -> float:
    """One key's score of one pair (as ``_score_block`` gives it), NaN where either value is missing."""
    if pd.isna(a) or pd.isna(b):
        return float("nan")
    if scorer == "exact":
        return 100.0 if a == b else 0.0
    return float(np.float32((fuzz.token_sort_ratio if scorer == "words" else fuzz.ratio)(a, b)))


def _join(left, right, keys, kinds, lcodes, rcodes, chosen, status, suffixes, recoding):
    """The outer join: left rows with their matches' attributes, then the unmatched right rows."""
    right_keys = {k.right for k in keys}
    left_keys = [k.left for k in keys]
    left_rest = [c for c in left.columns if c not in left_keys]
    right_rest = [c for c in right.columns if c not in right_keys]
    clash = set(left_rest) & set(right_rest) | set(left_keys) & set(right_rest)
    used = set(left.columns)
    names = {}
    for c in left_rest:
        if c in clash:
            names[c] = _fresh(f"{c}{suffixes[0]}", used)
    left_named = left.rename(columns=names)
    left_named = left_named.astype(_nullable(left_named.dtypes))  # the unmatched right rows leave them missing
    right_names = {}
    used = set(left_named.columns)
    for c in right_rest:
        right_names[c] = _fresh(f"{c}{suffixes[1]}", used) if c in clash or c in used else c
        used.add(right_names[c])

    matched_right = np.full(len(left), -1)
    for row, r in chosen.items():
        matched_right[row] = r
    taken = matched_right >= 0
    right_part = right[right_rest].rename(columns=right_names).iloc[np.where(taken, matched_right, 0)]
    right_part = right_part.reset_index(drop=True).astype(_nullable(right_part.dtypes))
    right_part.loc[~taken] = None
    top = pd.concat([left_named.reset_index(drop=True), right_part], axis=1)
    dates = {key.left: _as_dates(lc, rc) for key, kind, lc, rc in zip(keys, kinds, lcodes, rcodes, strict=True)
             if kind == "date"}  # a date key is written once, as a date, whatever format either side used
    for column, (lc, _) in dates.items():
        top[column] = lc

    unused = np.setdiff1d(np.arange(len(right)), matched_right[taken])
    bottom = right[right_rest].rename(columns=right_names).iloc[unused].reset_index(drop=True)
    for key in keys:
        values = right[key.right].iloc[unused].reset_index(drop=True)
        bottom[key.left] = dates[key.left][1].iloc[unused].reset_index(drop=True) if key.left in dates else values
    table = pd.concat([top, bottom[[c for c in top.columns if c in bottom.columns]]], ignore_index=True)
    table = table[list(top.columns)]
    row_status = pd.Series([status.get(i, "left only") for i in range(len(left))] + ["right only"] * len(unused),
                           name="match", dtype=object)
    return table, row_status


def _as_dates(lcodes: np.ndarray, rcodes: np.ndarray) -> tuple[pd.Series, pd.Series]:
    """A date key's recoded values (ISO 8601 text) as dates, both sides alike; as that text where some date is outside
    what pandas' dates hold (before 1677 or after 2262), so no value is lost."""
    both = pd.Series(np.concatenate([lcodes, rcodes]), dtype=object)
    dates = pd.to_datetime(both, errors="coerce", format="ISO8601")
    out = dates if dates.notna().sum() == both.notna().sum() else both
    return out.iloc[:len(lcodes)].reset_index(drop=True), out.iloc[len(lcodes):].reset_index(drop=True)


def _nullable(dtypes: pd.Series) -> dict:
    """Dtypes that can hold a missing value: integers and booleans become pandas' nullable ones (a sparse column
    dense first)."""
    out = {}
    for column, dtype in dtypes.items():
        base = dtype.subtype if isinstance(dtype, pd.SparseDtype) else dtype
        if pd.api.types.is_bool_dtype(base):
            out[column] = "boolean"
        elif pd.api.types.is_integer_dtype(base) and not isinstance(base, pd.api.extensions.ExtensionDtype):
            out[column] = "UInt64" if pd.api.types.is_unsigned_integer_dtype(base) else "Int64"
        elif pd.api.types.is_integer_dtype(base) or pd.api.types.is_float_dtype(base):
            out[column] = base  # (already nullable, or a float: NaN)
        else:
            out[column] = object if isinstance(dtype, pd.SparseDtype) else dtype
    return out


def _fresh(name: str, used: set) -> str:
    """``name``, or ``name_2``, ``name_3`` ... whichever is not yet used."""
    candidate, n = name, 1
    while candidate in used:
        n += 1
        candidate = f"{name}_{n}"
    used.add(candidate)
    return candidate


# --------------------------------------------------------------------------- the bundled demo


DEMO_DIR = Path(__file__).resolve().parent.parent / "assets" / "stitch"
DEMO = {  # file stem: what the table is (assets/stitch/make.py writes them; truth.csv holds the true matching)
    "customers": "A shop's customer register: 800 people, ISO dates, full addresses.",
    "loyalty": "The loyalty-card system: 700 members, 600 of them customers, keyed by another hand (no accents, "
               "'Last, First', typos, dd/mm/yyyy dates, St/Rd/Ave).",
    "survey": "A satisfaction survey: 300 answers, 250 from customers, dates written '07 Mar 1985'.",
}


def demo_table(stem: str) -> pd.DataFrame:
    """One of the bundled demo tables, read as an upload would be."""
    if stem not in DEMO:
        raise DataError(f"There is no demo table '{stem}'.", hint="Use one of: " + ", ".join(DEMO) + ".")
    return read_table(DEMO_DIR / f"{stem}.csv")
