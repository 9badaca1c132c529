"""Bradley-Terry ratings from battles (C++ Newton with Eigen): against SciPy on the same
likelihood, known strengths, bootstrap vs standard errors, determinism, and input errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, special

import aicast as ac

ELO = 400 / np.log(10)


def simulate_battles(strength_elo, n, seed, tie_rate=0.1):
    rng = np.random.default_rng(seed)
    names = [f"m{i}" for i in range(len(strength_elo))]
    a = rng.integers(0, len(names), n)
    b = (a + rng.integers(1, len(names), n)) % len(names)
    p = special.expit((np.asarray(strength_elo)[a] - np.asarray(strength_elo)[b]) / ELO)
    u = rng.random(n)
    tie = rng.random(n) < tie_rate
    winner = np.where(tie, "tie", np.where(u < p, "model_a", "model_b"))
    return pd.DataFrame({"model_a": np.array(names)[a], "model_b": np.array(names)[b], "winner": winner})


def scipy_ratings(battles, names, ridge=0.0):
    idx = {m: i for i, m in enumerate(names)}
    a = battles["model_a"].map(idx).to_numpy()
    b = battles["model_b"].map(idx).to_numpy()
    s = battles["winner"].map({"model_a": 1.0, "model_b": 0.0, "tie": 0.5}).to_numpy()

    n = len(names)

    def nll(x):
        full = np.append(x, -x.sum())  # sum-zero constraint
        d = full[a] - full[b]
        value = -np.sum(s * special.log_expit(d) + (1 - s) * special.log_expit(-d)) + 0.5 * ridge * full @ full
        g = special.expit(d) - s  # d value / d d, per battle
        grad = np.bincount(a, g, n) - np.bincount(b, g, n) + ridge * full
        return value, grad[:-1] - grad[-1]

    # analytic gradient: the optimum to ~1e-10, so the comparison is limited by the engine only
    x = optimize.minimize(nll, np.zeros(n - 1), jac=True, method="BFGS", options=dict(gtol=1e-10)).x
    return 1000 + ELO * np.append(x, -x.sum())


TRUE = np.array([0.0, 60.0, -40.0, 120.0, 20.0, -90.0])


def test_matches_scipy_and_recovers_known_strengths():
    battles = simulate_battles(TRUE, 20_000, seed=1)
    r = ac.fit.bradley_terry(battles)
    names = [f"m{i}" for i in range(len(TRUE))]
    want = scipy_ratings(battles, names)
    np.testing.assert_allclose(r.loc[names, "rating"], want, atol=1e-4)
    assert r["rating"].is_monotonic_decreasing
    np.testing.assert_allclose(r["rating"].mean(), 1000.0, atol=1e-9)
    # the truth (centred at 1000) lies within 4 standard errors of every estimate
    truth = 1000 + TRUE - TRUE.mean()
    assert np.all(np.abs(r.loc[names, "rating"].to_numpy() - truth) < 4 * r.loc[names, "se"].to_numpy())
    assert r["battles"].sum() == 2 * len(battles)


def test_ridge_matches_scipy_and_keeps_an_unbeaten_model_finite():
    battles = simulate_battles(TRUE, 3000, seed=2, tie_rate=0.0)
    # m5 never wins: no finite maximum-likelihood rating
    lost = (battles["model_a"] == "m5") & (battles["winner"] == "model_a") | (
        (battles["model_b"] == "m5") & (battles["winner"] == "model_b"))
    battles.loc[lost, "winner"] = np.where(battles.loc[lost, "model_a"] == "m5", "model_b", "model_a")
    with pytest.raises(ValueError, match=r"no finite maximum-likelihood ratings: model 'm5' never won a battle against the other models it played; add battles or set ridge > 0"):
        ac.fit.bradley_terry(battles)
    r = ac.fit.bradley_terry(battles, ridge=0.5)
    names = [f"m{i}" for i in range(len(TRUE))]
    np.testing.assert_allclose(r.loc[names, "rating"], scipy_ratings(battles, names, ridge=0.5), atol=1e-4)
    assert r.index[-1] == "m5"


def test_bootstrap_agrees_with_standard_errors_and_is_deterministic():
    battles = simulate_battles(TRUE, 8000, seed=3)
    r1 = ac.fit.bradley_terry(battles, bootstrap=200, seed=5, threads=1)
    r2 = ac.fit.bradley_terry(battles, bootstrap=200, seed=5, threads=2)
    np.testing.assert_array_equal(r1.attrs["bootstrap"], r2.attrs["bootstrap"])
    sd = r1.attrs["bootstrap"].std(axis=0, ddof=1)
    # 200 replicates estimate a standard deviation to about 5% (1 / sqrt(2 * 199))
    np.testing.assert_allclose(sd, r1["se"].to_numpy(), rtol=0.2)
    assert np.all(r1["lo"] < r1["rating"]) and np.all(r1["rating"] < r1["hi"])
    r3 = ac.fit.bradley_terry(battles, bootstrap=200, seed=6)
    assert not np.array_equal(r1.attrs["bootstrap"], r3.attrs["bootstrap"])


def test_leaderboard_table_feeds_the_gap_fit():
    # 24 months; each month a new closed and a new open model join, stronger than the last
    rng = np.random.default_rng(4)
    frames = []
    strengths: dict[str, float] = {}
    for m in range(24):
        strengths[f"closed{m}"] = 8.0 * m + rng.normal(0, 10)
        strengths[f"open{m}"] = 8.0 * m - 40 + rng.normal(0, 15)
        names = list(strengths)
        s = np.array([strengths[x] for x in names])
        n = 1500
        a = rng.integers(0, len(names), n)
        b = (a + rng.integers(1, len(names), n)) % len(names)
        win = rng.random(n) < special.expit((s[a] - s[b]) / ELO)
        frames.append(pd.DataFrame({"model_a": np.array(names)[a], "model_b": np.array(names)[b],
                                    "winner": np.where(win, "model_a", "model_b"),
                                    "tstamp": (pd.Timestamp("2023-01-15") + pd.DateOffset(months=m)).timestamp()}))
    battles = pd.concat(frames, ignore_index=True)
    table = ac.fit.leaderboard_table(battles, open_models=[f"open{m}" for m in range(24)])
    assert list(table.columns) == ["month", "best_closed", "best_closed_model", "best_open", "best_open_model",
                                   "gap", "n_models"]
    assert len(table) == 24 and table["month"].iloc[0] == "2023-01"
    fit = ac.fit.leaderboard_gap(table)
    # the frontier rises about 8 points a month; the gap hovers around 40
    lo, hi = fit.estimates.loc["closed_drift_per_month", ["lo90", "hi90"]]
    assert lo < 8 < hi
    assert 10 < table["gap"].mean() < 70


@pytest.mark.parametrize(
    ("battles", "kwargs", "match"),
    [
        (pd.DataFrame({"model_a": ["x", "x"], "model_b": ["y", "x"], "winner": ["model_a", "tie"]}), {},
         r"battle 1 pits model 'x' against itself"),
        (pd.DataFrame({"model_a": ["x"], "model_b": ["x"], "winner": ["model_a"]}), {},
         r"need at least 2 models, got 1"),
        (pd.DataFrame({"model_a": ["x", "y"], "model_b": ["y", "x"], "winner": ["model_a", "draw"]}), {},
         r"winner must be 'model_a', 'model_b' or start with 'tie', got 'draw'"),
        (pd.DataFrame({"model_a": ["x", "y", "z", "w"], "model_b": ["y", "x", "w", "z"],
                       "winner": ["model_a"] * 4}), {}, r"do not connect model 'z' to model 'x'"),
        (pd.DataFrame({"a": ["x"], "model_b": ["y"], "winner": ["model_a"]}), {}, r"no column 'model_a'"),
        (pd.DataFrame({"model_a": ["x", "y"], "model_b": ["y", "x"], "winner": ["model_a", "model_a"]}),
         {"ridge": -1.0}, r"ridge must be non-negative, got -1"),
        (pd.DataFrame({"model_a": ["x", "y"], "model_b": ["y", "x"], "winner": ["model_a", "model_a"]}),
         {"level": 1.5}, r"level must be in \(0, 1\)"),
    ],
)
def test_bad_battles_raise_naming_the_problem(battles, kwargs, match):
    with pytest.raises(ValueError, match=match):
        ac.fit.bradley_terry(battles, **kwargs)
