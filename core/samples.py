"""The bundled sample datasets: what each one teaches, and its natural target column."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from core.errors import DataError

SAMPLES_DIR = Path(__file__).resolve().parent.parent / "assets" / "samples"


@dataclass(frozen=True)
class Sample:
    key: str
    title: str
    teaches: str
    target: str | None

    @property
    def path(self) -> Path:
        return SAMPLES_DIR / f"{self.key}.csv"


SAMPLES = {s.key: s for s in [
    Sample("penguins", "Palmer penguins", "344 penguins of 3 species: mixed numbers and labels with a "
           "few gaps, a clean first dataset for every method.", "species"),
    Sample("airquality", "New York air quality, 1973", "real missing Ozone and Solar.R readings: the "
           "reference dataset for Little's MCAR test and for imputation.", None),
    Sample("air_daily", "New York air quality by day, 1973", "the same readings on a date axis: a date "
           "column in the profile, in synthesis (dates come back as whole days) and in the comparisons.", None),
    Sample("birthwt", "Low birth weight", "189 births, 31% of them low weight: an imbalanced binary "
           "target and integer codes (race 1/2/3) for SMOTE and friends.", "low"),
    Sample("msleep", "Mammal sleep", "83 mammals, mixed kinds and many missing values: the testing "
           "ground for imputation.", "vore"),
    Sample("titanic", "Titanic passengers", "1,316 passengers described only by categories: synthesis "
           "of purely categorical data.", "survived"),
    Sample("pima_tr", "Pima diabetes", "200 women, one in three diabetic: a small, imbalanced "
           "classification task.", "type"),
    Sample("salaries", "Professors' salaries", "397 salaries by rank, discipline, years and sex: "
           "regression, group means and conditional distributions.", "salary"),
]}
DEFAULT_SAMPLE = "penguins"


def sample(key: str) -> Sample:
    if key not in SAMPLES:
        raise DataError(f"There is no bundled sample called '{key}'.",
                        hint="Choose one of: " + ", ".join(SAMPLES) + ".")
    return SAMPLES[key]
