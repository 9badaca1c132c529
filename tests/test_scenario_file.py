"""Scenario files (TOML): priors, extends, correlations, validation errors, exact round trips."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import aicast as ac
from aicast import data
from aicast.models import MODEL_CLASSES, Model, PriceDecline
from aicast.scenario_file import (
    ScenarioFileError,
    load_scenario,
    prior_from_toml,
    prior_to_toml,
)
from aicast.scenario_file.prior_toml import _same_core

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml"))


def _write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def _raw_equal(a: ac.Result, b: ac.Result) -> None:
    for k in ("quantiles", "mean", "sd", "first_hit", "holds", "levels"):
        np.testing.assert_array_equal(a._raw[k], b._raw[k], err_msg=k)


PRIORS = {
    "point": ac.point(2.5),
    "to": ac.to(3, 30),
    "to_cred": ac.to(2.2, 17.3, credibility=0.8),
    "to_negative": ac.to(-1.5, 0.7),
    "to_awkward": ac.to(0.1 + 0.2, 1 / 3),
    "normal": ac.normal(-0.5, 0.2),
    "lognormal": ac.lognormal(0.3, 1.1),
    "uniform": ac.uniform(0.1, 0.9),
    "triangular": ac.triangular(0, 1, 3),
    "pert": ac.pert(1, 2, 4, lam=3),
    "beta": ac.beta(2, 5),
    "gamma": ac.gamma(2, 0.3),
    "student_t": ac.student_t(3, 1, 2),
    "truncate": ac.truncate(ac.lognormal(-1, 0.3), 0.1, 0.9),
    "truncate_open": ac.truncate(ac.normal(0.4, 0.2), 0.0),
    "mixture": ac.mixture([ac.point(0.1), ac.gamma(2, 0.3), ac.to(1, 5)], [0.2, 0.5, 0.3]),
    "mixture_thirds": ac.mixture([ac.normal(0, 1), ac.normal(1, 1), ac.normal(2, 1)]),
    "empirical": ac.empirical([0.01, 0.05, 0.03, 0.07]),
}


@pytest.mark.parametrize("name", sorted(PRIORS))
def test_prior_round_trip_is_exact(name):
    p = PRIORS[name]
    back = prior_from_toml(prior_to_toml(p))
    assert _same_core(p._core, back._core)
    np.testing.assert_array_equal(p.sample(1000, seed=3), back.sample(1000, seed=3))


def test_prior_forms_match_python_constructors():
    cases = [
        (3.5, ac.point(3.5)),
        ({"point": 3.5}, ac.point(3.5)),
        ({"to": [3, 30]}, ac.to(3, 30)),
        ({"to": [3, 30], "credibility": 0.8}, ac.to(3, 30, credibility=0.8)),
        ({"normal": {"mu": 0, "sigma": 1}}, ac.normal(0, 1)),
        ({"normal": [0, 1]}, ac.normal(0, 1)),
        ({"pert": {"lo": 1, "mode": 2, "hi": 4}}, ac.pert(1, 2, 4)),
        ({"gamma": {"shape": 2}}, ac.gamma(2)),
        ({"truncate": {"normal": [0, 1]}, "lo": 0}, ac.truncate(ac.normal(0, 1), 0)),
        ({"mixture": [1, {"to": [2, 3]}]}, ac.mixture([1.0, ac.to(2, 3)])),
        ({"empirical": [3, 1, 2]}, ac.empirical([1, 2, 3])),
    ]
    for value, want in cases:
        got = prior_from_toml(value)
        assert _same_core(got._core, want._core), value
    assert prior_to_toml(ac.to(3, 30)) == {"to": [3, 30]}  # readable, not the lognormal's parameters


def _scenario_with_everything() -> ac.Scenario:
    sc = ac.Scenario(start="2026-02", horizon="2028-06", seed=11)
    # a three-member copula with an unused coordinate, one coordinate shared by two parameters
    a, b, _unused = ac.correlate(ac.to(3, 30), ac.to(2, 20, credibility=0.8), ac.normal(0, 1),
                                 correlation=[[1, 0.6, 0.3], [0.6, 1, -0.2], [0.3, -0.2, 1]])
    vol, floor_dec = ac.correlate(ac.to(0.2, 0.6), ac.to(1.3, 2.5), correlation=-0.4)
    sc.add(
        PriceDecline("frontier", start_price=10.0, annual_decline=a, volatility=vol,
                     jump_rate=PRIORS["mixture"], jump_log_size=ac.normal(-0.5, 0.2), floor=ac.to(0.2, 1.0),
                     floor_annual_decline=floor_dec),
        PriceDecline("mid", start_price=1.2345678901234567, annual_decline=b, volatility=PRIORS["truncate"],
                     jump_rate=ac.to(0.2, 1.0), jump_log_size=PRIORS["student_t"], floor=PRIORS["empirical"],
                     floor_annual_decline=floor_dec),
        PriceDecline("open", start_price=0.3, annual_decline=PRIORS["pert"], volatility=PRIORS["uniform"],
                     floor=PRIORS["beta"], floor_annual_decline=PRIORS["triangular"].truncate(1.0)),
    )
    return sc


def test_round_trip_gives_identical_numbers(tmp_path):
    sc = _scenario_with_everything()
    path = tmp_path / "everything.toml"
    text = sc.to_toml(path)
    assert path.read_text() == text
    back = ac.Scenario.from_toml(path)
    again = back.to_toml()  # adds the name (from the file) and the default [outputs]
    assert ac.Scenario.from_toml(text=again).to_toml() == again  # a fixed point
    assert "[[correlations]]" in text and '""' in text  # unused copula coordinate kept
    events = ["frontier.price < 1", "mid.price < 0.2"]
    r1 = sc.run(paths=20_000, progress=False, events=events, threads=2)
    r2 = back.run(paths=20_000, progress=False, events=events, threads=1)
    _raw_equal(r1, r2)


def test_correlated_priors_stay_correlated_after_loading(tmp_path):
    text = _scenario_with_everything().to_toml()
    sc = ac.Scenario.from_toml(text=text)
    fa, ma = sc["frontier"].params["annual_decline"], sc["mid"].params["annual_decline"]
    assert fa._core.same_copula(ma._core)
    np.testing.assert_array_equal(fa.correlation, [[1, 0.6, 0.3], [0.6, 1, -0.2], [0.3, -0.2, 1]])
    # the floor decline is one random quantity shared by two models
    f1, f2 = sc["frontier"].params["floor_annual_decline"], sc["mid"].params["floor_annual_decline"]
    assert f1._core.same_copula(f2._core) and f1._core.copula_index == f2._core.copula_index


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_shipped_scenarios_validate_and_round_trip(path):
    sc = load_scenario(path)
    assert sc.name == path.stem and sc.series and sc.description
    assert all(h == data.table_hash(name) for name, h in sc.data_tables.items())
    back = ac.Scenario.from_toml(text=sc.to_toml())
    for m, mb in zip(sc.models, back.models):
        for k in m.params:
            assert _same_core(m.params[k]._core, mb.params[k]._core)


def _close_core(a, b, rel=1e-12) -> bool:
    """Engine priors equal up to ``rel`` in every parameter and weight (same family and shape)."""
    if a.kind != b.kind or len(a.params) != len(b.params) or len(a.weights) != len(b.weights):
        return False
    if not np.allclose(a.params, b.params, rtol=rel, atol=0) or not np.allclose(a.weights, b.weights, rtol=rel, atol=0):
        return False
    ca, cb = list(a.components), list(b.components)
    return len(ca) == len(cb) and all(_close_core(x, y, rel) for x, y in zip(ca, cb))


def test_baseline_is_the_default_scenario():
    # The file holds the fitted numbers as printed on the machine that wrote it; a refit on
    # another NumPy/BLAS build agrees to rounding level (least squares summed in another order),
    # not always to the last bit, so the fitted priors are compared to 1e-12.
    from aicast.defaults import default_scenario

    base, default = load_scenario(ROOT / "scenarios" / "baseline.toml"), default_scenario()
    assert (base.start, base.horizon, base.seed) == (default.start, default.horizon, default.seed)
    assert base.data_as_of == {"api_prices_2026-07": "2026-07", **default.data_as_of}
    for m, d in zip(base.models, default.models):
        assert m.name == d.name
        assert getattr(m, "running_minimum", None) == getattr(d, "running_minimum", None), m.name
        assert m.params.keys() == d.params.keys(), m.name
        for k, p in m.params.items():
            if k == "start_price":  # same data, summed in another order: equal to the last bits
                assert p.params[0] == pytest.approx(d.params[k].params[0], rel=1e-14)
            else:
                assert _close_core(p._core, d.params[k]._core), (m.name, k, p, d.params[k])


def test_extends_overrides_only_what_it_names():
    base = load_scenario(ROOT / "scenarios" / "baseline.toml")
    war = load_scenario(ROOT / "scenarios" / "price-war.toml")
    f, fb = war["frontier_capability"].params, base["frontier_capability"].params
    assert _same_core(f["volatility"]._core, fb["volatility"]._core)  # inherited
    assert _same_core(f["jump_rate"]._core, ac.to(1.0, 3.0)._core)  # overridden
    assert f["annual_decline"]._core.same_copula(war["mid_capability"].params["annual_decline"]._core)
    assert war.outputs.events == base.outputs.events  # [outputs] inherited
    sub = load_scenario(ROOT / "scenarios" / "subsidy-end.toml")
    assert len(sub.outputs.events) == 5 and sub.outputs.quantiles == base.outputs.quantiles


def test_extends_remove_and_kind_change(tmp_path):
    _write(tmp_path, "base.toml", """
start = "2026-02"
horizon = "2027-12"
seed = 3
[models.a]
kind = "price_decline"
start_price = 2
annual_decline = {to = [2, 5]}
volatility = 0.3
[models.b]
kind = "price_decline"
start_price = 1
annual_decline = 3
""")
    (tmp_path / "sub").mkdir()
    child = _write(tmp_path, "sub/child.toml", """
extends = "../base.toml"
horizon = "2028-12"
[models.a]
annual_decline = 4
[models.b]
remove = true
""")
    sc = load_scenario(child)
    assert [m.name for m in sc.models] == ["a"]
    assert str(sc.horizon) == "2028-12" and sc.seed == 3
    assert sc["a"].params["annual_decline"].params == (4.0,)
    assert sc["a"].params["volatility"].params == (0.3,)


def test_data_reference_resolves_to_the_table_value():
    text = """
start = "2026-02"
horizon = "2026-12"
[models.m]
kind = "price_decline"
start_price = {data = "api_prices_2026-07", column = "blended_per_mtok", stat = "geomean", where = {model = ["gpt-5.1", "claude-opus-4-6"]}}
annual_decline = {data = "api_prices_2026-07", column = "blended_per_mtok", where = {provider = "openai", model = "gpt-5.1"}}
"""
    sc = load_scenario(text=text)
    t = data.load("api_prices_2026-07")
    sel = t[t["model"].isin(["gpt-5.1", "claude-opus-4-6"])]["blended_per_mtok"].to_numpy(float)
    assert sc["m"].params["start_price"].params[0] == pytest.approx(math.exp(np.log(sel).mean()), rel=1e-15)
    one = t[(t["provider"] == "openai") & (t["model"] == "gpt-5.1")]["blended_per_mtok"].iloc[0]
    assert sc["m"].params["annual_decline"].params[0] == float(one)
    assert sc.data_tables == {"api_prices_2026-07": data.table_hash("api_prices_2026-07")}
    text = sc.to_toml()
    assert "{data =" not in text  # the saved scenario holds the resolved numbers ...
    assert '[data_as_of]\napi_prices_2026-07 = "2026-07"' in text  # ... and how old their table is


GOOD_HEAD = 'start = "2026-02"\nhorizon = "2030-12"\n'
GOOD_MODEL = '[models.frontier]\nkind = "price_decline"\nstart_price = 10\nannual_decline = {to = [3, 30]}\n'

INCIDENTS = """[models.aiid]
kind = "incident_growth"
base_per_month = {to = [30, 60]}
annual_growth = {to = [1.3, 2.0]}
price = "frontier"
price_elasticity = 0.2
category_concentration = 50.0
[models.aiid.categories.misuse]
share = 0.3
relative_growth = {to = [1.5, 3.0]}
[models.aiid.categories.other]
share = 0.7
relative_growth = 1.3
"""
DEMAND = '[models.use]\nkind = "token_demand"\nprice = "frontier"\nbase_tokens_per_month = 1e9\nprice_elasticity = 1.2\n'
SELF_HOSTING = """[models.own]
kind = "self_hosting"
api_price = "frontier"
volume_per_month = "use"
gpu_price = 30000
tokens_per_second_per_gpu = 1000
utilization = 0.5
"""
LEADERBOARD = """[models.lb]
kind = "leaderboard_gap"
closed_start = 62.0
gap_start = 5.0
closed_drift_per_month = 0.03
scale = "percent"
"""

MALFORMED = {
    "bad_toml": ('start = "2026-02"\nhorizon = \n', r"bad_toml\.toml: not valid TOML: .*line 2"),
    "unknown_top": (GOOD_HEAD + "pathz = 3\n" + GOOD_MODEL, r"pathz: unknown key 'pathz'; did you mean 'paths'\?"),
    "unknown_param": (GOOD_HEAD + GOOD_MODEL + "volatilty = 0.3\n",
                      r"models\.frontier\.volatilty: unknown parameter .*did you mean 'volatility'\?"),
    "unknown_kind": (GOOD_HEAD + '[models.x]\nkind = "price_declin"\n',
                     r"models\.x\.kind: unknown model kind 'price_declin'; did you mean 'price_decline'\?"),
    "missing_param": (GOOD_HEAD + '[models.x]\nkind = "price_decline"\nstart_price = 1\n',
                      r"models\.x\.annual_decline: is required by price_decline 'x'"),
    "wrong_type": (GOOD_HEAD + GOOD_MODEL + 'volatility = "high"\n',
                   r"models\.frontier\.volatility: must be a number or a prior table .*got string 'high'"),
    "wrong_type_seed": (GOOD_HEAD + 'seed = "7"\n' + GOOD_MODEL, r"seed: must be a whole number, got string '7'"),
    "wrong_type_month": ('start = 2026\nhorizon = "2030-12"\n' + GOOD_MODEL, r"start: must be a month like '2026-02'"),
    "nan": (GOOD_HEAD + GOOD_MODEL + "volatility = nan\n", r"models\.frontier\.volatility: must be a number, got nan"),
    "nan_nested": (GOOD_HEAD + GOOD_MODEL + "floor = {uniform = {lo = nan, hi = 1}}\n",
                   r"models\.frontier\.floor\.uniform\.lo: must be a number, got nan"),
    "inf": (GOOD_HEAD + GOOD_MODEL + "volatility = inf\n", r"models\.frontier\.volatility: must be finite, got inf"),
    "lo_above_hi_to": (GOOD_HEAD + GOOD_MODEL.replace("[3, 30]", "[30, 3]"),
                       r"models\.frontier\.annual_decline\.to: lo must be below hi, got \[30, 3\]"),
    "lo_above_hi_uniform": (GOOD_HEAD + GOOD_MODEL + "floor = {uniform = {lo = 2, hi = 1}}\n",
                            r"models\.frontier\.floor\.uniform: lo must be below hi"),
    "lo_above_hi_truncate": (GOOD_HEAD + GOOD_MODEL + "floor = {truncate = {normal = [0, 1]}, lo = 1, hi = 0}\n",
                             r"models\.frontier\.floor: lo must be below hi"),
    "bad_sigma": (GOOD_HEAD + GOOD_MODEL + "volatility = {lognormal = {mu = 0, sigma = -1}}\n",
                  r"models\.frontier\.volatility: lognormal: sigma must be positive"),
    "unknown_family": (GOOD_HEAD + GOOD_MODEL + "volatility = {lognorml = {mu = 0, sigma = 1}}\n",
                       r"models\.frontier\.volatility\.lognorml: unknown prior family 'lognorml'; did you mean 'lognormal'\?"),
    "out_of_range": (GOOD_HEAD + GOOD_MODEL.replace("start_price = 10", "start_price = -5"),
                     r"models\.frontier\.start_price: .*start_price must be positive, got -5"),
    "horizon_before_start": ('start = "2026-02"\nhorizon = "2025-12"\n' + GOOD_MODEL, r"horizon: must not be before start"),
    "model_name": (GOOD_HEAD + GOOD_MODEL.replace("[models.frontier]", '[models."front-ier"]'),
                   r"models\.front-ier: a model name must be letters, digits and _"),
    "no_models": (GOOD_HEAD, r"models: needs at least one model table"),
    "corr_missing_model": (GOOD_HEAD + GOOD_MODEL
                           + '[[correlations]]\nparams = ["frontier.annual_decline", "mdi.annual_decline"]\ncorrelation = 0.5\n',
                           r"correlations\[0\]\.params\[1\]: unknown model 'mdi'"),
    "corr_not_pd": (GOOD_HEAD + GOOD_MODEL + GOOD_MODEL.replace("frontier", "mid")
                    + '[[correlations]]\nparams = ["frontier.annual_decline", "mid.annual_decline"]\n'
                    + "matrix = [[1, 1.5], [1.5, 1]]\n", r"correlations\[0\]\.matrix: "),
    "event_series": (GOOD_HEAD + GOOD_MODEL + '[outputs]\nevents = ["fronteir.price < 1"]\n',
                     r"outputs\.events\[0\]: unknown series 'fronteir\.price'; did you mean 'frontier\.price'\?"),
    "event_by_outside": (GOOD_HEAD + GOOD_MODEL + '[outputs]\nevents = ["frontier.price < 1 by 2040-01"]\n',
                         r"outputs\.events\[0\]: by 2040-01 lies outside the grid"),
    "quantile_level": (GOOD_HEAD + GOOD_MODEL + "[outputs]\nquantiles = [1.5]\n",
                       r"outputs\.quantiles\[0\]: must be a level in \[0, 1\], got number 1\.5"),
    # the other models: links, categories, scale
    "incident_link_missing": (GOOD_HEAD + GOOD_MODEL + INCIDENTS.replace('"frontier"', '"frontir"'),
                              r"models\.aiid\.price: links to 'frontir\.price', which no model publishes; "
                              r"did you mean 'frontier\.price'\?"),
    "incident_link_series": (GOOD_HEAD + GOOD_MODEL + INCIDENTS.replace('"frontier"', '"frontier.price"'),
                             r"models\.aiid\.price: .*price must name a price model"),
    "demand_link_missing": (GOOD_HEAD + GOOD_MODEL + DEMAND.replace('"frontier"', '"mid"'),
                            r"models\.use\.price: links to 'mid\.price', which no model publishes"),
    "volume_link_missing": (GOOD_HEAD + GOOD_MODEL + DEMAND + SELF_HOSTING.replace('"use"', '"usage"'),
                            r"models\.own\.volume_per_month: links to 'usage\.tokens', which no model publishes; "
                            r"did you mean 'use\.tokens'\?"),
    "api_link_missing": (GOOD_HEAD + GOOD_MODEL + DEMAND + SELF_HOSTING.replace('api_price = "frontier"',
                                                                                'api_price = "open"'),
                         r"models\.own\.api_price: links to 'open\.price', which no model publishes"),
    "self_hosting_missing_param": (GOOD_HEAD + GOOD_MODEL + DEMAND + SELF_HOSTING.replace("utilization = 0.5\n", ""),
                                   r"models\.own\.utilization: is required by self_hosting 'own'"),
    "category_unknown_key": (GOOD_HEAD + GOOD_MODEL + INCIDENTS.replace("share = 0.3", "shares = 0.3"),
                             r"models\.aiid\.categories\.misuse\.shares: unknown key 'shares'; did you mean "
                             r"'share'\?"),
    "category_missing_growth": (GOOD_HEAD + GOOD_MODEL + INCIDENTS.replace("relative_growth = 1.3\n", ""),
                                r"models\.aiid\.categories\.other\.relative_growth: is required"),
    "category_share_prior": (GOOD_HEAD + GOOD_MODEL + INCIDENTS.replace("share = 0.3", "share = {to = [0.2, 0.4]}"),
                             r"models\.aiid\.categories\.misuse\.share: must be a positive number"),
    "category_share_sum": (GOOD_HEAD + GOOD_MODEL + INCIDENTS.replace("share = 0.7", "share = 0.6"),
                           r"models\.aiid\.categories: shares must sum to 1, got 0\.9"),
    "category_name": (GOOD_HEAD + GOOD_MODEL + INCIDENTS.replace("categories.misuse", 'categories."mis use"'),
                      r"models\.aiid\.categories\.mis use: a category name must be letters, digits and _"),
    "category_growth_nan": (GOOD_HEAD + GOOD_MODEL + INCIDENTS.replace("relative_growth = 1.3", "relative_growth = nan"),
                            r"models\.aiid\.categories\.other\.relative_growth: must be a number, got nan"),
    "concentration_without_categories": (GOOD_HEAD + GOOD_MODEL + INCIDENTS.split("[models.aiid.categories")[0],
                                         r"models\.aiid\.category_concentration: needs categories"),
    "category_correlation_unknown": (GOOD_HEAD + GOOD_MODEL + INCIDENTS + "[[correlations]]\n"
                                     'params = ["aiid.categories.misuse.relative_growth", '
                                     '"aiid.categories.othr.relative_growth"]\ncorrelation = 0.5\n',
                                     r"correlations\[0\]\.params\[1\]: unknown category 'othr' of model 'aiid'; "
                                     r"did you mean 'other'\?"),
    "correlation_bad_ref": (GOOD_HEAD + GOOD_MODEL + INCIDENTS + "[[correlations]]\n"
                            'params = ["aiid.annual_growth", "aiid.categories.misuse.share"]\ncorrelation = 0.5\n',
                            r"correlations\[0\]\.params\[1\]: must be 'model\.parameter'"),
    "bad_scale": (GOOD_HEAD + LEADERBOARD.replace('"percent"', '"logit"'),
                  r"models\.lb\.scale: .*scale must be 'elo' or 'percent', got 'logit'"),
    "scale_not_a_string": (GOOD_HEAD + LEADERBOARD.replace('"percent"', "2"),
                           r"models\.lb\.scale: .*scale must be 'elo' or 'percent', got 2"),
    "as_of_bad_date": (GOOD_HEAD + '[data_as_of]\n"my fit" = "2025-13"\n' + GOOD_MODEL,
                       r'data_as_of\.my fit: must be a date "YYYY-MM" or "YYYY-MM-DD", got string \'2025-13\''),
    "as_of_not_a_table": (GOOD_HEAD + "data_as_of = 3\n" + GOOD_MODEL,
                          r'data_as_of: must be a table of source = "YYYY-MM", got integer 3'),
    "leaderboard_event_series": (GOOD_HEAD + LEADERBOARD + '[outputs]\nevents = ["lb.opne > 70 by 2027-12"]\n',
                                 r"outputs\.events\[0\]: unknown series 'lb\.opne'; did you mean 'lb\.open'\?"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_files_name_the_key_path(tmp_path, case):
    text, pattern = MALFORMED[case]
    path = _write(tmp_path, f"{case}.toml", text)
    with pytest.raises(ValueError, match=pattern) as info:
        load_scenario(path)
    err = info.value
    assert isinstance(err, ScenarioFileError)
    assert all(p.file.endswith(f"{case}.toml") for p in err.problems)
    assert "Traceback" not in str(err) and "_engine" not in str(err)


def test_every_problem_is_reported_at_once(tmp_path):
    path = _write(tmp_path, "many.toml", """
start = "2026-02"
horizon = "2030-13"
seed = -1
pathz = 10
[models.frontier]
kind = "price_decline"
start_price = "ten"
annual_decline = {to = [30, 3]}
volatilty = 0.3
jump_rate = nan
[models.mid]
kind = "price_declin"
[outputs]
plot = true
""")
    with pytest.raises(ScenarioFileError) as info:
        load_scenario(path)
    keys = [p.key for p in info.value.problems]
    assert keys == ["pathz", "horizon", "seed", "models.frontier.start_price", "models.frontier.annual_decline.to",
                    "models.frontier.volatilty", "models.frontier.jump_rate", "models.mid.kind", "outputs.plot"]


def test_extends_cycle_and_missing_parent(tmp_path):
    _write(tmp_path, "a.toml", 'extends = "b.toml"\n' + GOOD_HEAD + GOOD_MODEL)
    _write(tmp_path, "b.toml", 'extends = "a.toml"\n')
    with pytest.raises(ValueError, match=r"b\.toml \(extended by \S*a\.toml\): extends: cycle in extends: a\.toml -> b\.toml -> a\.toml"):
        load_scenario(tmp_path / "a.toml")
    _write(tmp_path, "self.toml", 'extends = "self.toml"\n')
    with pytest.raises(ValueError, match=r"extends: cycle in extends: self\.toml -> self\.toml"):
        load_scenario(tmp_path / "self.toml")
    _write(tmp_path, "orphan.toml", 'extends = "nowhere.toml"\n')
    with pytest.raises(ValueError, match=r"orphan\.toml: extends: no such file 'nowhere\.toml'"):
        load_scenario(tmp_path / "orphan.toml")


def test_problem_in_parent_names_the_parent_file(tmp_path):
    _write(tmp_path, "parent.toml", GOOD_HEAD + GOOD_MODEL + "volatility = {lognormal = {mu = 0, sigma = -1}}\n")
    child = _write(tmp_path, "child.toml", 'extends = "parent.toml"\n[models.frontier]\nfloor = {to = [2, 1]}\n'
                   '[models.mid]\nkind = "price_decline"\nstart_price = 1\nannual_decline = 2\n'
                   '[outputs]\nevents = ["mid.prize < 1"]\n')
    with pytest.raises(ScenarioFileError) as info:
        load_scenario(child)
    got = {(Path(p.file).name, p.key) for p in info.value.problems}
    assert got == {("parent.toml", "models.frontier.volatility"), ("child.toml", "models.frontier.floor.to"),
                   ("child.toml", "outputs.events[0]")}


def test_link_to_missing_model(monkeypatch):
    """A model class with a link parameter (as IncidentGrowth or TokenDemand will have) is read generically."""
    monkeypatch.setitem(MODEL_CLASSES, "price_decline", PriceDecline)  # restored after the test

    class LinkedPrice(Model):
        kind = "price_decline"

        def __init__(self, name: str, start_price: ac.Prior | float, annual_decline: ac.Prior | float,
                     price: str = "") -> None:
            params = dict(start_price=start_price, annual_decline=annual_decline, volatility=0.0, jump_rate=0.0,
                          jump_log_size=0.0, floor=0.0, floor_annual_decline=1.0)
            super().__init__(name, params, links={"price": price} if price else {})

    MODEL_CLASSES["price_decline"] = PriceDecline
    monkeypatch.setitem(MODEL_CLASSES, "linked_test", LinkedPrice)
    ok = load_scenario(text=GOOD_HEAD + GOOD_MODEL
                       + '[models.user]\nkind = "linked_test"\nstart_price = 1\nannual_decline = 2\n'
                       + 'price = "frontier.price"\n')
    assert ok["user"].links == {"price": "frontier.price"}
    with pytest.raises(ValueError, match=r"models\.user\.price: links to 'frontier\.prize', which no model "
                                         r"publishes; did you mean 'frontier\.price'\?"):
        load_scenario(text=GOOD_HEAD + GOOD_MODEL
                      + '[models.user]\nkind = "linked_test"\nstart_price = 1\nannual_decline = 2\n'
                      + 'price = "frontier.prize"\n')


def test_to_toml_refuses_what_it_cannot_write_exactly(monkeypatch):
    monkeypatch.setitem(MODEL_CLASSES, "price_decline", PriceDecline)

    class Opaque(PriceDecline):
        def __init__(self, name: str, secret: float) -> None:  # keeps no trace of `secret`
            super().__init__(name, start_price=secret, annual_decline=2.0)

    MODEL_CLASSES["price_decline"] = PriceDecline
    sc = ac.Scenario("2026-02", "2026-12").add(Opaque("x", 3.0))
    with pytest.raises(ValueError, match=r"cannot write model 'x': Opaque needs 'secret'"):
        sc.to_toml()


def _every_model_kind() -> ac.Scenario:
    """One scenario with every model kind and each of their link forms, categories and options."""
    sc = ac.Scenario(start="2026-03", horizon="2028-06", seed=5)
    frontier = ac.PriceDecline("frontier", start_price=10.0, annual_decline=ac.to(3, 30), volatility=0.3, floor=0.05)
    api = ac.PriceDecline("open_api", start_price=0.4, annual_decline=ac.to(1.5, 6))
    demand = ac.TokenDemand("demand", price=api, base_tokens_per_month=2e10,
                            price_elasticity=ac.uniform(0.5, 1.5), annual_growth=ac.to(1.1, 1.5))
    base, growth = ac.correlate(ac.lognormal(3.7, 0.2), ac.lognormal(0.5, 0.05), correlation=0.9)
    misuse, other = ac.correlate(ac.to(1.5, 3.0), ac.to(1.1, 1.5), correlation=0.5)  # category growths
    listed = ac.TierListPrice("listed", start_price=8.0, jump_rate=ac.gamma(11.5, 0.46),
                              jump_log_size=ac.mixture([ac.normal(0.12, 0.1), ac.normal(-0.14, 0.13)], [0.54, 0.46]))
    sc.add(
        frontier, api, demand, listed,
        ac.TokenDemand("demand2", price="frontier.price", base_tokens_per_month=1e9, price_elasticity=1.2,
                       reference_price=8.0),
        ac.SelfHosting("own", api_price=api, volume_per_month=demand, gpus=2, gpu_price=ac.to(25e3, 35e3),
                       tokens_per_second_per_gpu=ac.to(300, 1500), utilization=ac.uniform(0.2, 0.7),
                       staff_per_month=ac.to(12e3, 30e3), gpu_price_annual_decline=ac.to(1.1, 1.5),
                       throughput_annual_growth=ac.to(1.5, 5.0)),
        ac.SelfHosting("rent", api_price="frontier", volume_per_month=ac.to(1e8, 1e9), gpu_hour_price=ac.to(2, 4),
                       tokens_per_second_per_gpu=800, utilization=0.5),
        ac.IncidentGrowth("aiid", base_per_month=base, annual_growth=growth, dispersion=ac.to(4, 12),
                          price="frontier", price_elasticity=ac.to(0.05, 0.4),
                          categories={"misuse": (0.3, misuse), "other": {"share": 0.7, "relative_growth": other}},
                          category_concentration=50.0),
        ac.IncidentGrowth("poisson", base_per_month=10, annual_growth=1.5, dispersion=None, saturation=100.0),
        ac.LeaderboardGap("lb", closed_start=62.0, gap_start=5, closed_drift_per_month=ac.to(0.02, 0.06),
                          closed_volatility=0.1, gap_reversion=1.0, gap_volatility=0.2, innovation_correlation=0.5,
                          scale="percent"),
        ac.LeaderboardGap("arena", closed_start=1470, gap_start=36, closed_drift_per_month=6, gap_volatility=60),
        ac.Workload("agent", tokens_per_month=demand, input_share=ac.uniform(0.85, 0.95), cached_share=ac.beta(8, 2),
                    input_price_per_mtok=5.0, cached_input_price_per_mtok=0.5, output_price_per_mtok=25.0,
                    price=frontier),
        ac.SelfHosting("split", api_price="agent.price_per_mtok", volume_per_month=2e9, gpu_hour_price=2.5, gpus=8,
                       utilization=0.5, decode_tokens_per_second_per_gpu=ac.to(300, 900),
                       prefill_tokens_per_second_per_gpu=ac.to(5e3, 2e4), input_share=0.9, cached_share=0.6),
        ac.Workload("chat", tokens_per_month=ac.to(1e8, 1e9), input_share=0.75, input_price_per_mtok=3.0,
                    output_price_per_mtok=15.0, cache_write_share=0.1, cache_write_price_per_mtok=3.75),
    )
    return sc


def test_every_model_kind_round_trips_with_identical_numbers(tmp_path):
    sc = _every_model_kind()
    assert {m.kind for m in sc.models} == set(MODEL_CLASSES)  # a new model kind must be added here
    path = tmp_path / "all.toml"
    text = sc.to_toml(path)
    assert 'price = "frontier"' in text and 'volume_per_month = "demand.tokens"' in text
    assert 'scale = "percent"' in text and "misuse = { share = 0.3" in text
    assert '"aiid.categories.misuse.relative_growth", "aiid.categories.other.relative_growth"' in text
    back = ac.Scenario.from_toml(path)
    assert back["aiid"].links == {"price": "frontier.price"} and back["aiid"].categories == ["misuse", "other"]
    assert "dispersion" not in back["poisson"].params  # left out = None = Poisson counts
    assert back["own"].links == {"api_price": "open_api.price", "volume": "demand.tokens"}
    assert back["agent"].links == {"price": "frontier.price", "tokens_per_month": "demand.tokens"}
    assert "tokens_per_second_per_gpu" not in back["split"].params and back["split"].params["cached_share"].params == (0.6,)
    assert back["lb"].scale == "percent" and back["arena"].scale == "elo"
    ap = back["aiid"].params
    assert ap["base_per_month"]._core.same_copula(ap["annual_growth"]._core)
    assert ap["relative_growth.misuse"]._core.same_copula(ap["relative_growth.other"]._core)
    # the incident model's calendar (grid start in March) reaches the engine through the loaded scenario too
    assert back._engine_scenario() is not None
    events = ["aiid.yearly > 500", "own.savings > 0", "lb.open > 70", "arena.gap < 0", "poisson.count > 20",
              "demand2.spend > 1000", "agent.cost_per_month > 1e5", "chat.cache_savings_per_month < 0",
              "split.savings > 0"]
    r1 = sc.run(paths=4000, progress=False, events=events, threads=2)
    r2 = back.run(paths=4000, progress=False, events=events, threads=1)
    _raw_equal(r1, r2)
    assert back.to_toml() == ac.Scenario.from_toml(text=back.to_toml()).to_toml()  # a fixed point


def test_categories_as_sub_tables_arrays_or_inline_tables_are_the_same():
    head = GOOD_HEAD + GOOD_MODEL + "floor = 0.05\n"  # the incident model's price link needs a floor
    forms = [
        INCIDENTS,
        INCIDENTS.split("[models.aiid.categories")[0]
        + "categories = {misuse = [0.3, {to = [1.5, 3.0]}], other = [0.7, 1.3]}\n",
        INCIDENTS.split("[models.aiid.categories")[0]
        + "categories = {misuse = {share = 0.3, relative_growth = {to = [1.5, 3.0]}}, "
          "other = {share = 0.7, relative_growth = 1.3}}\n",
    ]
    models = [load_scenario(text=head + f)["aiid"] for f in forms]
    for m in models[1:]:
        assert m.categories == models[0].categories == ["misuse", "other"]
        assert sorted(m.params) == sorted(models[0].params)
        for k, p in m.params.items():
            assert _same_core(p._core, models[0].params[k]._core), k


def test_incident_grid_calendar_follows_the_file_start():
    """IncidentGrowth resets its yearly sums in January: the loaded scenario passes the grid start on."""
    text = ('start = "2026-11"\nhorizon = "2027-03"\nseed = 3\n[models.c]\nkind = "incident_growth"\n'
            "base_per_month = 50\nannual_growth = 1.0\n")
    res = load_scenario(text=text).run(paths=200, progress=False, keep_paths=True)
    count, yearly = res.paths("c.count"), res.paths("c.yearly")
    np.testing.assert_array_equal(yearly[:, :2], np.cumsum(count[:, :2], axis=1))  # Nov, Dec 2026
    np.testing.assert_array_equal(yearly[:, 2:], np.cumsum(count[:, 2:], axis=1))  # Jan-Mar 2027 start afresh


def test_fitted_worked_files_equal_the_fits_on_shipped_data():
    """incident-surge.toml and open-model-convergence.toml write out fits; they must stay equal to them."""
    monthly = data.aiid_monthly()
    fit = ac.fit.incident_growth(monthly, domains=data.aiid_domains_yearly())
    want = fit.model("aiid", start="2026-07", categories=True, category_concentration=50.0)
    got = load_scenario(ROOT / "scenarios" / "incident-surge.toml")
    assert got.start == pd.Period("2026-07", "M")  # the baseline's start: the newest price month
    lb_fit = ac.fit.leaderboard_gap(data.load("arena_best_monthly"))
    lb = load_scenario(ROOT / "scenarios" / "open-model-convergence.toml")
    assert lb.start == lb_fit.last_month
    for m, w, skip in [(got["aiid"], want, {"price_elasticity"}), (lb["lb"], lb_fit.model("lb", start=lb_fit.last_month), set())]:
        assert sorted(m.params) == sorted(w.params) and sorted(m.labels) == sorted(w.labels)  # file: by share
        for k, p in w.params.items():
            if k in skip:
                continue
            a, b = m.params[k]._core, p._core
            if k.startswith("share."):  # written with repr: the same double
                assert a.params[0] == b.params[0], k
                continue
            assert _same_core(a.marginal() if a.correlation is not None else a,
                              b.marginal() if b.correlation is not None else b), k
            if b.correlation is not None:
                np.testing.assert_array_equal(a.correlation, b.correlation)
    assert got["aiid"].links == {"price": "frontier_capability.price"}
    # and they say how old the fits' data are, as the fits' models do
    assert want.data_as_of.items() <= got.data_as_of.items() and got.data_as_of["aiid: incident fit"] == "2025-03"
    assert lb.data_as_of == lb_fit.model("lb").data_as_of == {"lb: leaderboard gap fit": "2025-08"}


# --- property: any prior survives TOML text exactly ----------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_real = st.floats(-50, 50, allow_nan=False, allow_infinity=False)
_pos = st.floats(0.01, 20, allow_nan=False, allow_infinity=False)


@st.composite
def _leaf(draw):
    kind = draw(st.sampled_from(["point", "normal", "lognormal", "uniform", "triangular", "pert", "beta",
                                 "gamma", "student_t", "to", "empirical"]))
    if kind == "point":
        return ac.point(draw(_real))
    if kind in ("normal", "lognormal"):
        return getattr(ac, kind)(draw(st.floats(-3, 3)), draw(st.floats(0.01, 2)))
    if kind in ("uniform", "triangular", "pert"):
        lo, w = draw(_real), draw(_pos)
        if kind == "uniform":
            return ac.uniform(lo, lo + w)
        mode = lo + w * draw(st.floats(0.05, 0.95))
        if kind == "triangular":
            return ac.triangular(lo, mode, lo + w)
        return ac.pert(lo, mode, lo + w, draw(st.floats(1, 8)))
    if kind == "beta":
        return ac.beta(draw(st.floats(0.2, 10)), draw(st.floats(0.2, 10)))
    if kind == "gamma":
        return ac.gamma(draw(st.floats(0.2, 10)), draw(_pos))
    if kind == "student_t":
        return ac.student_t(draw(st.floats(1, 30)), draw(_real), draw(_pos))
    if kind == "to":
        lo, w = draw(st.floats(-20, 20)), draw(_pos)
        return ac.to(lo, lo + w, credibility=draw(st.sampled_from([0.9, 0.8, 0.5, 0.95, 0.333])))
    return ac.empirical(draw(st.lists(_real, min_size=1, max_size=5)))


@st.composite
def _prior_tree(draw, depth=2):
    base = draw(_leaf())
    if depth == 0:
        return base
    how = draw(st.sampled_from(["leaf", "truncate", "mixture"]))
    if how == "truncate" and not base.is_point and base.kind != "empirical":
        lo, hi = (float(x) for x in base.ppf([draw(st.floats(0.01, 0.4)), draw(st.floats(0.6, 0.99))]))
        if lo < hi:
            return ac.truncate(base, lo, hi)
    if how == "mixture":
        comps = [base, *draw(st.lists(_prior_tree(depth=depth - 1), min_size=1, max_size=2))]
        return ac.mixture(comps, draw(st.lists(st.floats(0.05, 5), min_size=len(comps), max_size=len(comps))))
    return base


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(_prior_tree())
def test_any_prior_survives_toml_text_exactly(prior):
    from aicast.scenario_file.reading import tomllib
    from aicast.scenario_file.writing import _value

    text = f"p = {_value(prior)}\n"
    back = prior_from_toml(tomllib.loads(text)["p"])
    assert _same_core(prior._core, back._core), text


def test_validate_files_lists_problems_per_file(tmp_path):
    from aicast.scenario_file import validate_files

    bad = _write(tmp_path, "bad.toml", GOOD_HEAD + GOOD_MODEL + "volatility = nan\n")
    got = validate_files([ROOT / "scenarios" / "baseline.toml", bad])
    assert got[str(ROOT / "scenarios" / "baseline.toml")] == []
    assert [(p.key, p.message) for p in got[str(bad)]] == [("models.frontier.volatility", "must be a number, got nan")]


def test_data_as_of_of_fitted_models_survives_the_file_and_extends_merges_it(tmp_path):
    """A scenario built from fits knows how old their data are; its file keeps that
    ([data_as_of]), a file that extends it adds to it, and the result says so."""
    fit = ac.fit.incident_growth()
    sc = ac.Scenario("2025-04", "2026-12", seed=3).add(fit.model("aiid"))
    text = sc.to_toml()
    assert '[data_as_of]\n"aiid: incident fit" = "2025-03"' in text
    base = _write(tmp_path, "fitted.toml", text)
    assert load_scenario(base).data_as_of == {"aiid: incident fit": "2025-03"}
    child = _write(tmp_path, "child.toml", 'extends = "fitted.toml"\n[data_as_of]\n"my prices" = "2026-07-24"\n'
                   + GOOD_MODEL)
    sc2 = load_scenario(child)
    assert sc2.data_as_of == {"aiid: incident fit": "2025-03", "my prices": "2026-07-24"}
    assert "data as of 2025-03 to 2026-07-24" in repr(sc2.run(paths=200, progress=False))


def test_the_readme_example_file_loads(tmp_path):
    """The README's example scenario file (name = "bear") is a file that works."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index('name = "bear"')
    text = readme[start:readme.index("```", start)]
    text = text.replace('extends = "baseline.toml"', f'extends = "{(ROOT / "scenarios" / "baseline.toml").as_posix()}"')
    sc = load_scenario(_write(tmp_path, "bear.toml", text))
    assert sc.name == "bear" and sc.paths == 200_000 and sc.seed == 7
    assert sc.data_as_of["my price fit"] == "2026-07"
    assert sc["frontier_capability"].params["annual_decline"].params != load_scenario(
        ROOT / "scenarios" / "baseline.toml")["frontier_capability"].params["annual_decline"].params
