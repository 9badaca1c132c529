"""Random streams are keyed by model name and parameter name, not by position in the scenario."""

from __future__ import annotations

import numpy as np
import pytest

import aicast as ac


def frontier() -> ac.PriceDecline:
    return ac.PriceDecline("frontier", start_price=ac.to(4, 6), annual_decline=ac.to(3, 30),
                           volatility=ac.to(0.2, 0.6), jump_rate=0.5, jump_log_size=ac.normal(-0.5, 0.2))


def scenario(*models: ac.models.Model, seed: int = 3) -> ac.Scenario:
    return ac.Scenario(start="2026-02", horizon="2027-06", seed=seed).add(*models)


def test_adding_a_model_before_another_leaves_its_paths_bit_identical():
    other = ac.PriceDecline("other", start_price=2.0, annual_decline=ac.to(2, 5), volatility=ac.to(0.1, 0.3))
    lb = ac.LeaderboardGap("lb", closed_start=1400, gap_start=ac.to(40, 90), closed_drift_per_month=ac.to(2, 8),
                           closed_volatility=30, gap_reversion=0.5, equilibrium_gap=20, gap_volatility=40)
    alone = scenario(frontier()).run(paths=2000, keep_paths=True, progress=False)
    crowded = scenario(other, lb, frontier()).run(paths=2000, keep_paths=True, progress=False)
    np.testing.assert_array_equal(alone.paths("frontier.price"), crowded.paths("frontier.price"))
    # and the models added are not copies of each other's streams
    assert not np.array_equal(crowded.paths("other.price")[:, 1:], crowded.paths("frontier.price")[:, 1:])


def test_a_variant_shares_every_stream_but_the_changed_parameter():
    base = scenario(frontier()).run(paths=2000, keep_paths=True, progress=False)
    # same parameters, one point value changed: every draw is the same, so paths move smoothly
    v = ac.PriceDecline("frontier", start_price=ac.to(4, 6), annual_decline=ac.to(3, 30),
                        volatility=ac.to(0.2, 0.6), jump_rate=0.5, jump_log_size=ac.normal(-0.55, 0.2))
    var = scenario(v).run(paths=2000, keep_paths=True, progress=False)
    a, b = np.log(base.paths("frontier.price")[:, -1]), np.log(var.paths("frontier.price")[:, -1])
    assert np.corrcoef(a, b)[0, 1] > 0.999
    # the paths without any jump are identical
    assert np.mean(a == b) > 0.3


def test_same_seed_same_numbers_for_any_threads_and_chunks_with_several_models():
    other = ac.PriceDecline("other", start_price=2.0, annual_decline=ac.to(2, 5), volatility=ac.to(0.1, 0.3))
    sc = scenario(other, frontier())
    a = sc.run(paths=3001, keep_paths=True, progress=False, threads=1, chunk_size=4096)
    b = sc.run(paths=3001, keep_paths=True, progress=False, threads=2, chunk_size=77)
    for s in sc.series:
        np.testing.assert_array_equal(a.paths(s), b.paths(s))


def test_correlated_group_streams_do_not_depend_on_unrelated_models():
    d, r = ac.correlate(ac.to(3, 30), ac.to(0.2, 0.6), correlation=0.7)
    f = ac.PriceDecline("frontier", start_price=5.0, annual_decline=d, volatility=r)
    other = ac.PriceDecline("other", start_price=2.0, annual_decline=ac.to(2, 5))
    a = scenario(f).run(paths=1500, keep_paths=True, progress=False)
    b = scenario(other, f).run(paths=1500, keep_paths=True, progress=False)
    np.testing.assert_array_equal(a.paths("frontier.price"), b.paths("frontier.price"))


def test_block_ranges_are_the_same_paths_as_the_whole_run():
    from aicast import _engine

    sc = scenario(frontier())
    core = sc._engine_scenario()
    whole = _engine.run(core, sc.seed, 3000, keep_paths=True)
    lo = _engine.run(core, sc.seed, 1000, keep_paths=True)
    hi = _engine.run(core, sc.seed, 2000, keep_paths=True, path_offset=1000)
    np.testing.assert_array_equal(whole["paths_data"], np.concatenate([lo["paths_data"], hi["paths_data"]], axis=1))
    with pytest.raises(ValueError, match="path_offset"):
        _engine.run(core, sc.seed, 10, path_offset=-1)
