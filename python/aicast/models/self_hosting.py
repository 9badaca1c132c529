"""Self-hosting an open model vs paying an API, and token demand that responds to price.

Both models read a price series in USD per million tokens, usually a :class:`PriceDecline`
in the same scenario, so they see the same price paths (and its uncertainty).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..priors import Prior
from ._base import Model
from .price import PriceDecline

if TYPE_CHECKING:
    from ..result import Result

__all__ = ["HOURS_PER_MONTH", "SECONDS_PER_MONTH", "SelfHosting", "TokenDemand"]

#: Hours in a mean month (365 * 24 / 12), used for GPU rental and capacity.
HOURS_PER_MONTH = 730.0
#: Seconds in a mean month.
SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600.0


def _tokens_series(volume: Any, field: str) -> str:
    """``"use"`` or a TokenDemand -> ``"use.tokens"``; a full series name is kept."""
    if isinstance(volume, TokenDemand):
        return f"{volume.name}.tokens"
    if isinstance(volume, Model):
        raise TypeError(f"{field} must be a number, a prior or a TokenDemand, got {type(volume).__name__}")
    if not volume:
        raise TypeError(f"{field} must name a token series, e.g. 'demand', got {volume!r}")
    return volume if "." in volume else f"{volume}.tokens"


def _price_series(price: Any, field: str) -> str:
    """``"frontier"`` or a PriceDecline -> ``"frontier.price"``; a full series name is kept."""
    if isinstance(price, PriceDecline):
        return f"{price.name}.price"
    if isinstance(price, Model):
        raise TypeError(f"{field} must be a price model (PriceDecline) or its name, got {type(price).__name__}")
    if not isinstance(price, str) or not price:
        raise TypeError(f"{field} must be the name of a price model, e.g. 'frontier', got {price!r}")
    return price if "." in price else f"{price}.price"


class SelfHosting(Model):
    """Monthly cost of serving tokens on your own GPUs against paying an API per token.

    A *replica* is one server of ``gpus`` GPUs. It serves up to ``capacity`` tokens per month
    and costs ``replica_cost`` USD per month; staff are shared by all replicas::

        capacity       = gpus * tps * utilization * 2,628,000 s * throughput_annual_growth ** t
        replica_cost   = gpus * (gpu_price / depreciation_months + gpu_hour_price * 730)
                         * gpu_price_annual_decline ** (-t) + power_per_month + ops_per_month
        replicas       = max(1, ceil(volume_per_month / capacity))
        self_host_cost = staff_per_month + replicas * replica_cost
        api_cost       = volume_per_month * P / 1e6
        savings        = api_cost - self_host_cost        (> 0: self-hosting is cheaper)

    with ``t`` in years since the start month and ``P`` the linked API price (USD per million
    tokens). GPU costs fall by ``gpu_price_annual_decline`` per year: month ``t`` shows the
    cost of a deployment set up at that month's prices. A month has 730 hours.

    The API price of a fixed capability falls mostly because newer, smaller models and better
    inference software serve that capability with less compute; whoever self-hosts open
    weights gets those too. ``throughput_annual_growth`` (``g``) carries that: the tokens per
    second per GPU for the same capability grow by ``g`` a year, ``tps(t) = tps * g ** t``, so
    ``capacity`` is month ``t``'s (and so are the replica count, the break-even volume and
    :meth:`prob_cheaper`). With ``g = 1`` (the default) throughput is fixed forever and only GPU
    prices fall, which favours the API whenever its price falls faster than GPU prices.

    ``tps`` is the start month's throughput of one GPU in tokens *of the workload's mix* (input and output
    together, counted as the API bills them) per second. Give it as one measured number,
    ``tokens_per_second_per_gpu``, or let the model build it from the decode rate (output
    tokens generated per second), the prefill rate (input tokens processed per second, usually
    10-100x faster) and the mix::

        tps = 1 / (a (1 - c) / prefill_tokens_per_second_per_gpu + (1 - a) / decode_tokens_per_second_per_gpu)

    with ``a = input_share`` and ``c = cached_share`` (input tokens served from a prefix cache,
    no prefill). A decode rate passed as ``tokens_per_second_per_gpu`` treats every input
    token as if it were generated, which understates the capacity of input-heavy workloads
    many times over (at ``a = 0.9`` with prefill 20x decode: 6.9x).

    ``break_even_volume`` is the smallest monthly volume (tokens per month) at which
    self-hosting costs no more than the API. With ``H = replica_cost``, ``S =
    staff_per_month`` and ``m = capacity * P / 1e6 - H`` (what one full replica saves before
    staff): if ``m < 0`` (or ``m = 0`` with staff to pay) no volume breaks even in that month
    and the series holds **+inf** (quantiles are then +inf too, the mean +inf and the
    standard deviation +inf; events such as ``"x.break_even_volume < 1e9"`` simply do not
    hold, and ``"x.break_even_volume > 1e30"`` gives the probability of "never"); otherwise
    with ``k = max(1, ceil(S / m))`` replicas it is ``(S + k H) * 1e6 / P``, i.e.
    ``(S + H) * 1e6 / P`` while one replica suffices. Above the break-even the cost is a staircase, so just after a
    replica is added self-hosting can be dearer again: the probability that self-hosting is
    cheaper at a given volume comes from ``savings`` (see :meth:`prob_cheaper`).

    Parameters
    ----------
    name
        Model name; series ``<name>.self_host_cost``, ``.api_cost``, ``.savings`` (USD per
        month), ``.break_even_volume`` (tokens per month), ``.capacity`` (tokens per month
        per replica), ``.replica_cost`` and ``.staff_cost`` (USD per month).
    api_price
        The API price to compare with: a :class:`PriceDecline` in the same scenario, its
        name (``"frontier"`` reads ``"frontier.price"``) or a full series name; or a constant
        price (a number or a prior, drawn once per path, >= 0); USD per million tokens.
    volume_per_month
        Tokens served per month (>= 0): a number or a prior, or a :class:`TokenDemand` in the
        same scenario (or its name, or a full series name) whose ``tokens`` series is read
        month by month, so volume follows demand.
    tokens_per_second_per_gpu
        Throughput of one GPU at full load in tokens of the workload's mix (input and output
        together) per second (> 0). Leave out when giving the decode and prefill rates.
    decode_tokens_per_second_per_gpu
        Output tokens one GPU generates per second at full load (> 0), batched as served.
    prefill_tokens_per_second_per_gpu
        Input tokens one GPU processes per second at full load (> 0); needed with the decode
        rate.
    input_share
        Share of the workload's tokens that are input, in [0, 1); needed with the decode rate.
    cached_share
        Share of the input tokens served from a prefix cache without prefill, in [0, 1];
        default 0 (only with the decode rate).
    utilization
        Fraction of the month the GPUs serve at that throughput, in (0, 1].
    gpus
        GPUs per replica (> 0).
    gpu_price
        Purchase price of one GPU in the start month, USD (>= 0); 0 when renting.
    depreciation_months
        Months over which a bought GPU is written off, straight line (> 0).
    gpu_hour_price
        Rental price of one GPU-hour in the start month, USD (>= 0), rented around the
        clock; 0 when buying. At least one of ``gpu_price`` and ``gpu_hour_price`` must be
        positive.
    gpu_price_annual_decline
        Factor by which GPU purchase and rental prices fall per year (> 0; 1 = flat).
    throughput_annual_growth
        Factor by which the tokens per second per GPU *for the same capability* grow per year
        (> 0; 1 = fixed throughput, the default): newer, smaller models of that capability,
        quantization and better serving software. It scales the whole throughput, blended or
        built from the decode and prefill rates.
    power_per_month
        Electricity per replica, USD per month (>= 0).
    ops_per_month
        Maintenance, hosting and other running costs per replica, USD per month (>= 0).
    staff_per_month
        Engineers running the deployment, USD per month (>= 0), shared by all replicas.

    Raises
    ------
    ValueError
        For a parameter outside its support (e.g. utilization outside (0, 1], zero
        throughput, a negative price, ``depreciation_months <= 0``), no GPU price at all, or
        throughput given both ways or neither (the decode rate needs the prefill rate and
        ``input_share``);
        a link to a missing price model is reported when the scenario runs.

    Examples
    --------
    Two A100s bought at $30k each, written off over 3 years, $300 power and $500
    maintenance a month, against an API at $0.5 per million tokens:

    >>> import aicast as ac
    >>> sc = ac.Scenario(start="2026-02", horizon="2028-12", seed=1)
    >>> _ = sc.add(ac.PriceDecline("api", start_price=0.5, annual_decline=2.0))
    >>> sh = ac.SelfHosting("own", api_price="api", volume_per_month=100e6, gpus=2,
    ...                     gpu_price=30_000, depreciation_months=36, power_per_month=300,
    ...                     ops_per_month=500, tokens_per_second_per_gpu=1500, utilization=0.5)
    >>> res = sc.add(sh).run(paths=1000, progress=False)
    >>> round(float(res.quantiles("own.self_host_cost", 0.5).iloc[0, 0]), 2)
    2466.67
    """

    kind = "self_hosting"

    def __init__(
        self,
        name: str,
        api_price: str | PriceDecline | Prior | float,
        volume_per_month: Prior | float | str | TokenDemand,
        *,
        utilization: Prior | float,
        tokens_per_second_per_gpu: Prior | float | None = None,
        decode_tokens_per_second_per_gpu: Prior | float | None = None,
        prefill_tokens_per_second_per_gpu: Prior | float | None = None,
        input_share: Prior | float | None = None,
        cached_share: Prior | float | None = None,
        gpus: Prior | float = 1.0,
        gpu_price: Prior | float = 0.0,
        depreciation_months: Prior | float = 36.0,
        gpu_hour_price: Prior | float = 0.0,
        gpu_price_annual_decline: Prior | float = 1.0,
        throughput_annual_growth: Prior | float = 1.0,
        power_per_month: Prior | float = 0.0,
        ops_per_month: Prior | float = 0.0,
        staff_per_month: Prior | float = 0.0,
    ) -> None:
        links: dict[str, str] = {}
        params: dict[str, Any] = {}
        if isinstance(api_price, (Prior, int, float)) and not isinstance(api_price, bool):
            params["api_price"] = api_price  # a constant price (a number, or a prior drawn once per path)
        else:
            links["api_price"] = _price_series(api_price, f"self_hosting '{name}': api_price")
        if isinstance(volume_per_month, (str, Model)):
            links["volume"] = _tokens_series(volume_per_month, f"self_hosting '{name}': volume_per_month")
        else:
            params["volume_per_month"] = volume_per_month
        throughput = {
            "tokens_per_second_per_gpu": tokens_per_second_per_gpu,
            "decode_tokens_per_second_per_gpu": decode_tokens_per_second_per_gpu,
            "prefill_tokens_per_second_per_gpu": prefill_tokens_per_second_per_gpu,
            "input_share": input_share,
            "cached_share": cached_share,
        }
        super().__init__(
            name,
            params | {
                "gpus": gpus,
                "gpu_price": gpu_price,
                "depreciation_months": depreciation_months,
                "gpu_hour_price": gpu_hour_price,
                "gpu_price_annual_decline": gpu_price_annual_decline,
                "throughput_annual_growth": throughput_annual_growth,
                "power_per_month": power_per_month,
                "ops_per_month": ops_per_month,
                "staff_per_month": staff_per_month,
                "utilization": utilization,
            } | {k: v for k, v in throughput.items() if v is not None},
            links=links,
        )

    @property
    def api_price(self) -> str | Prior:
        """The price series this model reads, or its constant API price (USD per million tokens)."""
        return self.links.get("api_price") or self.params["api_price"]

    def prob_cheaper(
        self, result: Result, volumes: Iterable[float], *, cumulative: bool = False
    ) -> pd.DataFrame:
        """Probability that self-hosting is cheaper than the API, by volume and month.

        Evaluates ``savings > 0`` at every volume of ``volumes`` on the paths of one run,
        so all volumes see the same price paths and parameter draws (common random
        numbers): the map is smooth in volume and costs one run, whatever the grid. The
        run must keep paths (``Scenario.run(..., keep_paths=True)``); the formula is the
        engine's, applied to the kept series ``capacity`` (each month's, with its throughput
        growth), ``replica_cost``,
        ``staff_cost`` and the linked price.

        Parameters
        ----------
        result
            A run of a scenario holding this model, with ``keep_paths=True``.
        volumes
            Monthly token volumes (tokens per month, >= 0).
        cumulative
            False: probability that self-hosting is cheaper in that month. True: that it
            has been cheaper in some month up to that one (first passage).

        Returns
        -------
        pandas.DataFrame
            Months as rows, volumes as columns, probabilities in [0, 1].

        Raises
        ------
        ValueError
            If the run did not keep paths, does not hold this model, or a volume is
            negative or not finite.
        """
        v = np.asarray(list(volumes), dtype=float)
        if v.ndim != 1 or v.size == 0:
            raise ValueError("volumes must be a non-empty list of tokens per month")
        if not np.all(np.isfinite(v)) or np.any(v < 0):
            raise ValueError(f"volumes must be finite and >= 0 tokens per month, got {v.tolist()}")
        if f"{self.name}.capacity" not in result.series:
            raise ValueError(f"the result holds no model named {self.name!r}")
        # the map replaces the model's volume by each volume of the grid, linked or not
        cap = result.paths(f"{self.name}.capacity")
        h = result.paths(f"{self.name}.replica_cost")
        staff = result.paths(f"{self.name}.staff_cost")
        if "api_price" in self.links:
            price = result.paths(self.links["api_price"])
        elif self.params["api_price"].is_point:
            price = np.full_like(cap, self.params["api_price"].params[0])
        else:
            raise ValueError(f"prob_cheaper needs the API price of each path; {self.name!r} draws it from a prior "
                             "(api_price), which the result does not keep: link api_price to a PriceDecline instead")
        out = np.empty((cap.shape[1], v.size))
        for j, vol in enumerate(v):
            replicas = np.where(vol <= cap, 1.0, np.ceil(vol / cap))
            cheaper = vol * price / 1e6 - (staff + replicas * h) > 0.0
            if cumulative:
                cheaper = np.logical_or.accumulate(cheaper, axis=1)
            out[:, j] = cheaper.mean(axis=0)
        df = pd.DataFrame(out, index=result.months, columns=pd.Index(v, name="tokens per month"))
        return df


class TokenDemand(Model):
    """Token demand that responds to price (constant elasticity) and grows over time.

    ::

        tokens = base_tokens_per_month * (P / P0) ** (-price_elasticity) * annual_growth ** t
        spend  = P * tokens / 1e6

    with ``t`` in years since the start month, ``P`` the linked price (USD per million
    tokens) and ``P0`` the ``reference_price`` or, if omitted, each path's own price in the
    start month. With ``price_elasticity = 1`` spend does not move when only the price
    moves; above 1 falling prices *raise* total spend (the Jevons case); below 1 they lower
    it. Parameters are drawn once per path; the model adds no noise of its own.

    Parameters
    ----------
    name
        Model name; series ``<name>.tokens`` (tokens per month) and ``<name>.spend`` (USD
        per month).
    price
        The price driving demand: a :class:`PriceDecline`, its name or a full series name
        (USD per million tokens; must stay positive).
    base_tokens_per_month
        Demand at price ``P0`` in the start month, tokens per month (>= 0).
    price_elasticity
        Constant price elasticity of demand (dimensionless, any real number).
    annual_growth
        Factor by which demand grows per year at constant price (> 0; 1 = flat).
    reference_price
        ``P0``, USD per million tokens (> 0); omitted: the start-month price of each path.

    Examples
    --------
    >>> import aicast as ac
    >>> sc = ac.Scenario(start="2026-01", horizon="2027-01", seed=1)
    >>> _ = sc.add(ac.PriceDecline("api", start_price=1.0, annual_decline=10.0))
    >>> _ = sc.add(ac.TokenDemand("use", price="api", base_tokens_per_month=1e9,
    ...                           price_elasticity=1.5))
    >>> res = sc.run(paths=100, progress=False)
    >>> round(float(res.quantiles("use.spend", 0.5).iloc[-1, 0]), 1)  # 1000 * 10**0.5
    3162.3
    """

    kind = "token_demand"

    def __init__(
        self,
        name: str,
        price: str | PriceDecline,
        base_tokens_per_month: Prior | float,
        price_elasticity: Prior | float,
        annual_growth: Prior | float = 1.0,
        reference_price: Prior | float | None = None,
    ) -> None:
        params: dict[str, Any] = {
            "base_tokens_per_month": base_tokens_per_month,
            "price_elasticity": price_elasticity,
            "annual_growth": annual_growth,
        }
        if reference_price is not None:
            params["reference_price"] = reference_price
        super().__init__(name, params, links={"price": _price_series(price, f"token_demand '{name}': price")})

    @property
    def price(self) -> str:
        """The price series this model reads (USD per million tokens)."""
        return self.links["price"]
