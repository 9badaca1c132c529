"""The engine's generator, portable math and samplers, against references and closed forms."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from aicast._engine import testing as T


def test_philox_known_answers():
    # Random123 kat_vectors for philox4x32_10
    assert T.philox4x32([0, 0, 0, 0], [0, 0]) == [0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8]
    assert T.philox4x32([0xFFFFFFFF] * 4, [0xFFFFFFFF] * 2) == [0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD]
    assert T.philox4x32([0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344], [0xA4093822, 0x299F31D0]) == [
        0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1]


@pytest.mark.parametrize("kernel", ["scalar", "avx2", "avx512"])
@pytest.mark.parametrize("n", [1, 7, 8, 15, 16, 17, 100, 1000])
def test_philox_kernels_equal_the_reference(kernel, n):
    first, c1, c2 = 0xFFFFFFF0, 5, 0x12345  # counters wrap past 2^32 - 1 like the scalar code
    w = T.philox_words(kernel, seed=2**40 + 9, first=first, n=n, c1=c1, c2=c2)
    if w is None:
        pytest.skip(f"this CPU has no {kernel}")
    key = [9, 2**8]
    expected = np.array([T.philox4x32([(first + j) % 2**32, c1, c2, 0], key) for j in range(n)], dtype=np.uint32).T
    np.testing.assert_array_equal(w, expected)
    c0 = np.random.default_rng(n).integers(0, 2**32, n, dtype=np.uint32)
    w = T.philox_words(kernel, seed=2**40 + 9, first=0, n=n, c1=c1, c2=c2, c0=c0)
    expected = np.array([T.philox4x32([int(c), c1, c2, 0], key) for c in c0], dtype=np.uint32).T
    np.testing.assert_array_equal(w, expected)


def test_single_precision_exp_is_within_a_few_float_ulps():
    rng = np.random.default_rng(8)
    x = np.concatenate([rng.uniform(-87, 88, 400_000), rng.normal(0, 0.3, 400_000)]).astype(np.float32)
    got = T.fast_exp_f(x).astype(float)
    np.testing.assert_allclose(got, np.exp(x.astype(float)), rtol=1.5e-7, atol=0)
    assert T.fast_exp_f(np.array([-87.5, -1e30], np.float32)).tolist() == [0.0, 0.0]
    assert T.fast_exp_f(np.array([1e30], np.float32))[0] == np.float32(np.exp(88.0))


def test_box_muller_single_precision_is_close_to_the_exact_pair():
    rng = np.random.default_rng(4)
    edges = np.concatenate([np.arange(1000), np.arange(2**32 - 100_000, 2**32)]).astype(np.uint32)  # u near 0 and 1
    wu = np.concatenate([rng.integers(0, 2**32, 400_000, dtype=np.uint32), edges])
    wa = rng.integers(0, 2**32, wu.size, dtype=np.uint32)
    z0, z1 = T.box_muller(wu, wa)
    u = ((wu >> 1).astype(float) + 0.5) / 2**31
    r = np.sqrt(-2 * np.log(u))
    angle = 2 * np.pi * wa.astype(float) / 2**32
    # single precision inside: the error is a few float ulps of the radius, also for tiny radii
    for z, exact in ((z0, r * np.cos(angle)), (z1, r * np.sin(angle))):
        assert np.all(np.abs(z - exact) <= 5e-7 * r + 1e-12)
    assert np.max(np.hypot(z0, z1)) < 6.67


def test_stream_and_scattered_normals_equal_the_block():
    z0, z1, _ = T.normal_block(seed=3, first=100, n=50, month=4, stream=2)
    for j in (0, 17, 49):
        np.testing.assert_array_equal(T.stream_normals(seed=3, path=100 + j, month=4, stream=2, n=2), [z0[j], z1[j]])
    paths = np.array([149, 100, 131], np.uint32)
    np.testing.assert_array_equal(T.normals_at(3, paths, 4, 2), z0[paths - 100])


@pytest.mark.parametrize(
    ("weights", "mus", "sigmas"),
    [([0.54, 0.46], [0.12, -0.14], [0.11, 0.13]), ([1, 2, 3], [0.0, 1.0, -2.0], [1.0, 0.5, 2.0]), ([1.0], [0.3], [0.2])],
)
def test_batched_normal_mixture_equals_prior_sample(weights, mus, sigmas):
    # the price model's batched first jumps of a mixture-of-normals jump size
    paths = np.random.default_rng(2).permutation(5000).astype(np.uint32)[:3001]
    batched, scalar = T.normal_mixture_at(9, paths, 7, 1, weights, mus, sigmas)
    np.testing.assert_array_equal(batched, scalar)
    # and the mixture's mean (5 standard errors)
    w = np.asarray(weights, float) / np.sum(weights)
    mean = float(np.dot(w, mus))
    var = float(np.dot(w, np.square(sigmas) + np.square(mus))) - mean**2
    assert abs(np.mean(batched) - mean) < 5 * np.sqrt(var / len(paths))


def test_fast_log_exp_cos_sin_match_numpy_to_a_few_ulps():
    rng = np.random.default_rng(1)
    x = np.concatenate([rng.uniform(2.0**-52, 1.0, 200_000), rng.lognormal(0, 30, 200_000)])
    np.testing.assert_allclose(T.fast_log(x), np.log(x), rtol=4e-16, atol=1e-300)
    y = rng.uniform(-707, 709, 200_000)
    np.testing.assert_allclose(T.fast_exp(y), np.exp(y), rtol=4e-16)
    assert T.fast_exp(np.array([-800.0]))[0] == 0.0
    assert np.isinf(T.fast_exp(np.array([800.0]))[0])
    w = rng.integers(0, 2**32, 200_000, dtype=np.uint32)
    c, s = T.cos_sin_turn(w)
    angle = 2 * np.pi * w.astype(float) / 2**32
    np.testing.assert_allclose(c, np.cos(angle), atol=2e-15)
    np.testing.assert_allclose(s, np.sin(angle), atol=2e-15)


def test_normal_block_is_standard_normal_independent_and_uniform():
    n = 400_000
    z0, z1, u = T.normal_block(seed=3, first=0, n=n, month=5, stream=9)
    for z in (z0, z1):
        assert stats.kstest(z, "norm").pvalue > 1e-3
        assert abs(z.mean()) < 5 / np.sqrt(n)
        assert abs(z.var() - 1) < 5 * np.sqrt(2 / n)
    assert abs(np.corrcoef(z0, z1)[0, 1]) < 5 / np.sqrt(n)
    assert abs(np.corrcoef(z0[1:], z0[:-1])[0, 1]) < 5 / np.sqrt(n)
    assert stats.kstest(u, "uniform").pvalue > 1e-3
    # tails: P(|Z| > 3) within 5 standard errors of its exact value
    p3 = 2 * stats.norm.sf(3)
    assert abs(np.mean(np.abs(z0) > 3) - p3) < 5 * np.sqrt(p3 * (1 - p3) / n)


def test_normal_block_depends_only_on_path_month_stream():
    a = T.normal_block(seed=3, first=0, n=1000, month=2, stream=1)[0]
    b = T.normal_block(seed=3, first=500, n=500, month=2, stream=1)[0]
    np.testing.assert_array_equal(a[500:], b)
    assert not np.array_equal(a, T.normal_block(seed=4, first=0, n=1000, month=2, stream=1)[0])
    assert not np.array_equal(a, T.normal_block(seed=3, first=0, n=1000, month=3, stream=1)[0])
    assert not np.array_equal(a, T.normal_block(seed=3, first=0, n=1000, month=2, stream=2)[0])


@pytest.mark.parametrize("mu", [0.05, 0.7, 4.0, 9.99, 10.0, 37.5, 500.0])
def test_poisson_matches_scipy(mu):
    n = 200_000
    x = T.poisson(mu, n, seed=11)
    assert abs(x.mean() - mu) < 5 * np.sqrt(mu / n)
    # chi-square goodness of fit on the bins holding almost all the mass
    lo, hi = stats.poisson.ppf([1e-4, 1 - 1e-4], mu).astype(int)
    edges = np.arange(lo, hi + 2)
    observed = np.array([np.sum(x < lo)] + list(np.histogram(x, edges)[0]) + [np.sum(x > hi)])
    probs = np.concatenate([[stats.poisson.cdf(lo - 1, mu)], stats.poisson.pmf(edges[:-1], mu),
                            [stats.poisson.sf(hi, mu)]])
    keep = probs * n > 5
    obs = np.append(observed[keep], observed[~keep].sum())
    exp = np.append(probs[keep], probs[~keep].sum()) * n
    if exp[-1] == 0:
        obs, exp = obs[:-1], exp[:-1]
    assert stats.chisquare(obs, exp * obs.sum() / exp.sum()).pvalue > 1e-3


@pytest.mark.parametrize("shape", [0.3, 1.0, 2.5, 40.0])
def test_gamma_matches_scipy(shape):
    x = T.gamma(shape, 200_000, seed=5)
    assert stats.kstest(x, stats.gamma(shape).cdf).pvalue > 1e-3


@pytest.mark.parametrize(("n", "p"), [(10, 0.3), (50, 0.02), (1000, 0.4), (100_000, 0.7), (30, 0.95)])
def test_binomial_matches_scipy(n, p):
    count = 200_000
    x = T.binomial(n, p, count, seed=2)
    assert x.min() >= 0 and x.max() <= n
    assert abs(x.mean() - n * p) < 5 * np.sqrt(n * p * (1 - p) / count)
    assert abs(x.var() / (n * p * (1 - p)) - 1) < 5 * np.sqrt(2 / count) * 1.5
    cdf_emp = np.searchsorted(np.sort(x), np.arange(n + 1), side="right") / count
    assert np.max(np.abs(cdf_emp - stats.binom.cdf(np.arange(n + 1), n, p))) < 1.63 * 1.5 / np.sqrt(count)


LEVELS = [0.0, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 1.0]


@pytest.mark.parametrize(
    "data",
    [
        np.random.default_rng(0).lognormal(0, 3, 100_001),
        np.random.default_rng(1).normal(1.0, 1e-9, 50_000),  # narrow: linear bins
        np.random.default_rng(2).integers(0, 5, 10_000).astype(float),  # ties
        np.concatenate([-np.random.default_rng(3).exponential(1, 777), [0.0, -0.0], np.random.default_rng(4).exponential(1e6, 999)]),
        np.array([3.5]),
        np.full(100, 2.0),
    ],
)
def test_exact_quantiles_equal_numpy(data):
    np.testing.assert_allclose(T.exact_quantiles(data, LEVELS), np.quantile(data, LEVELS), rtol=1e-15, atol=0)


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(
    st.lists(st.floats(-1e12, 1e12, allow_nan=False), min_size=1, max_size=400),
    st.lists(st.floats(0, 1), min_size=1, max_size=8),
)
def test_exact_quantiles_property(values, levels):
    data = np.array(values)
    got = np.array(T.exact_quantiles(data, levels))
    np.testing.assert_allclose(got, np.quantile(data, levels), rtol=1e-12, atol=1e-300)
    order = np.argsort(levels)
    assert np.all(np.diff(got[order]) >= 0)  # monotone in the level


@pytest.mark.parametrize("mu", [599.0, 1_000.0, 1e5, 1048575.0, 1048577.0, 1e6])
def test_poisson_large_rates_match_scipy(mu, poisson_chisquare):
    # 10 <= mu: PTRS (its log-pmf in saddle-point form from 2^20 on); both samplers agree
    n = 100_000
    x = T.poisson_count(mu, n, seed=13)
    np.testing.assert_array_equal(x, T.poisson(mu, n, seed=13))
    assert np.all(x == np.round(x))
    assert abs(x.mean() - mu) < 5 * np.sqrt(mu / n)
    # s.e. of the sample variance: sqrt((mu4 - var^2) / n) with mu4 = mu + 3 mu^2
    assert abs(x.var(ddof=1) - mu) < 5 * np.sqrt((mu + 2 * mu**2) / n)
    assert poisson_chisquare(x, mu) > 1e-3


@pytest.mark.parametrize("mu", [1e9, 1e12, 2.0**50, 1e18])
def test_poisson_count_any_rate_has_poisson_moments(mu):
    # past 2^50 the count is round(mu + sqrt(mu) Z): still integral, mean mu, variance mu
    n = 50_000
    x = T.poisson_count(mu, n, seed=17)
    assert np.all(np.isfinite(x)) and np.all(x >= 0)
    z = (x - mu) / np.sqrt(mu)
    assert abs(z.mean()) < 5 / np.sqrt(n)
    assert abs(z.var(ddof=1) - 1) < 5 * np.sqrt(2 / n)
    if mu <= 1e12:
        assert np.all(x == np.round(x))
        assert stats.kstest(z, "norm").pvalue > 1e-3  # skewness 1/sqrt(mu) <= 3e-5: invisible at n


def test_poisson_count_beyond_double_resolution_is_the_rate():
    # sd / mean = 1e-150: every draw rounds to mu itself, and nothing overflows
    np.testing.assert_array_equal(T.poisson_count(1e300, 1000, seed=1), 1e300)
    np.testing.assert_array_equal(T.poisson_count(0.0, 10, seed=1), 0.0)


# --- batched samplers: the same numbers as the scalar samplers, element by element -------------


@pytest.mark.parametrize("first", [0, 1000, 2**32 - 700])
def test_batched_gamma_poisson_beta_equal_the_scalar_samplers(first):
    rng = np.random.default_rng(first % 97)
    n = 5000 + 37  # several batches and a ragged end
    shapes = np.concatenate([rng.uniform(0.01, 1.0, n // 2), rng.lognormal(0.5, 1.5, n - n // 2)])
    rng.shuffle(shapes)
    batched, scalar = T.batched_and_scalar("gamma", shapes, seed=5, first=first)
    np.testing.assert_array_equal(batched, scalar)
    mus = np.concatenate([[0.0, 1e-300, 9.999999, 10.0, 1e9], rng.choice([0.3, 4.0, 9.5, 12.0, 80.0, 3e4], n)])
    batched, scalar = T.batched_and_scalar("poisson", mus, seed=6, first=first)
    np.testing.assert_array_equal(batched, scalar)
    for a, b in [(2.0, 3.0), (1.0, 1.0), (0.5, 0.5), (0.7, 4.0)]:
        batched, scalar = T.batched_and_scalar("beta", np.full(n, a), b, seed=7, first=first)
        np.testing.assert_array_equal(batched, scalar)


def test_batched_poisson_rows_match_scipy():
    # a mix of means in one call, as the incident model's categories give: each value by its own pmf
    mus = np.array([0.2, 3.0, 9.9, 10.0, 25.0, 300.0])
    n = 40_000
    x, _ = T.batched_and_scalar("poisson", np.repeat(mus, n), seed=8)
    for j, mu in enumerate(mus):
        v = x[j * n : (j + 1) * n].astype(int)
        lo, hi = (stats.poisson.ppf([1e-3, 1 - 1e-3], mu)).astype(int)
        counts = np.bincount(np.clip(v, lo, hi + 1) - lo, minlength=hi - lo + 2)
        k = np.arange(lo, hi + 1)
        p = np.concatenate([stats.poisson.pmf(k, mu), [stats.poisson.sf(hi, mu)]])
        p[0] += stats.poisson.cdf(lo - 1, mu)
        assert stats.chisquare(counts, p * n).pvalue > 1e-4, mu
