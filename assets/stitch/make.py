"""Make the bundled stitching demo: three partial tables about the same people, with messy keys and a known truth.

Run once from the project's root (``python assets/stitch/make.py``); the output is committed, and the same seed
writes the same files byte for byte.

- ``customers.csv``: a shop's customer register (800 people): name, ISO date of birth, street address, town, and
  attributes. Some 40 households hold a parent and a child of the same name at the same address.
- ``loyalty.csv``: the loyalty-card system (600 of those customers and 100 others): names without accents, often
  upper case or written "Last, First", some with a typo; dates of birth as dd/mm/yyyy, a few missing or mistyped;
  addresses abbreviated (St, Rd, Ave); towns in capitals. Half of the household members hold a family card that
  has no date of birth, so parent and child are equally good candidates for it.
- ``survey.csv``: a satisfaction survey (250 customers, 50 others): names as typed, dates as "07 Mar 1985".
- ``truth.csv``: which records are the same person (customer_no, member_id, response_id). Stitching never sees it;
  the tests measure precision and recall against it.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
SEED = 17
FIRST = ["José", "María", "Zoë", "Chloé", "Renée", "François", "Jürgen", "Inés", "Noël", "Björn", "Ana", "Lucía",
         "John", "Mary", "James", "Sarah", "David", "Emma", "Michael", "Olivia", "Thomas", "Sophie", "Daniel",
         "Hannah", "Peter", "Laura", "Paul", "Anna", "Mark", "Julia", "Andrew", "Clara", "Robert", "Eva", "Simon",
         "Léa", "Hélène", "Øystein", "Åsa", "Željko", "Ewa", "Marek", "Ivan", "Nina", "Omar", "Aisha", "Raj",
         "Priya", "Chen", "Mei", "Kenji", "Yuki", "Ahmed", "Fatima", "Liam", "Grace", "Ethan", "Ruby", "Noah", "Ella"]
LAST = ["Müller", "García", "Núñez", "O'Brien", "Smith", "Jones", "Lefèvre", "Martínez", "Dubois", "Kowalski",
        "Brown", "Taylor", "Wilson", "Evans", "Thomas", "Roberts", "Walker", "Wright", "Hughes", "Green",
        "Hall", "Wood", "Clarke", "Jackson", "Turner", "Hill", "Moore", "White", "Harris", "Martin", "Cooper",
        "Ward", "Morris", "King", "Baker", "Patel", "Khan", "Singh", "Nguyen", "Kim", "Schäfer", "Weiß",
        "Fernández", "López", "Rodríguez", "Gómez", "Pérez", "Sánchez", "Dvořák", "Novák", "Horváth", "Nowak",
        "Jensen", "Hansen", "Larsen", "Ó Súilleabháin", "MacDonald", "Fitzgerald", "Van der Berg", "De Luca"]
STREETS = [("High", "Street"), ("Station", "Road"), ("Church", "Lane"), ("Park", "Avenue"), ("Mill", "Street"),
           ("Victoria", "Road"), ("Green", "Lane"), ("King", "Street"), ("Queens", "Drive"), ("Manor", "Road"),
           ("Chestnut", "Avenue"), ("Orchard", "Lane"), ("Bridge", "Street"), ("Castle", "Drive"), ("Elm", "Road")]
SHORT = {"Street": ["St", "St.", "Str."], "Road": ["Rd", "Rd."], "Avenue": ["Ave", "Ave.", "Av."], "Lane": ["Ln"],
         "Drive": ["Dr", "Dr."]}
TOWNS = ["Ashford", "Bexley", "Carlton", "Dunmore", "Elmstead", "Fairview", "Glenwood", "Hollybrook"]
N_CUSTOMERS, N_LOYALTY_SHARED, N_LOYALTY_ONLY, N_SURVEY_SHARED, N_SURVEY_ONLY, N_HOUSEHOLDS = 800, 600, 100, 250, 50, 40


def ascii_fold(text: str) -> str:
    """What a system without accents stores: é -> e (letters such as ø, which do not decompose, stay)."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def typo(text: str, rng: np.random.Generator) -> str:
    """One keying error away from ``text``: a letter substituted, dropped or swapped with its neighbour."""
    positions = [i for i, c in enumerate(text) if c.isalpha() and i > 0]
    i = positions[int(rng.integers(len(positions)))]
    how = rng.integers(3)
    if how == 0:
        return text[:i] + "abcdefghijklmnopqrstuvwxyz"[int(rng.integers(26))] + text[i + 1:]
    if how == 1:
        return text[:i] + text[i + 1:]
    return text[:i - 1] + text[i] + text[i - 1] + text[i + 1:]


def people(n: int, rng: np.random.Generator) -> pd.DataFrame:
    first = rng.choice(FIRST, n)
    last = rng.choice(LAST, n)
    born = pd.Timestamp("1940-01-01") + pd.to_timedelta(rng.integers(0, 365 * 64, n), unit="D")
    street = [STREETS[i] for i in rng.integers(len(STREETS), size=n)]
    return pd.DataFrame({
        "first": first, "last": last, "born": born,
        "number": rng.integers(1, 200, n), "street": [s[0] for s in street], "type": [s[1] for s in street],
        "town": rng.choice(TOWNS, n), "household": False})


def add_households(register: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Parents and children of the same name at the same address, born 25-35 years apart."""
    older = np.flatnonzero(register["born"].iloc[:len(register) - N_HOUSEHOLDS] < pd.Timestamp("1975-01-01"))
    parents = rng.choice(older, N_HOUSEHOLDS, replace=False)
    children = len(register) - N_HOUSEHOLDS + np.arange(N_HOUSEHOLDS)
    register.loc[np.concatenate([parents, children]), "household"] = True
    for parent, child in zip(parents, children, strict=True):
        for column in ("first", "last", "number", "street", "type", "town"):
            register.loc[child, column] = register.loc[parent, column]
        years = int(rng.integers(25, 36))
        register.loc[child, "born"] = register.loc[parent, "born"] + pd.DateOffset(years=years, days=int(
            rng.integers(-100, 100)))
    return register


def loyalty_view(p: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """The same people as the loyalty system stores them."""
    names, dobs, addresses, towns = [], [], [], []
    for row in p.itertuples():
        first, last = ascii_fold(row.first), ascii_fold(row.last)
        name = f"{last}, {first}" if rng.random() < 0.35 else f"{first} {last}"
        name = typo(name, rng) if rng.random() < 0.15 else name
        name = name.upper() if rng.random() < 0.25 else name
        names.append(name.replace(" ", "  ", 1) if rng.random() < 0.05 else name)
        born = row.born
        if rng.random() < 0.02:  # a day keyed wrongly
            born = born + pd.Timedelta(days=int(rng.choice([-1, 1, 10, -10])))
        dobs.append(None if rng.random() < (0.5 if row.household else 0.04) else born.strftime("%d/%m/%Y"))
        kind = rng.choice(SHORT[row.type]) if rng.random() < 0.6 else row.type
        address = f"{row.number}{',' if rng.random() < 0.2 else ''} {row.street} {kind}"
        address = typo(address, rng) if rng.random() < 0.08 else address
        addresses.append(None if rng.random() < 0.03 else address)
        towns.append(None if rng.random() < 0.05 else (row.town.upper() if rng.random() < 0.3 else row.town))
    return pd.DataFrame({"Name": names, "Date of birth": dobs, "Address": addresses, "Town": towns})


def survey_view(p: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    names = [(f"{r.first} {r.last}".lower() if rng.random() < 0.3 else f"{r.first} {r.last}") for r in p.itertuples()]
    names = [typo(n, rng) if rng.random() < 0.1 else n for n in names]
    return pd.DataFrame({"name": names, "Date of Birth": p["born"].dt.strftime("%d %b %Y").to_numpy()})


def main() -> None:
    rng = np.random.default_rng(SEED)
    register = add_households(people(N_CUSTOMERS, rng), rng)
    register["customer_no"] = [f"C{i:05d}" for i in rng.permutation(N_CUSTOMERS) + 1]
    customers = pd.DataFrame({
        "customer_no": register["customer_no"],
        "name": register["first"] + " " + register["last"],
        "date_of_birth": register["born"].dt.strftime("%Y-%m-%d"),
        "address": register["number"].astype(str) + " " + register["street"] + " " + register["type"],
        "town": register["town"],
        "segment": rng.choice(["retail", "business", "student"], N_CUSTOMERS, p=[0.7, 0.2, 0.1]),
        "customer_since": rng.integers(2005, 2025, N_CUSTOMERS),
        "balance": np.round(rng.gamma(2.0, 150.0, N_CUSTOMERS), 2),
    })

    shared = rng.choice(N_CUSTOMERS, N_LOYALTY_SHARED, replace=False)
    others = people(N_LOYALTY_ONLY, rng)
    members = pd.concat([register.iloc[shared], others], ignore_index=True)
    loyalty = loyalty_view(members, rng)
    n = len(loyalty)
    loyalty.insert(0, "member_id", [f"L-{i:06d}" for i in rng.choice(900_000, n, replace=False) + 100_000])
    loyalty["tier"] = rng.choice(["bronze", "silver", "gold"], n, p=[0.6, 0.3, 0.1])
    loyalty["visits_last_year"] = rng.poisson(12, n)
    loyalty["balance"] = rng.integers(0, 5000, n).astype(float)  # loyalty points: a clash with the register's
    loyalty["customer_no"] = list(register["customer_no"].iloc[shared]) + [None] * N_LOYALTY_ONLY
    order = rng.permutation(n)
    loyalty = loyalty.iloc[order].reset_index(drop=True)

    surveyed = rng.choice(N_CUSTOMERS, N_SURVEY_SHARED, replace=False)
    respondents = pd.concat([register.iloc[surveyed], people(N_SURVEY_ONLY, rng)], ignore_index=True)
    survey = survey_view(respondents, rng)
    m = len(survey)
    survey.insert(0, "response_id", [f"R{i:04d}" for i in range(1, m + 1)])
    survey["satisfaction"] = rng.integers(1, 6, m)
    survey["channel"] = rng.choice(["web", "phone", "store"], m)
    survey["customer_no"] = list(register["customer_no"].iloc[surveyed]) + [None] * N_SURVEY_ONLY
    survey = survey.iloc[rng.permutation(m)].reset_index(drop=True)
    survey["response_id"] = [f"R{i:04d}" for i in range(1, m + 1)]

    truth = customers[["customer_no"]].merge(loyalty[["customer_no", "member_id"]], how="outer", on="customer_no")
    truth = truth.merge(survey[["customer_no", "response_id"]], how="outer", on="customer_no")
    extra = pd.concat([loyalty.loc[loyalty["customer_no"].isna(), ["member_id"]],
                       survey.loc[survey["customer_no"].isna(), ["response_id"]]], ignore_index=True)
    truth = pd.concat([truth[truth["customer_no"].notna()], extra], ignore_index=True)

    customers.to_csv(HERE / "customers.csv", index=False)
    loyalty.drop(columns="customer_no").to_csv(HERE / "loyalty.csv", index=False)
    survey.drop(columns="customer_no").to_csv(HERE / "survey.csv", index=False)
    truth.to_csv(HERE / "truth.csv", index=False)


if __name__ == "__main__":
    main()
