"""Sobol sensitivity: which prior drives an output, and how much of its variance is process noise.

Each path draws its parameters from the priors (the inputs) and then its own noise. The
engine runs a Saltelli design in one pass: rows ``A``, ``B``, ``C`` and one ``AB_g`` per input
group, where ``A`` and every ``AB_g`` share the noise streams of paths ``0..n`` (common random
numbers) and ``B`` and ``C`` (``A``'s parameters) those of paths ``n..2n``. Then, for the
per-path output ``Y = h(series at a month)``:

* first order ``S_g = Var(E[Y | X_g]) / Var(Y)`` and total ``ST_g = E[Var(Y | X_~g)] / Var(Y)``
  of each input group, the noise counted as one more input;
* the noise's total index ``ST_noise = E[Var(Y | all parameters)] / Var(Y)``: the share of
  the variance no parameter explains (process noise).

``statistic`` picks ``h``: ``"mean"`` is ``Y`` itself (the indices of the variance of the
output); ``"median"`` is the indicator ``Y <= median(Y)`` (what moves paths across the median,
robust to the heavy tails of prices); an event ``"frontier.price < 0.5"`` is the indicator that
it has happened by the month (what moves its probability).

Correlated priors: the priors of one ``correlate`` group are not independent inputs, and
per-prior Sobol indices are not defined for them without an ordering; the group is one input
(grouped indices, named ``"a + b + c"``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .. import style
from .._checks import _check_positive_int
from .._months import month_index
from ..priors import Prior, _check_seed, as_prior
from . import _sobol
from ._paths import event_hits, kept_paths

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from ..scenario import Scenario

__all__ = ["SobolResult", "sensitivity", "sobol"]

NOISE = "process noise"


@dataclass(frozen=True)
class SobolResult:
    """First-order and total Sobol indices per input group, with bootstrap confidence half-widths.

    ``first``, ``total``, ``first_conf``, ``total_conf``: DataFrames (month or output x input);
    ``variance``: the output variance per month. For a scenario, the last column is the process
    noise (its total index is the share of variance no parameter explains).
    """

    first: pd.DataFrame
    total: pd.DataFrame
    first_conf: pd.DataFrame
    total_conf: pd.DataFrame
    variance: pd.Series
    output: str
    statistic: str
    n: int
    conf: float
    evaluations: int
    data_as_of: dict[str, str] = field(default_factory=dict)  # of a scenario's data (sensitivity); empty for sobol

    @property
    def inputs(self) -> list[str]:
        return list(self.first.columns)

    def _row(self, at: Any) -> Any:
        if at is None:
            return self.first.index[-1]
        if isinstance(self.first.index, pd.PeriodIndex):
            return pd.Period(at, freq="M")
        return at

    def table(self, at: Any = None) -> pd.DataFrame:
        """Indices at one month (default: the last), sorted by total index, with their intervals."""
        r = self._row(at)
        df = pd.DataFrame({
            "S1": self.first.loc[r], "S1_conf": self.first_conf.loc[r],
            "ST": self.total.loc[r], "ST_conf": self.total_conf.loc[r],
        })
        return df.sort_values("ST", ascending=False)

    @property
    def noise_share(self) -> pd.Series:
        """Share of the output variance that is process noise (total index of the noise), per month."""
        if NOISE not in self.total.columns:
            raise ValueError("no process noise in a sensitivity of a function of priors")
        return self.total[NOISE]

    def plot_tornado(self, at: Any = None, *, ax: Axes | None = None, top: int = 12) -> Axes:
        """Tornado chart: total (and first-order) index of each input at one month, largest on top."""
        import matplotlib.pyplot as plt

        t = self.table(at)
        t = t[(t["ST"] != 0) | (t["S1"] != 0)].head(top).iloc[::-1]  # inputs with no effect at all are left out
        if ax is None:
            _, ax = plt.subplots(figsize=(8, 0.45 * len(t) + 1.5))
        y = np.arange(len(t))
        ax.barh(y, t["ST"], xerr=t["ST_conf"], color="C0", alpha=0.45, label="total index")
        ax.barh(y, t["S1"].clip(lower=0), xerr=t["S1_conf"], height=0.45, color="C0", label="first-order index")
        ax.set_yticks(y, list(t.index))
        ax.set_xlim(0, max(1.0, float(np.nanmax(t["ST"] + t["ST_conf"]))))
        ax.set_xlabel(f"share of the variance of {self._what()}")
        ax.set_title(f"Sobol indices, {self.output} at {self._row(at)} ({self.n:,} base rows){self._as_of_line()}")
        ax.legend(loc="lower right", frameon=False)
        ax.grid(True, axis="x", alpha=0.3)
        return ax

    def plot_over_time(self, *, total: bool = True, ax: Axes | None = None, top: int = 8) -> Axes:
        """Indices of the leading inputs month by month (total indices by default)."""
        import matplotlib.pyplot as plt

        df = self.total if total else self.first
        effect = df.abs().max(axis=0)
        lead = df.iloc[-1][effect > 0].sort_values(ascending=False).index[:top]  # inputs with no effect left out
        if ax is None:
            _, ax = plt.subplots(figsize=(8, 4.5))
        x = df.index.to_timestamp() if isinstance(df.index, pd.PeriodIndex) else df.index
        conf = self.total_conf if total else self.first_conf
        for k, name in enumerate(lead):
            ax.plot(x, df[name], lw=2, color=f"C{k}", label=name, ls="--" if name == NOISE else "-")
            ax.fill_between(x, df[name] - conf[name], df[name] + conf[name], color=f"C{k}", alpha=0.15, lw=0)
        ax.set_ylim(0, 1)
        ax.set_ylabel(f"{'total' if total else 'first-order'} Sobol index")
        ax.set_title(f"What drives {self._what()} over time{self._as_of_line()}")
        ax.grid(True, alpha=0.3)
        ax.legend(loc="best", frameon=False, fontsize=8)
        return ax

    def _as_of_line(self) -> str:
        return f"\n{style.as_of_text(self.data_as_of)}" if self.data_as_of else ""

    def _what(self) -> str:
        return self.output if self.statistic == "mean" else f"{self.output} ({self.statistic})"

    def __repr__(self) -> str:
        t = self.table()
        lead = ", ".join(f"{k} {v:.2f}" for k, v in t["ST"].head(3).items())
        return (f"SobolResult({self._what()}, {len(self.inputs)} inputs, n={self.n:,}, "
                f"{self.evaluations:,} evaluations; total at {self.first.index[-1]}: {lead}"
                f"{self._as_of_line().replace(chr(10), '; ')})")


def _check_conf(conf: Any) -> float:
    if isinstance(conf, bool) or not isinstance(conf, (int, float)) or not 0 < conf < 1:
        raise ValueError(f"conf must be a number in (0, 1), got {conf!r}")
    return float(conf)


def _check_bootstrap(b: Any) -> int:
    if isinstance(b, bool) or not isinstance(b, (int, np.integer)) or b < 0:
        raise ValueError(f"bootstrap must be a non-negative integer, got {b!r}")
    return int(b)


def _copula_groups(priors: Sequence[Prior]) -> list[list[int]]:
    groups: list[list[int]] = []
    for j, p in enumerate(priors):
        for g in groups:
            if p._core.same_copula(priors[g[0]]._core):
                g.append(j)
                break
        else:
            groups.append([j])
    return groups


def sobol(
    func: Callable[[dict[str, np.ndarray]], Any],
    priors: Mapping[str, Any],
    n: int = 4096,
    *,
    seed: int = 0,
    bootstrap: int = 200,
    conf: float = 0.95,
) -> SobolResult:
    """Sobol indices of any vectorized function of priors (Saltelli design, as SALib).

    Parameters
    ----------
    func
        Takes ``{name: array of n values}`` and returns an array of shape (n,) or (n, k).
    priors
        Name -> prior (or number; points are not inputs). Priors linked by ``correlate`` form
        one grouped input.
    n
        Base rows: ``func`` is evaluated on ``n * (groups + 2)`` rows.
    seed, bootstrap, conf
        Seed of the design; bootstrap replicates and level of the confidence intervals.

    Returns
    -------
    SobolResult
        Index ``0..k-1`` over the function's outputs.

    Examples
    --------
    >>> import aicast as ac
    >>> r = ac.sobol(lambda x: 2 * x["a"] + x["b"], {"a": ac.normal(0, 1), "b": ac.normal(0, 1)}, n=2000)
    >>> round(float(r.first.loc[0, "a"]), 1)
    0.8
    """
    n = _check_positive_int(n, "n")
    bootstrap, conf, seed = _check_bootstrap(bootstrap), _check_conf(conf), _check_seed(seed)
    if not callable(func):
        raise TypeError(f"func must be callable, got {type(func).__name__}")
    all_p = {str(k): as_prior(v, str(k)) for k, v in priors.items()}
    names = [k for k, p in all_p.items() if not p.is_point]
    if not names:
        raise ValueError("sobol needs at least one uncertain prior, got only fixed values")
    ps = [all_p[k] for k in names]
    groups = _copula_groups(ps)
    des = _sobol.design(n, groups, len(ps), seed).mapped(_to_values(ps, groups))
    mats = [des.a, des.b] + [des.ab(g) for g in range(len(groups))]
    x = np.concatenate(mats, axis=0)
    inputs = {k: x[:, j] for j, k in enumerate(names)}
    inputs.update({k: np.full(len(x), float(p.ppf(0.5))) for k, p in all_p.items() if p.is_point})
    y = np.asarray(func(inputs), dtype=float)
    if y.shape[:1] != (len(x),):
        raise ValueError(f"func must return one value per row ({len(x)}), got shape {y.shape}")
    y = y.reshape(len(x), -1)
    parts = y.reshape(len(mats), n, -1)
    est = _sobol.estimate(parts[0], parts[1], parts[2:], bootstrap=bootstrap, conf=conf, seed=seed + 1)
    labels = [" + ".join(names[j] for j in g) for g in groups]
    return _result(est, labels, pd.RangeIndex(y.shape[1]), "f", "mean", n, conf, len(x))


def _to_values(ps: Sequence[Prior], groups: Sequence[Sequence[int]]) -> Callable[[np.ndarray], np.ndarray]:
    """Uniforms -> parameter values: each prior's quantile function; a copula group's columns are
    its independent coordinates, correlated through its Cholesky factor."""
    copulas = []
    tables = []  # joint empirical groups: (table, columns in table order); one row per design row
    for g in groups:
        rows = ps[g[0]].joint_rows
        if rows is not None:
            order = sorted(g, key=lambda j: ps[j]._core.copula_index)
            tables.append((np.asarray(rows), [int(ps[j]._core.copula_index) for j in order], order))
            continue
        corr = ps[g[0]].correlation
        if corr is None:
            continue
        order = sorted(g, key=lambda j: ps[j]._core.copula_index)
        if [ps[j]._core.copula_index for j in order] != list(range(len(corr))):
            raise ValueError(f"a correlated group is only partly among the inputs ({len(g)} of {len(corr)} "
                             "priors); sensitivity needs every prior of a correlate(...) group")
        copulas.append((np.linalg.cholesky(corr), order))
    ppf = [p.marginal().ppf for p in ps]

    def values(u: np.ndarray) -> np.ndarray:
        x = _sobol.values_from_uniforms(u, ppf, copulas)
        for table, members, cols in tables:
            # the group's first column picks the row; the whole row goes to its members
            r = np.minimum((u[:, cols[0]] * len(table)).astype(np.int64), len(table) - 1)
            for m, c in zip(members, cols):
                x[:, c] = table[r, m]
        return x

    return values


def _result(est: dict[str, np.ndarray], labels: list[str], index: pd.Index, output: str, statistic: str, n: int,
            conf: float, evaluations: int, data_as_of: dict[str, str] | None = None) -> SobolResult:
    def frame(a: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(a.T, index=index, columns=labels)

    return SobolResult(frame(est["first"]), frame(est["total"]), frame(est["first_conf"]), frame(est["total_conf"]),
                       pd.Series(est["variance"], index=index), output, statistic, n, conf, evaluations,
                       dict(data_as_of or {}))


def sensitivity(
    scenario: Scenario,
    output: str,
    *,
    at: Any = None,
    statistic: str = "mean",
    n: int = 4096,
    seed: int = 0,
    bootstrap: int = 100,
    conf: float = 0.95,
    threads: int | None = None,
) -> SobolResult:
    """Sobol indices of a scenario's output against every prior, and the share that is process noise.

    Parameters
    ----------
    scenario
        The scenario; every non-point prior of its models is an input (a ``correlate`` group is
        one grouped input).
    output
        A series, e.g. ``"frontier.price"``.
    at
        A month (``"2028-12"``) or None for every month.
    statistic
        ``"mean"``, ``"median"`` or an event on ``output`` such as ``"frontier.price < 0.5"`` (see
        the module docstring for what each measures).
    n
        Base rows; the engine runs ``n * (groups + 3)`` paths in one pass.
    seed, bootstrap, conf
        Seed of the design (the scenario's seed keys the noise); bootstrap replicates and level
        of the confidence intervals.
    threads
        Engine threads (results do not depend on it).

    Returns
    -------
    SobolResult
        Rows are months; columns the input groups and ``"process noise"``.

    Raises
    ------
    ValueError
        For an unknown series or statistic, a month off the grid, or a scenario without priors.
    """
    n = _check_positive_int(n, "n")
    bootstrap, conf, seed = _check_bootstrap(bootstrap), _check_conf(conf), _check_seed(seed)
    if not isinstance(statistic, str) or not (statistic in ("mean", "median") or statistic.split()[:1] == [output]):
        raise ValueError(f"statistic must be 'mean', 'median' or an event on {output!r} like "
                         f"'{output} < 0.5', got {statistic!r}")
    core = scenario._engine_scenario()
    if output not in core.series:
        raise ValueError(f"unknown series {output!r} (series: {', '.join(core.series)})")
    months = scenario.months
    cols = list(range(len(months))) if at is None else [month_index(scenario.start, at, "at", len(months))]
    names, igroups = list(core.inputs), list(core.input_groups)
    if not names:
        raise ValueError("the scenario has no uncertain parameter: every prior is a fixed value")
    groups: list[list[int]] = []
    by_copula: dict[int, list[int]] = {}
    for j, (g, _) in enumerate(igroups):
        if g < 0:
            groups.append([j])
        elif g in by_copula:
            by_copula[g].append(j)
        else:
            by_copula[g] = [j]
            groups.append(by_copula[g])
    specs = {m.name: m._spec_on_grid(scenario.start)["params"] for m in scenario.models}
    priors = [Prior(specs[name.split(".", 1)[0]][name.split(".", 1)[1]]) for name in names]
    des = _sobol.design(n, groups, len(names), seed).mapped(_to_values(priors, groups))
    # rows: A, B, C (A's parameters, B's noise), AB_g...
    mats = [des.a, des.b, des.a] + [des.ab(g) for g in range(len(groups))]
    offsets = [0, n, n] + [0] * len(groups)
    u = np.ascontiguousarray(np.concatenate(mats, axis=0))
    y = kept_paths(scenario, [output], len(u), threads=threads, inputs=u, noise_period=n,
                   noise_offsets=offsets)[output]
    if statistic == "median":
        ab = y[: 2 * n]
        h = (y <= np.median(ab, axis=0)).astype(np.float64)
    elif statistic == "mean":
        h = y
    else:
        h = event_hits(y, statistic).astype(np.float64)
    h = h[:, cols].reshape(len(mats), n, len(cols))
    fa, fb, fc, fab = h[0], h[1], h[2], h[3:]
    est = _sobol.estimate(fa, fb, np.concatenate([fab, fc[None]], axis=0), bootstrap=bootstrap, conf=conf,
                          seed=seed + 1)
    labels = [" + ".join(names[j] for j in g) for g in groups] + [NOISE]
    return _result(est, labels, months[cols], output, statistic, n, conf, len(u), scenario.data_as_of)
