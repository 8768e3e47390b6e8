"""What the differentially private methods share: the budget's parameters, its accounting, and the card that
says in plain words what the budget promises.

**The promise.** A randomised algorithm M is (ε, δ)-differentially private (Dwork et al. 2006) when, for any
two tables D and D′ that differ by one person's row (added or removed) and any set S of outputs,
P[M(D) ∈ S] ≤ e^ε · P[M(D′) ∈ S] + δ. Whatever an attacker knew beforehand, seeing the output changes their
odds that any one person was in the table by at most a factor e^ε, except with probability δ.

**Accounting.** Both methods are accounted in Rényi differential privacy (Mironov 2017): a mechanism with
Rényi divergence ε(α) of order α composes by adding the curves, and converts to (ε, δ) through
ε = min_α ε(α) + log((α − 1)/α) − (log δ + log α)/(α − 1) (Balle et al. 2020), which is opacus's
``get_privacy_spent``. The marginal method spends its budget in zero-concentrated DP (Bun & Steinke 2016):
ρ-zCDP is Rényi DP with the straight line ε(α) = ρα, so the same conversion gives its (ε, δ), and the ρ a
target (ε, δ) allows is found by bisection on it. DP-SGD's subsampled Gaussian steps are accounted by opacus's
``RDPAccountant`` (Mironov et al. 2019).

**δ.** "auto" is 10⁻⁵, or 1/n^1.1 where that is smaller (n rows learned from): δ must stay well below 1/n,
since a mechanism that publishes one random row outright is (0, 1/n)-private. A δ chosen by hand at or
above 1/n is refused.

**What is not covered** (said on the card and in every run's notes): the column list, the kinds, the
categories seen, the range (minimum and maximum) of each number column and the number of rows are read
from the data without noise, as public knowledge about the table; a table where they themselves identify
someone needs them declared, not read.

References: C. Dwork, F. McSherry, K. Nissim, A. Smith, "Calibrating noise to sensitivity in private data
analysis", TCC 2006. I. Mironov, "Rényi differential privacy", CSF 2017. M. Bun, T. Steinke, "Concentrated
differential privacy: simplifications, extensions, and lower bounds", TCC 2016. B. Balle, G. Barthe,
M. Gaboardi, J. Hsu, T. Sato, "Hypothesis testing interpretations and Rényi differential privacy",
AISTATS 2020.
"""

from __future__ import annotations

import math

import numpy as np
from opacus.accountants.analysis.rdp import get_privacy_spent
from scipy import optimize

from core.errors import ParameterError
from core.params import Family, Param

PRIVATE = Family("Differential privacy (a provable bound on what any one row gives away)", 40,
                 "Noise calibrated to a privacy budget ε: each person's influence on the output is provably "
                 "small; fidelity is the price.")

EPSILONS = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0)  # a log scale: each step about 3x
DELTAS = ("auto", 1e-5, 1e-6, 1e-7, 1e-8, 1e-9)
AUTO_DELTA = 1e-5
ORDERS = np.geomspace(1.001, 1e6, 3_000)  # Rényi orders α: fine enough for ε from 0.01 (large α) to 100 (α near 1)


def budget_params() -> tuple[Param, ...]:
    return (
        Param("epsilon", "choice", 1.0, "The privacy budget ε: how much any one row may change what comes out "
              "(by a factor of at most e^ε in odds). Smaller is more private and less faithful: 0.1 strong, 1 "
              "common, 10 weak.", choices=EPSILONS),
        Param("delta", "choice", "auto", "The small probability δ that the ε bound fails. auto: 1e-5, or "
              "1/n^1.1 for tables of more than 35,000 rows; it must stay well below 1/n.", choices=DELTAS),
    )


def delta_for(delta: float | str, n: int) -> float:
    """The δ a fit on ``n`` rows uses: 'auto' is min(1e-5, 1/n^1.1); a δ at or above 1/n is refused."""
    if delta == "auto":
        return min(AUTO_DELTA, n ** -1.1)  # δ = min(10⁻⁵, n^−1.1)
    if delta >= 1 / n:
        raise ParameterError(f"δ = {delta:g} is not below 1/n = {1 / n:.2g} for {n:,} rows: the promise would "
                             "allow one row to be published outright.", hint="Choose a smaller δ, or 'auto'.")
    return float(delta)


def zcdp_epsilon(rho: float, delta: float) -> float:
    """The ε of ρ-zCDP at ``delta``: its Rényi curve ε(α) = ρα converted by opacus (Balle et al. 2020)."""
    epsilon, _ = get_privacy_spent(orders=ORDERS, rdp=rho * ORDERS, delta=delta)  # ε(α) = ρα
    return float(epsilon)


def zcdp_rho(epsilon: float, delta: float) -> float:
    """The largest ρ whose zCDP guarantee converts to at most ``epsilon`` at ``delta`` (bisection on log ρ)."""
    log_rho = optimize.brentq(lambda t: zcdp_epsilon(math.exp(t), delta) - epsilon, -40.0, 10.0, xtol=1e-10)
    return math.exp(log_rho) * (1 - 1e-9)  # just inside, so the spent ε never exceeds the one asked


BUDGET_CARD = """
**What ε promises.** Whatever an attacker knew before, looking at the synthetic table changes their odds that
any one person was in the real table by at most a factor of e^ε (with ε = 1, odds of 1 in 10 can become at most
about 1 in 4), except with a tiny probability δ. It holds for every person at once and against any later
analysis of the output, however clever.

**What it does not promise.** It does not hide facts about the population: if smokers in the data get cancer
more often, the synthetic table may say so, and that tells something about every smoker, in the data or not.
It does not make the table accurate: a small ε adds more noise, so the relationships between columns (and at
ε near 0.01 even each column's shape) fade. And it covers only what the noise covers: here the list of columns,
their kinds, the categories seen, each number column's range (minimum and maximum) and the number of rows are
read from the data without noise, as if they were public knowledge; anything done to the table beforehand
(an imputation fitted on it, bounds taken from it) is outside the promise too.

**Reading the run.** Every run records ε and δ in its settings and the budget actually spent in its notes.
Running the method again on the same table spends the budget again: two runs at ε = 1 together promise ε = 2.
The noise here comes from a seeded generator, so that the same seed gives the same table; that suits teaching
and comparing, but a release to adversaries wants a cryptographically secure source of noise as well.
"""
