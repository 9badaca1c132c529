"""Engine guarantees: determinism, exact summaries, events, memory checks, progress, errors."""

from __future__ import annotations

import os
import signal
import threading
import time

import numpy as np
import pytest

import aicast as ac
from aicast import _engine


def _scenario(seed=11, horizon="2028-12"):
    sc = ac.Scenario("2026-02", horizon, seed=seed)
    sc.add(
        ac.PriceDecline("f", start_price=ac.to(4, 8), annual_decline=ac.to(3, 30), volatility=ac.to(0.2, 0.6),
                        jump_rate=ac.to(0.3, 1.5), jump_log_size=ac.normal(-0.5, 0.2), floor=ac.to(0.05, 0.2),
                        floor_annual_decline=ac.to(1.3, 2.5)),
        ac.PriceDecline("o", start_price=0.3, annual_decline=ac.to(1.5, 10), volatility=0.4),
    )
    return sc


EVENTS = ["f.price < 0.5", "o.price >= 0.2", "f.price > 6"]


def _arrays(res):
    return [res._raw[k] for k in ("quantiles", "mean", "sd", "first_hit", "holds", "paths_data")]


def test_same_seed_same_numbers_for_any_threads_and_chunks():
    sc = _scenario()
    ref = _arrays(sc.run(paths=5_003, threads=1, chunk_size=1024, keep_paths=True, events=EVENTS, progress=False))
    for threads, chunk in [(2, 1024), (8, 1024), (2, 1), (3, 100), (8, 5_000), (1, 257)]:
        got = _arrays(sc.run(paths=5_003, threads=threads, chunk_size=chunk, keep_paths=True, events=EVENTS,
                             progress=False))
        for a, b in zip(ref, got):
            np.testing.assert_array_equal(a, b)


def test_kept_month_buffer_does_not_change_numbers():
    # the engine keeps its month buffer between runs; stale values in it must never show
    sc = _scenario()
    _engine.release_memory()
    fresh = _arrays(sc.run(paths=3_001, keep_paths=True, events=EVENTS, progress=False))
    _scenario(seed=99).run(paths=3_500, events=EVENTS, progress=False)  # leaves other numbers in the buffer
    reused = _arrays(sc.run(paths=3_001, keep_paths=True, events=EVENTS, progress=False))
    for a, b in zip(fresh, reused):
        np.testing.assert_array_equal(a, b)
    assert ac.release_memory() > 0
    assert ac.release_memory() == 0


def test_different_seeds_differ():
    a = _scenario(seed=1).run(paths=2_000, progress=False)
    b = _scenario(seed=2).run(paths=2_000, progress=False)
    assert not np.array_equal(a._raw["quantiles"], b._raw["quantiles"])


def test_first_paths_do_not_depend_on_path_count():
    small = _scenario().run(paths=300, keep_paths=True, progress=False)
    big = _scenario().run(paths=3_000, keep_paths=True, progress=False)
    np.testing.assert_array_equal(small.paths("f.price"), big.paths("f.price")[:300])


def test_summaries_equal_numpy_on_the_kept_paths():
    res = _scenario().run(paths=20_001, keep_paths=True, progress=False, quantiles=[0.001, 0.333])
    for s in res.series:
        p = res.paths(s)
        levels = [0.0, 0.001, 0.05, 0.333, 0.5, 0.95, 1.0]
        q = res.quantiles(s, levels)
        np.testing.assert_allclose(q.to_numpy(), np.quantile(p, levels, axis=0).T, rtol=1e-15, atol=0)
        np.testing.assert_allclose(res.mean(s).to_numpy(), p.mean(axis=0), rtol=1e-12)
        # atol: a constant month has a rounding-noise sd in both
        np.testing.assert_allclose(res.std(s).to_numpy(), p.std(axis=0, ddof=1), rtol=1e-10, atol=1e-12)


def test_events_are_first_passages_of_the_kept_paths():
    res = _scenario().run(paths=20_000, keep_paths=True, events=EVENTS, progress=False)
    ops = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal}
    for ev in EVENTS:
        series, op, value = ev.split()
        cond = ops[op](res.paths(series), float(value))
        ever = np.maximum.accumulate(cond, axis=1)
        np.testing.assert_allclose(res.prob(ev)["p"].to_numpy(), ever.mean(axis=0), rtol=0, atol=1e-15)
        np.testing.assert_allclose(res.prob_at(ev)["p"].to_numpy(), cond.mean(axis=0), rtol=0, atol=1e-15)
        ht = res.hitting_time(ev)
        assert ht.pmf.sum() + ht.never == pytest.approx(1.0, abs=1e-12)
        assert ht.never == pytest.approx(1 - ever[:, -1].mean(), abs=1e-15)
        p = res.prob(ev, by="2027-06")
        m = 16  # 2026-02 + 16 months
        assert p.p == pytest.approx(ever[:, m].mean(), abs=1e-15)
        assert p.se == pytest.approx(np.sqrt(p.p * (1 - p.p) / 20_000), rel=1e-12)


def test_replayed_events_and_quantiles_equal_computed_ones():
    sc = _scenario()
    declared = sc.run(paths=10_000, events=["f.price < 0.5"], quantiles=[0.3], progress=False)
    plain = sc.run(paths=10_000, progress=False)
    pd_ = plain.prob("f.price < 0.5")  # replays the same paths
    np.testing.assert_array_equal(declared.prob("f.price < 0.5").to_numpy(), pd_.to_numpy())
    np.testing.assert_array_equal(declared.quantiles("f.price", [0.3]).to_numpy(),
                                  plain.quantiles("f.price", [0.3]).to_numpy())


def test_a_run_too_large_for_memory_is_refused_before_work():
    sc = _scenario(horizon="2040-12")
    t0 = time.perf_counter()
    with pytest.raises(ValueError, match=r"needs about .* GiB of memory .*kept paths .* only .* is available"):
        sc.run(paths=2_000_000_000, keep_paths=True, progress=False)
    with pytest.raises(ValueError, match=r"needs about .* MiB .* only 0.954 MiB is available"):
        sc.run(paths=100_000, memory_limit=1_000_000, progress=False)
    assert time.perf_counter() - t0 < 5  # refused up front, not after simulating
    est = sc.estimate_memory(paths=1_000_000, keep_paths=True)
    assert est["parts"]["kept paths"] == 8 * 1_000_000 * 2 * 179


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"paths": 0}, ValueError, "paths must be positive, got 0"),
        ({"paths": -3}, ValueError, "paths must be positive, got -3"),
        ({"paths": 2**33}, ValueError, "paths must be at most 4294967295"),
        ({"paths": 10.5}, TypeError, "paths must be an integer"),
        ({"threads": 0}, ValueError, "threads must be positive, got 0"),
        ({"chunk_size": 0}, ValueError, "chunk_size must be positive"),
        ({"quantiles": [1.5]}, ValueError, r"quantile levels must be in \[0, 1\], got 1.5"),
        ({"events": ["nope.price < 1"]}, ValueError, "unknown series 'nope.price'"),
        ({"events": ["f.price ~ 1"]}, ValueError, "event must look like"),
        ({"events": ["f.price < nan"]}, ValueError, "event threshold must be finite"),
        ({"events": ["f.price < abc"]}, ValueError, "event threshold must be a number"),
    ],
)
def test_bad_run_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        _scenario().run(**({"paths": 100, "progress": False} | kwargs))


@pytest.mark.parametrize(
    ("start", "horizon", "match"),
    [
        ("2026-13", "2027-01", "start must be a month like '2026-02', got '2026-13'"),
        ("26-02", "2027-01", "start must be a month like"),
        ("2026/02", "2027-01", "start must be a month like"),
        ("2026-02", "2025-12", "horizon must not be before start"),
    ],
)
def test_bad_grid(start, horizon, match):
    with pytest.raises(ValueError, match=match):
        ac.Scenario(start, horizon)


def test_scenario_errors():
    sc = ac.Scenario()
    with pytest.raises(ValueError, match="no models"):
        sc.run(paths=10, progress=False)
    sc.add(ac.PriceDecline("a", start_price=1.0, annual_decline=2.0))
    with pytest.raises(ValueError, match="already in the scenario"):
        sc.add(ac.PriceDecline("a", start_price=1.0, annual_decline=2.0))
    with pytest.raises(KeyError, match="no model named 'b'"):
        sc["b"]
    res = sc.run(paths=100, progress=False)
    with pytest.raises(ValueError, match=r"unknown series 'a.cost' \(series: a.price\)"):
        res.quantiles("a.cost")
    with pytest.raises(ValueError, match="paths were not kept"):
        res.paths("a.price")
    with pytest.raises(ValueError, match="by must lie between 2026-02 and 2030-12, got 2031-01"):
        res.prob("a.price < 1", by="2031-01")
    with pytest.raises(ValueError, match="unknown model kind 'nope'"):
        _engine.Scenario([{"kind": "nope", "name": "x", "params": {}}], 3)


def test_progress_reaches_total_and_a_raising_callback_cancels():
    sc = _scenario(horizon="2040-12")
    core = sc._engine_scenario()
    calls = []
    _engine.run(core, 1, 50_000, progress=lambda d, t: calls.append((d, t)))
    assert calls and calls[-1][0] == calls[-1][1] == 50_000 * 179
    assert all(a[0] <= b[0] for a, b in zip(calls, calls[1:]))

    def stop(done, total):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _engine.run(core, 1, 50_000, progress=stop)


def test_ctrl_c_stops_a_long_run():
    sc = _scenario(horizon="2100-12")  # 899 months x 4M paths: minutes of work if not stopped
    # Python's own Ctrl-C handler, even when SIGINT was inherited as ignored (a background CI job)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    timer = threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT))
    try:
        t0 = time.perf_counter()
        timer.start()
        with pytest.raises(KeyboardInterrupt):
            sc.run(paths=4_000_000, progress=False)
    finally:
        timer.cancel()
        signal.signal(signal.SIGINT, previous)
    assert time.perf_counter() - t0 < 30
