"""Priors: numbers with uncertainty.

Every model parameter accepts a plain number or a :class:`Prior`. The constructors here
mirror what forecasters say: ``to(3, 30)`` is "90% sure it lies between 3 and 30".
Quantile, distribution and sampling functions run in the C++ engine (Boost.Math).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from numbers import Real
from typing import Any

import numpy as np
import numpy.typing as npt

from . import _engine
from ._checks import _short

__all__ = [
    "Prior",
    "as_prior",
    "beta",
    "correlate",
    "correlation_groups",
    "empirical",
    "gamma",
    "joint_empirical",
    "lognormal",
    "mixture",
    "normal",
    "pert",
    "point",
    "sample",
    "student_t",
    "to",
    "triangular",
    "truncate",
    "uniform",
]


class Prior:
    """A probability distribution for one uncertain input.

    Build priors with the functions of this module (:func:`to`, :func:`normal`, ...),
    not with this class directly.

    Examples
    --------
    >>> import aicast as ac
    >>> p = ac.to(3, 30)
    >>> round(float(p.ppf(0.05)), 6), round(float(p.ppf(0.95)), 6)
    (3.0, 30.0)
    """

    __slots__ = ("_core", "_text")

    def __init__(self, core: _engine.Prior, text: str | None = None) -> None:
        self._core = core
        self._text = text

    # --- what it is -------------------------------------------------------------------
    @property
    def kind(self) -> str:
        """Family name: ``"normal"``, ``"lognormal"``, ``"truncated"``, ..."""
        return self._core.kind

    @property
    def params(self) -> tuple[float, ...]:
        """The family's parameters, in the order of its constructor."""
        return tuple(self._core.params)

    @property
    def support(self) -> tuple[float, float]:
        """Smallest and largest possible values (may be infinite)."""
        return (self._core.lower, self._core.upper)

    @property
    def is_point(self) -> bool:
        """True for a fixed value (no uncertainty)."""
        return bool(self._core.is_point)

    @property
    def correlation(self) -> np.ndarray | None:
        """The copula correlation matrix this prior belongs to, if it was correlated."""
        return self._core.correlation

    @property
    def joint_rows(self) -> np.ndarray | None:
        """The table of a :func:`joint_empirical` group this prior belongs to (rows x members), if any."""
        return self._core.joint_rows

    @property
    def is_linked(self) -> bool:
        """True when draws are joint with other priors (:func:`correlate` or :func:`joint_empirical`)."""
        return self._core.correlation is not None or self._core.joint_rows is not None

    def _correlation_text(self) -> str:
        """``"correlated: member 1 of 2 in a Gaussian copula, correlation 0.8 with member 2"``."""
        rows = self._core.joint_rows
        if rows is not None:
            return (f"joint: column {int(self._core.copula_index) + 1} of {rows.shape[1]} of a table of "
                    f"{rows.shape[0]} rows drawn whole")
        c = self._core.correlation
        if c is None:
            return ""
        i = int(self._core.copula_index)
        others = ", ".join(f"{c[i, j]:.3g} with member {j + 1}" for j in range(len(c)) if j != i)
        return f"correlated: member {i + 1} of {len(c)} in a Gaussian copula, correlation {others}"

    def _short(self) -> str:
        """The text it was built from (or its description), marked when correlated."""
        text = self._text if self._text is not None else self._core.describe()
        if self._core.joint_rows is not None:
            return f"{text} [joint rows]"
        return f"{text} [correlated]" if self._core.correlation is not None else text

    def __repr__(self) -> str:
        desc = self._core.describe()
        corr = self._correlation_text()
        if corr:
            desc = f"{desc}; {corr}"
        if self._text is None:
            return desc
        return f"{self._text}  # {desc}"

    def _repr_html_(self) -> str:
        lo, med, hi = (float(self.ppf(q)) for q in (0.05, 0.5, 0.95))
        return (
            f"<code>{_html_escape(repr(self))}</code><br>"
            f"median {med:.4g}, 90% interval [{lo:.4g}, {hi:.4g}]"
        )

    # --- distribution functions ---------------------------------------------------------
    def ppf(self, q: npt.ArrayLike) -> np.ndarray:
        """Quantile function (inverse CDF) at probabilities ``q`` in [0, 1]."""
        return self._core.ppf(_floats(q, "q"))

    def cdf(self, x: npt.ArrayLike) -> np.ndarray:
        """Cumulative distribution function at ``x``."""
        return self._core.cdf(_floats(x, "x"))

    def mean(self) -> float:
        """Expected value."""
        return float(self._core.mean())

    def interval(self, credibility: float = 0.9) -> tuple[float, float]:
        """Central credible interval holding ``credibility`` of the mass."""
        _check_credibility(credibility)
        a = (1.0 - credibility) / 2.0
        return (float(self.ppf(a)), float(self.ppf(1.0 - a)))

    def sample(self, n: int, seed: int = 0, threads: int | None = None) -> np.ndarray:
        """``n`` independent draws, reproducible for a given ``seed``.

        Uses the engine's counter-based generator and its vectorized samplers, in blocks over
        ``threads`` threads (``None``: all cores). Draw ``i`` depends only on ``seed`` and ``i``:
        not on ``n``, nor on the number of threads.

        Parameters
        ----------
        n
            Number of draws.
        seed
            Seed in ``[0, 2**64)``.
        threads
            Threads to use; ``None`` for all cores.

        Returns
        -------
        numpy.ndarray
            ``n`` float64 draws.

        Raises
        ------
        ValueError
            If ``n`` is negative or the draws would not fit in memory (the message names ``n``
            and the memory it needs); if the prior is correlated (use :func:`sample`).

        Examples
        --------
        >>> import aicast as ac
        >>> x = ac.to(3, 30).sample(100_000, seed=1)
        >>> bool(abs(np.median(x) - np.sqrt(90)) < 0.2)
        True
        """
        n = _check_count(n, "n")
        seed = _check_seed(seed)
        if self.is_linked:
            raise ValueError(
                "sample: this prior is correlated with others; draw it jointly with them with "
                "aicast.sample([...], n, seed), or sample the marginal with prior.marginal().sample(...)"
            )
        return self._core.sample(n, seed, _check_threads(threads))

    def marginal(self) -> Prior:
        """The same distribution without its correlation link."""
        return Prior(self._core.marginal(), self._text)

    def truncate(self, lo: float = -math.inf, hi: float = math.inf) -> Prior:
        """This distribution conditioned to lie in [lo, hi]."""
        return truncate(self, lo, hi)


def _floats(x: Any, field: str) -> np.ndarray:
    try:
        return np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{field} must be a number or an array of numbers, got {type(x).__name__} {_short(x)}") from None


def _html_escape(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _num(x: Any, field: str) -> float:
    if isinstance(x, bool) or not isinstance(x, Real):
        raise TypeError(f"{field} must be a number, got {type(x).__name__} {x!r}")
    return float(x)


def _check_credibility(c: Any) -> float:
    c = _num(c, "credibility")
    if not (0.0 < c < 1.0):
        raise ValueError(f"credibility must be in (0, 1), got {c!r}")
    return c


def _check_count(n: Any, field: str) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"{field} must be an integer, got {type(n).__name__} {n!r}")
    if n < 0:
        raise ValueError(f"{field} must be non-negative, got {n}")
    return int(n)


def _check_threads(threads: Any) -> int:
    if threads is None:
        return 0
    if isinstance(threads, bool) or not isinstance(threads, (int, np.integer)):
        raise TypeError(f"threads must be an integer or None, got {type(threads).__name__} {threads!r}")
    if threads < 1:
        raise ValueError(f"threads must be positive, got {threads}")
    return int(threads)


def _check_seed(seed: Any) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an integer, got {type(seed).__name__} {seed!r}")
    if not (0 <= seed < 2**64):
        raise ValueError(f"seed must be in [0, 2**64), got {seed}")
    return int(seed)


#: Deepest nesting of mixtures and truncations (deeper ones are a mistake, and recursion in
#: describing or writing them would fail).
MAX_PRIOR_DEPTH = 16


def _depth(core: Any) -> int:
    return 1 + max((_depth(c) for c in core.components), default=0)


def _check_depth(priors: Sequence[Prior], field: str) -> None:
    d = 1 + max((_depth(p._core) for p in priors), default=0)
    if d > MAX_PRIOR_DEPTH:
        raise ValueError(f"{field}: priors may be nested (mixtures, truncations) at most {MAX_PRIOR_DEPTH} deep, "
                         f"got {d}")


def _fmt(x: float) -> str:
    return f"{x:g}"


# --- constructors ---------------------------------------------------------------------------


def point(value: float) -> Prior:
    """A fixed value: no uncertainty."""
    return Prior(_engine.Prior.point(_num(value, "value")))


def normal(mu: float, sigma: float) -> Prior:
    """Normal distribution with mean ``mu`` and standard deviation ``sigma``."""
    return Prior(_engine.Prior.normal(_num(mu, "mu"), _num(sigma, "sigma")))


def lognormal(mu: float, sigma: float) -> Prior:
    """Lognormal: ``log X ~ normal(mu, sigma)``; the median is ``exp(mu)``.

    Matches ``scipy.stats.lognorm(s=sigma, scale=exp(mu))``.
    """
    return Prior(_engine.Prior.lognormal(_num(mu, "mu"), _num(sigma, "sigma")))


def uniform(lo: float, hi: float) -> Prior:
    """Uniform on [lo, hi]."""
    return Prior(_engine.Prior.uniform(_num(lo, "lo"), _num(hi, "hi")))


def triangular(lo: float, mode: float, hi: float) -> Prior:
    """Triangular on [lo, hi] with its peak at ``mode``."""
    return Prior(_engine.Prior.triangular(_num(lo, "lo"), _num(mode, "mode"), _num(hi, "hi")))


def pert(lo: float, mode: float, hi: float, lam: float = 4.0) -> Prior:
    """PERT (a scaled beta) on [lo, hi] with most likely value ``mode``.

    ``lam`` sets how peaked it is (4 is the classic PERT). Its mean is
    ``(lo + lam * mode + hi) / (lam + 2)``.
    """
    return Prior(
        _engine.Prior.pert(_num(lo, "lo"), _num(mode, "mode"), _num(hi, "hi"), _num(lam, "lam"))
    )


def beta(a: float, b: float) -> Prior:
    """Beta(a, b) on [0, 1]."""
    return Prior(_engine.Prior.beta(_num(a, "a"), _num(b, "b")))


def gamma(shape: float, scale: float = 1.0) -> Prior:
    """Gamma with ``shape`` and ``scale`` (mean ``shape * scale``)."""
    return Prior(_engine.Prior.gamma(_num(shape, "shape"), _num(scale, "scale")))


def student_t(df: float, loc: float = 0.0, scale: float = 1.0) -> Prior:
    """Student's t with ``df`` degrees of freedom, shifted by ``loc`` and scaled by ``scale``."""
    return Prior(_engine.Prior.student_t(_num(df, "df"), _num(loc, "loc"), _num(scale, "scale")))


def truncate(prior: Prior | float, lo: float = -math.inf, hi: float = math.inf) -> Prior:
    """``prior`` conditioned to lie in [lo, hi] (either bound may be infinite)."""
    p = as_prior(prior, "prior")
    _check_depth([p], "prior")
    core = _engine.Prior.truncated(p._core, _num(lo, "lo"), _num(hi, "hi"))
    text = None if p._text is None else f"truncate({p._text}, {_fmt(lo)}, {_fmt(hi)})"
    return Prior(core, text)


def mixture(components: Sequence[Prior | float], weights: Sequence[float] | None = None) -> Prior:
    """A mixture: with probability ``weights[i]`` draw from ``components[i]``.

    Weights default to equal and are normalized to sum to 1.
    """
    if isinstance(components, (str, bytes, Prior, Real)) or not isinstance(components, Sequence):
        raise TypeError(f"components must be a list of priors or numbers, got {type(components).__name__} "
                        f"{_short(components)}")
    comps = [as_prior(c, f"components[{i}]") for i, c in enumerate(components)]
    _check_depth(comps, "components")
    if weights is not None and (isinstance(weights, (str, bytes)) or not isinstance(weights, Sequence)):
        raise TypeError(f"weights must be a list of numbers, got {type(weights).__name__} {_short(weights)}")
    if weights is None:
        w = [1.0] * len(comps)
    else:
        w = [_num(x, f"weights[{i}]") for i, x in enumerate(weights)]
    return Prior(_engine.Prior.mixture([c._core for c in comps], w))


def empirical(values: npt.ArrayLike) -> Prior:
    """Resample the given values (each equally likely), e.g. a bootstrap or posterior sample."""
    if isinstance(values, (str, bytes, Real)) or values is None:
        raise TypeError(f"values must be an array of numbers, got {type(values).__name__} {_short(values)}")
    try:
        arr = np.asarray(values, dtype=float).ravel()
    except (TypeError, ValueError) as e:
        raise TypeError(f"values must be an array of numbers (rows of equal length), got {_short(values)}: "
                        f"{str(e).splitlines()[0]}") from None
    return Prior(_engine.Prior.empirical(arr.tolist()))


def to(lo: float, hi: float, credibility: float = 0.9) -> Prior:
    """A prior from a central credible interval: ``credibility`` of the mass lies in [lo, hi].

    Lognormal when ``lo > 0`` (a positive, multiplicative quantity), otherwise normal; as
    squigglepy's and Squiggle's ``to``. With the default 0.9, 5% lies below ``lo`` and 5%
    above ``hi``.

    Raises
    ------
    ValueError
        If ``lo >= hi``, a bound is not finite, or ``credibility`` is not in (0, 1).
    """
    lo_f, hi_f = _num(lo, "lo"), _num(hi, "hi")
    cred = _check_credibility(credibility)
    core = _engine.Prior.from_interval(lo_f, hi_f, cred)
    text = f"to({_fmt(lo_f)}, {_fmt(hi_f)})"
    if cred != 0.9:
        text = f"to({_fmt(lo_f)}, {_fmt(hi_f)}, credibility={_fmt(cred)})"
    return Prior(core, text)


def correlate(*priors: Prior | Sequence[Prior], correlation: npt.ArrayLike) -> tuple[Prior, ...]:
    """Correlate priors through a Gaussian copula.

    Returns new priors with the same marginals whose draws in a scenario run are jointly
    dependent with the given (rank) correlation structure. Each returned prior is one
    random quantity per path: wherever it is used, it takes the same value on that path.

    Parameters
    ----------
    *priors
        Two or more priors (or one sequence of them).
    correlation
        A symmetric positive definite matrix with unit diagonal, or a single number for two
        priors.

    Raises
    ------
    ValueError
        If the matrix has the wrong shape, is not symmetric, has entries outside [-1, 1], or
        is not positive definite (the message gives its smallest eigenvalue).

    Examples
    --------
    >>> import aicast as ac
    >>> frontier, mid = ac.correlate(ac.to(3, 30), ac.to(2, 20), correlation=0.8)
    """
    items: list[Any] = list(priors[0]) if len(priors) == 1 and not isinstance(priors[0], Prior) else list(priors)  # type: ignore[arg-type]
    ps = [as_prior(p, f"priors[{i}]") for i, p in enumerate(items)]
    for i, p in enumerate(ps):
        if p.is_linked:
            raise ValueError(f"correlate: priors[{i}] ({_short(p)}) is already correlated with other priors; "
                             "correlate all of them in one call (a correlation matrix), or pass p.marginal()")
    try:
        c = np.asarray(correlation, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"correlation must be a number or a matrix of numbers, got {_short(correlation)}") from None
    if c.ndim == 0:
        if len(ps) != 2:
            raise ValueError(
                f"correlation: a single number correlates exactly two priors, got {len(ps)} priors"
            )
        c = np.array([[1.0, float(c)], [float(c), 1.0]])
    cores = _engine.correlate([p._core for p in ps], c)
    return tuple(Prior(core, p._text) for core, p in zip(cores, ps))


def joint_empirical(table: Mapping[str, npt.ArrayLike] | npt.ArrayLike) -> Any:
    """Priors drawn jointly as whole rows of a table, e.g. posterior draws of several parameters.

    Each member's marginal is the empirical distribution of its column (as :func:`empirical`);
    in a run every path picks one row uniformly (from a stream keyed by the seed and the sorted
    names of the members, like a :func:`correlate` group) and each member takes its value from
    that row, so any dependence in the table (not only a rank correlation) is kept exactly. The
    same seed gives the same rows for any number of threads.

    Parameters
    ----------
    table
        A mapping ``{name: column}`` of equally long columns, or a 2-D array (rows x members).

    Returns
    -------
    dict[str, Prior] or tuple[Prior, ...]
        ``{name: prior}`` for a mapping, a tuple (one prior per column) for an array.

    Raises
    ------
    ValueError
        For columns of different lengths, an empty table or non-finite values.

    Examples
    --------
    >>> import aicast as ac
    >>> p = ac.joint_empirical({"a": [1.0, 2.0, 3.0], "b": [10.0, 20.0, 30.0]})
    >>> x = ac.sample([p["a"], p["b"]], 1000, seed=1)
    >>> bool(np.all(x[:, 1] == 10 * x[:, 0]))
    True
    """
    names: list[str] | None = None
    if isinstance(table, Mapping):
        names = [str(k) for k in table]
        cols = []
        for k, v in table.items():
            if isinstance(v, (str, bytes, Real, Prior)) or v is None:
                raise TypeError(f"joint_empirical: column {k!r} must be an array of numbers, got {_short(v)}")
            try:
                cols.append(np.asarray(v, dtype=float).ravel())
            except (TypeError, ValueError):
                raise TypeError(f"joint_empirical: column {k!r} must be an array of numbers, got {_short(v)}") from None
        if not cols:
            raise ValueError("joint_empirical: needs at least one column, got none")
        lengths = {len(c) for c in cols}
        if len(lengths) != 1:
            raise ValueError("joint_empirical: the columns must have equal lengths, got "
                             + ", ".join(f"{k}: {len(c)}" for k, c in zip(names, cols)))
        arr = np.column_stack(cols)
    else:
        if isinstance(table, (str, bytes, Real, Prior)) or table is None:
            raise TypeError(f"joint_empirical: table must be a mapping of columns or a 2-D array, got {_short(table)}")
        try:
            arr = np.asarray(table, dtype=float)
        except (TypeError, ValueError):
            raise TypeError(f"joint_empirical: table must be a 2-D array of numbers, got {_short(table)}") from None
        if arr.ndim != 2:
            raise ValueError(f"joint_empirical: table must be 2-D (rows x members), got shape {arr.shape}")
    cores = _engine.joint_rows(np.ascontiguousarray(arr))
    ps = tuple(Prior(c) for c in cores)
    return ps if names is None else dict(zip(names, ps))


def sample(
    priors: Sequence[Prior | float], n: int, seed: int = 0, threads: int | None = None
) -> np.ndarray:
    """``n`` joint draws of several priors, correlated ones jointly: an ``(n, len(priors))`` array.

    Priors linked by :func:`correlate` share their Gaussian copula: each row draws the group's
    correlated normals once (Cholesky factor times independent normals) and maps each member's
    coordinate through its marginal, as a run does. Priors of one :func:`joint_empirical` group
    share one row of its table per draw. An uncorrelated prior in column ``j`` is drawn
    on its own stream (column 0 equals ``priors[0].sample(n, seed)``). Runs on the engine's
    vectorized samplers and thread pool; row ``i`` depends only on ``seed`` and ``i``, not on
    ``n`` or the number of threads.

    Parameters
    ----------
    priors
        Priors (or numbers) to draw, one per column.
    n
        Number of rows.
    seed
        Seed in ``[0, 2**64)``.
    threads
        Threads to use; ``None`` for all cores.

    Returns
    -------
    numpy.ndarray
        Shape ``(n, len(priors))``, float64.

    Raises
    ------
    ValueError
        If ``n`` is negative, no prior is given, or the draws would not fit in memory (the
        message names ``n`` and the memory it needs).

    Examples
    --------
    >>> import aicast as ac
    >>> a, b = ac.correlate(ac.to(3, 30), ac.normal(0, 1), correlation=0.8)
    >>> x = ac.sample([a, b], 100_000, seed=1)
    >>> x.shape
    (100000, 2)
    >>> bool(np.corrcoef(np.log(x[:, 0]), x[:, 1])[0, 1] > 0.75)
    True
    """
    if isinstance(priors, (Prior, Real)):
        raise TypeError("sample: priors must be a sequence of priors, e.g. [a, b]")
    cores = [as_prior(p, f"priors[{i}]")._core for i, p in enumerate(priors)]
    if not cores:
        raise ValueError("sample: needs at least one prior, got none")
    n = _check_count(n, "n")
    seed = _check_seed(seed)
    return _engine.sample(cores, n, seed, _check_threads(threads))


def as_prior(x: Any, field: str) -> Prior:
    """A :class:`Prior` from a prior or a plain number (a point value); errors name ``field``."""
    if isinstance(x, Prior):
        return x
    if isinstance(x, bool) or not isinstance(x, Real):
        raise TypeError(f"{field} must be a number or a prior, got {type(x).__name__} {x!r}")
    if not math.isfinite(float(x)):
        raise ValueError(f"{field} must be finite, got {float(x)!r}")
    return point(float(x))


def correlation_groups(named: Mapping[str, Prior]) -> list[tuple[list[str], np.ndarray]]:
    """Group named priors by the Gaussian copula they share: ``[(names, correlation matrix), ...]``.

    ``names`` are in copula order, so ``matrix[i, j]`` is the correlation of ``names[i]`` and
    ``names[j]`` (the rows and columns of members not named are left out). Uncorrelated
    priors are left out.

    Examples
    --------
    >>> import aicast as ac
    >>> a, b = ac.correlate(ac.to(3, 30), ac.to(2, 20), correlation=0.8)
    >>> [(names, float(m[0, 1])) for names, m in correlation_groups({"frontier": a, "mid": b, "x": ac.to(1, 2)})]
    [(['frontier', 'mid'], 0.8)]
    """
    groups: list[tuple[Prior, dict[int, str]]] = []
    for name, p in named.items():
        if p.correlation is None:
            continue
        for first, members in groups:
            if first._core.same_copula(p._core):
                members[int(p._core.copula_index)] = name
                break
        else:
            groups.append((p, {int(p._core.copula_index): name}))
    out = []
    for first, m in groups:
        idx = sorted(m)
        out.append(([m[k] for k in idx], np.asarray(first.correlation)[np.ix_(idx, idx)]))
    return out
