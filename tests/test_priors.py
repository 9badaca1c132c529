"""Priors against SciPy: ppf/cdf to 1e-10, samples by KS tests, means, intervals, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import optimize, stats

import aicast as ac


def _mixture_ref():
    w = np.array([0.3, 0.7])
    comps = [stats.norm(0, 1), stats.norm(3, 0.5)]

    class Ref:
        def cdf(self, x):
            return sum(wi * c.cdf(x) for wi, c in zip(w, comps))

        def ppf(self, q):
            return np.array([optimize.brentq(lambda x: self.cdf(x) - qi, -20, 20, xtol=1e-14) for qi in np.atleast_1d(q)])

        def mean(self):
            return float(w @ [c.mean() for c in comps])

    return Ref()


def _trunc_lognormal_ref(mu, sigma, a, b):
    base = stats.lognorm(s=sigma, scale=math.exp(mu))
    fa, fb = base.cdf(a), base.cdf(b)

    class Ref:
        def cdf(self, x):
            return np.clip((base.cdf(x) - fa) / (fb - fa), 0, 1)

        def ppf(self, q):
            return base.ppf(fa + np.asarray(q) * (fb - fa))

        def mean(self):
            from scipy import integrate

            return integrate.quad(lambda x: x * base.pdf(x), a, b, epsabs=1e-13)[0] / (fb - fa)

    return Ref()


z95 = stats.norm.ppf(0.95)
CASES = [
    ("normal", ac.normal(1.5, 2.0), stats.norm(1.5, 2.0)),
    ("lognormal", ac.lognormal(0.3, 0.8), stats.lognorm(s=0.8, scale=math.exp(0.3))),
    ("uniform", ac.uniform(-1.0, 3.0), stats.uniform(-1.0, 4.0)),
    ("triangular", ac.triangular(0.0, 1.0, 4.0), stats.triang(c=0.25, loc=0.0, scale=4.0)),
    ("pert", ac.pert(1.0, 2.0, 6.0), stats.beta(1.8, 4.2, loc=1.0, scale=5.0)),
    ("beta", ac.beta(2.0, 5.0), stats.beta(2.0, 5.0)),
    ("gamma", ac.gamma(2.5, 1.5), stats.gamma(2.5, scale=1.5)),
    ("gamma<1", ac.gamma(0.4, 2.0), stats.gamma(0.4, scale=2.0)),
    ("student_t", ac.student_t(4.0, 1.0, 2.0), stats.t(4.0, 1.0, 2.0)),
    ("truncnorm", ac.truncate(ac.normal(0, 1), -0.5, 2.0), stats.truncnorm(-0.5, 2.0)),
    ("trunc lognormal", ac.truncate(ac.lognormal(0, 1), 0.5, 3.0), _trunc_lognormal_ref(0, 1, 0.5, 3.0)),
    ("mixture", ac.mixture([ac.normal(0, 1), ac.normal(3, 0.5)], [3, 7]), _mixture_ref()),
    ("to lognormal", ac.to(3, 30), stats.lognorm(s=(math.log(30) - math.log(3)) / (2 * z95), scale=math.sqrt(90))),
    ("to normal", ac.to(-1, 5), stats.norm(2.0, 3.0 / z95)),
]
IDS = [c[0] for c in CASES]
Q = np.array([1e-6, 1e-3, 0.01, 0.05, 0.2, 0.5, 0.8, 0.95, 0.99, 0.999, 1 - 1e-6])


@pytest.mark.parametrize(("name", "prior", "ref"), CASES, ids=IDS)
def test_ppf_and_cdf_match_reference(name, prior, ref):
    expected = ref.ppf(Q)
    np.testing.assert_allclose(prior.ppf(Q), expected, rtol=1e-10, atol=1e-12)
    x = expected[1:-1]
    np.testing.assert_allclose(prior.cdf(x), ref.cdf(x), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(("name", "prior", "ref"), CASES, ids=IDS)
def test_samples_pass_ks_test(name, prior, ref):
    x = prior.sample(100_000, seed=42)
    assert x.shape == (100_000,)
    assert stats.kstest(x, ref.cdf).pvalue > 1e-3


@pytest.mark.parametrize(("name", "prior", "ref"), CASES, ids=IDS)
def test_mean_matches_reference(name, prior, ref):
    assert prior.mean() == pytest.approx(float(ref.mean()), rel=1e-8)


def test_to_puts_five_percent_outside_each_bound():
    for p in (ac.to(3, 30), ac.to(-2, 7), ac.to(0.01, 0.5)):
        lo, hi = p.interval(0.9)
        np.testing.assert_allclose(p.cdf([lo, hi]), [0.05, 0.95], rtol=1e-12)
    p = ac.to(3, 30)
    np.testing.assert_allclose(p.ppf([0.05, 0.95]), [3, 30], rtol=1e-12)
    x = p.sample(200_000, seed=1)
    n = x.size
    for frac in (np.mean(x < 3), np.mean(x > 30)):
        assert abs(frac - 0.05) < 5 * math.sqrt(0.05 * 0.95 / n)
    p8 = ac.to(3, 30, credibility=0.8)
    np.testing.assert_allclose(p8.cdf([3, 30]), [0.1, 0.9], rtol=1e-12)


def test_empirical_matches_numpy_inverted_cdf():
    v = np.random.default_rng(0).normal(size=101)
    p = ac.empirical(v)
    q = np.linspace(0.001, 0.999, 37)
    np.testing.assert_array_equal(p.ppf(q), np.quantile(v, q, method="inverted_cdf"))
    np.testing.assert_allclose(p.cdf(v), [np.mean(v <= x) for x in v])
    assert p.mean() == pytest.approx(v.mean(), rel=1e-12)
    s = p.sample(50_000, seed=3)
    assert set(np.unique(s)) <= set(v)
    counts = np.array([np.sum(s == x) for x in v])
    assert stats.chisquare(counts).pvalue > 1e-3


def test_point_and_samples_reproducible():
    assert np.all(ac.point(2.5).sample(10) == 2.5)
    p = ac.to(3, 30)
    np.testing.assert_array_equal(p.sample(1000, seed=9), p.sample(1000, seed=9))
    np.testing.assert_array_equal(p.sample(1000, seed=9)[:10], p.sample(10, seed=9))  # draw i does not depend on n
    assert not np.array_equal(p.sample(1000, seed=9), p.sample(1000, seed=10))


def test_reprs_are_readable():
    assert repr(ac.to(3, 30)).startswith("to(3, 30)  # lognormal(mu=")
    assert repr(ac.normal(0, 1)) == "normal(mu=0, sigma=1)"
    assert "truncated(normal" in repr(ac.truncate(ac.normal(0, 1), 0, 1))
    assert "median" in ac.to(3, 30)._repr_html_()


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: ac.normal(0, -1), "sigma must be positive and finite, got -1"),
        (lambda: ac.normal(float("nan"), 1), "mu must be finite, got nan"),
        (lambda: ac.point(float("nan")), "value must be finite, got nan"),
        (lambda: ac.lognormal(0, 0), "sigma must be positive"),
        (lambda: ac.uniform(3, 1), "lo must be below hi, got lo=3, hi=1"),
        (lambda: ac.triangular(0, 5, 4), "need lo <= mode <= hi"),
        (lambda: ac.pert(0, 1, 2, lam=-1), "lambda must be positive"),
        (lambda: ac.beta(0, 1), "a must be positive"),
        (lambda: ac.gamma(-2, 1), "shape must be positive"),
        (lambda: ac.student_t(0, 0, 1), "df must be positive"),
        (lambda: ac.to(30, 3), "lo must be below hi, got lo=30, hi=3"),
        (lambda: ac.to(3, 3), "lo must be below hi"),
        (lambda: ac.to(3, 30, credibility=1.0), r"credibility must be in \(0, 1\), got 1.0"),
        (lambda: ac.to(3, 30, credibility=0), r"credibility must be in \(0, 1\)"),
        (lambda: ac.to(float("inf"), 30), "lo must be finite"),
        (lambda: ac.truncate(ac.normal(0, 1), 2, 1), "lo must be below hi, got lo=2, hi=1"),
        (lambda: ac.truncate(ac.lognormal(0, 1), -5, -1), "zero probability"),
        (lambda: ac.mixture([ac.normal(0, 1)], [-1]), r"weights\[0\]=-1"),
        (lambda: ac.mixture([], []), "at least one component"),
        (lambda: ac.empirical([1.0, float("nan")]), r"values\[1\]=nan"),
        (lambda: ac.to(3, 30).ppf(1.5), r"q must be in \[0, 1\], got 1.5"),
        (lambda: ac.student_t(1, 0, 1).mean(), "undefined for df <= 1"),
        (lambda: ac.to(3, 30).sample(-1), "n must be non-negative"),
    ],
)
def test_bad_input_raises_value_error(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_wrong_types_raise_type_error():
    with pytest.raises(TypeError, match="mu must be a number"):
        ac.normal("0", 1)
    with pytest.raises(TypeError, match="must be a number or a prior"):
        ac.PriceDecline("x", start_price="ten", annual_decline=2)


def test_correlate_validates_the_matrix():
    a, b, c = ac.normal(0, 1), ac.to(1, 10), ac.uniform(0, 1)
    with pytest.raises(ValueError, match="not positive definite"):
        ac.correlate(a, b, c, correlation=[[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]])
    with pytest.raises(ValueError, match="symmetric"):
        ac.correlate(a, b, correlation=[[1, 0.5], [0.4, 1]])
    with pytest.raises(ValueError, match="diagonal must be 1"):
        ac.correlate(a, b, correlation=[[2, 0.5], [0.5, 1]])
    with pytest.raises(ValueError, match="must be 2x2"):
        ac.correlate(a, b, correlation=np.eye(3))
    with pytest.raises(ValueError, match=r"must be in \[-1, 1\]"):
        ac.correlate(a, b, correlation=1.5)
    x, y = ac.correlate(a, b, correlation=0.5)
    with pytest.raises(ValueError, match="already correlated"):
        ac.correlate(x, c, correlation=0.1)
    with pytest.raises(ValueError, match="correlated"):
        x.sample(10)
    np.testing.assert_allclose(x.correlation, [[1, 0.5], [0.5, 1]])


def test_correlated_priors_have_the_gaussian_copula_rank_correlation():
    rho = 0.7
    p0, d = ac.correlate(ac.to(2, 20), ac.to(3, 30), correlation=rho)
    sc = ac.Scenario("2026-01", "2026-03", seed=5)
    sc.add(ac.PriceDecline("a", start_price=p0, annual_decline=2.0))
    sc.add(ac.PriceDecline("b", start_price=ac.to(1, 2), annual_decline=d))
    res = sc.run(paths=100_000, keep_paths=True, progress=False)
    start = res.paths("a.price")[:, 0]
    # the 12-monthly log drop of b is ln(decline)/12 exactly (no noise): recover the draws
    decline = np.exp(12 * (np.log(res.paths("b.price")[:, 0]) - np.log(res.paths("b.price")[:, 1])))
    assert stats.kstest(start, ac.to(2, 20).cdf).pvalue > 1e-3
    assert stats.kstest(decline, ac.to(3, 30).cdf).pvalue > 1e-3
    rs = stats.spearmanr(start, decline).statistic
    expected = 6 / math.pi * math.asin(rho / 2)
    # s.e. of Spearman's rho ~ (1 - rs^2) / sqrt(n) (bounded above by 1/sqrt(n))
    assert abs(rs - expected) < 5 / math.sqrt(start.size)


def test_extreme_tail_quantiles_return_values_not_errors():
    # beta's root finder and student t's overflow at q ~ 1e-300: values, not exceptions
    b = ac.beta(2, 5)
    x = float(b.ppf(1e-300))
    assert x == pytest.approx(math.sqrt(1e-300 / 15), rel=1e-9)  # F(x) = 15 x^2 (1 + O(x)) near 0
    assert float(b.cdf(x)) == pytest.approx(1e-300, rel=1e-9)
    assert float(ac.student_t(3).ppf(1e-320)) == -math.inf
    assert float(ac.student_t(3).ppf(0.0)) == -math.inf
    # beta(1/2, 1/2): F(x) = (2/pi) asin(sqrt x), so ppf(q) = sin(pi q / 2)^2
    assert float(ac.beta(0.5, 0.5).ppf(1e-156)) == pytest.approx(math.sin(math.pi * 1e-156 / 2) ** 2, rel=1e-9)


def test_correlation_diagonal_rounding_is_accepted():
    a, b = ac.correlate(ac.normal(0, 1), ac.normal(0, 1), correlation=[[1 + 1e-16, 0.3], [0.3, 1 + 1e-16]])
    np.testing.assert_array_equal(np.diag(a.correlation), [1.0, 1.0])


# --- sampling at engine speed: blocks over the thread pool, joint draws ---------------------------

SAMPLED = [
    ac.normal(1, 2),
    ac.to(3, 30),
    ac.uniform(-1, 4),
    ac.gamma(2.5, 3.0),
    ac.gamma(0.4),
    ac.beta(2, 5),
    ac.beta(0.5, 0.5),
    ac.pert(1, 2, 6),
    ac.student_t(4, 1, 2),
    ac.triangular(0, 1, 3),
    ac.mixture([ac.to(1, 2), ac.normal(5, 1)], [0.3, 0.7]),
]


@pytest.mark.parametrize("prior", SAMPLED, ids=[p.kind for p in SAMPLED])
def test_sample_is_the_same_for_any_thread_count(prior):
    n = 3 * 65_536 + 123  # several blocks of the pool and a ragged end
    one = prior.sample(n, seed=21, threads=1)
    np.testing.assert_array_equal(one, prior.sample(n, seed=21, threads=2))
    np.testing.assert_array_equal(one, prior.sample(n, seed=21, threads=5))
    np.testing.assert_array_equal(one[:1000], prior.sample(1000, seed=21))  # draw i does not depend on n


@pytest.mark.parametrize(
    ("prior", "ref"),
    [
        (ac.gamma(0.4), stats.gamma(0.4)),
        (ac.gamma(2.5, 3.0), stats.gamma(2.5, scale=3.0)),
        (ac.beta(0.5, 0.5), stats.beta(0.5, 0.5)),
        (ac.beta(2, 5), stats.beta(2, 5)),
        (ac.uniform(-1, 4), stats.uniform(-1, 5)),
    ],
    ids=["gamma-small-shape", "gamma", "beta-small", "beta", "uniform"],
)
def test_batched_prior_samples_match_scipy(prior, ref):
    x = prior.sample(400_000, seed=8)
    assert stats.kstest(x, ref.cdf).pvalue > 1e-3
    n = x.size
    assert abs(x.mean() - ref.mean()) < 5 * ref.std() / math.sqrt(n)


def test_sample_refuses_sizes_that_do_not_fit_before_any_work():
    with pytest.raises(ValueError, match=r"n=1000000000000 draws need 7\.28 TiB of memory"):
        ac.to(3, 30).sample(10**12)
    with pytest.raises(ValueError, match=r"n=1000000000000 rows of 3 draws need 21\.8 TiB"):
        ac.sample([ac.normal(0, 1), 1.0, ac.to(1, 2)], 10**12)
    with pytest.raises(ValueError, match="n must be non-negative, got -1"):
        ac.sample([ac.normal(0, 1)], -1)
    with pytest.raises(ValueError, match="at least one prior"):
        ac.sample([], 10)
    with pytest.raises(ValueError, match="threads must be positive, got 0"):
        ac.normal(0, 1).sample(10, threads=0)
    with pytest.raises(TypeError, match="sequence of priors"):
        ac.sample(ac.normal(0, 1), 10)  # type: ignore[arg-type]
    assert ac.sample([ac.normal(0, 1)], 0).shape == (0, 1)


def test_joint_sample_columns_and_thread_count():
    a, b, c = ac.correlate(
        ac.to(3, 30), ac.normal(0, 1), ac.beta(2, 3), correlation=[[1, 0.6, -0.3], [0.6, 1, 0.2], [-0.3, 0.2, 1]]
    )
    free = ac.gamma(2.0)
    n = 2 * 65_536 + 11
    x = ac.sample([free, a, 2.5, b, c], n, seed=3, threads=1)
    assert x.shape == (n, 5) and x.dtype == np.float64
    np.testing.assert_array_equal(x, ac.sample([free, a, 2.5, b, c], n, seed=3, threads=3))
    np.testing.assert_array_equal(x[:, 0], free.sample(n, seed=3))  # an uncorrelated column 0 is Prior.sample
    assert np.all(x[:, 2] == 2.5)
    # each correlated column has its marginal
    for col, p in ((1, a), (3, b), (4, c)):
        assert stats.kstest(x[:, col], p.marginal().cdf).pvalue > 1e-3
    # the uncorrelated prior is independent of the group
    assert abs(stats.spearmanr(x[:, 0], x[:, 1]).statistic) < 5 / math.sqrt(n)


@pytest.mark.parametrize("rho", [-0.8, 0.3, 0.9])
def test_joint_sample_has_the_gaussian_copula_spearman_correlation(rho):
    a, b = ac.correlate(ac.to(2, 20), ac.uniform(0, 1), correlation=rho)
    n = 200_000
    x = ac.sample([a, b], n, seed=17)
    want = 6 / math.pi * math.asin(rho / 2)
    got = stats.spearmanr(x[:, 0], x[:, 1]).statistic
    # the standard error of Spearman's rho is at most about 1 / sqrt(n)
    assert abs(got - want) < 5 / math.sqrt(n)
