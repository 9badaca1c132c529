"""Price models: the price of a fixed capability level (PriceDecline) and a tier's list price (TierListPrice)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..priors import Prior, point
from ._base import Model

__all__ = ["PriceDecline", "TierListPrice"]


class PriceDecline(Model):
    """Price per million tokens of a *fixed capability level*: a falling floor plus a jump-diffusion excess.

    The question this answers: "what will this capability cost?" (Epoch AI's constant-capability
    prices, falling 10-900x a year). For the list price of the best model of the day, see
    :class:`TierListPrice`.

    ``P = F + E``. The floor ``F`` (marginal serving cost) falls by ``floor_annual_decline``
    per year. The excess follows::

        log E(t) = log(start_price - floor) - ln(annual_decline) t + volatility W(t) + jumps

    with ``t`` in years, so ``annual_decline=10`` makes the median excess ten times cheaper
    each year and ``volatility`` is the annualized standard deviation of ``log E``. Jumps
    arrive at ``jump_rate`` per year, each with a log size drawn from ``jump_log_size``
    (negative: a price war; positive: a subsidy ending). Every prior except
    ``jump_log_size`` is drawn once per path (parameter uncertainty); each path then draws
    its own noise. A path that draws ``floor >= start_price`` sits on the floor.

    With ``running_minimum=True`` the process above is a *latent* level ``L(t) = F(t) + E(t)``,
    the price of the best offer made in month ``t``, and the series is the cheapest offer so
    far, ``P(m) = min(P(m-1), L(m))`` with ``P(0) = start_price`` and
    ``L(0) = start_price exp(latent_premium)``: the price of a fixed
    capability never rises (offers are not withdrawn), so every path is non-increasing and no
    quantile lies above the start. Fits (:meth:`aicast.fit.PriceTrend.model`,
    :meth:`aicast.fit.PooledPriceTrend.model`) switch it on and set the latent volatility for
    this observation model.

    Parameters
    ----------
    name
        Model name; its series is ``"<name>.price"`` (USD per million tokens).
    start_price
        Price per million tokens in the start month (> 0).
    annual_decline
        Factor by which the median excess falls per year (> 0; 1 = flat, 10 = 10x cheaper).
    volatility
        Annualized standard deviation of log excess (>= 0).
    jump_rate
        Expected jumps per year (>= 0).
    jump_log_size
        Distribution of each jump's log size, e.g. ``ac.normal(-0.7, 0.2)`` for ~50% cuts.
    floor
        Floor price in the start month (>= 0, below ``start_price``).
    floor_annual_decline
        Factor by which the floor falls per year (> 0).
    running_minimum
        True: the series is the running minimum of the latent price (see above). False (the
        default): the series is the latent price itself.
    latent_premium
        With ``running_minimum``: log of the latent price over ``start_price`` at the start
        (>= 0; default 0). When the cheapest offer was set some time before the start and
        nothing cheaper has come since, the best offer made now is above it; the fits set it.

    Examples
    --------
    >>> import aicast as ac
    >>> m = ac.PriceDecline("frontier", start_price=10.0, annual_decline=ac.to(3, 30))
    >>> m.series
    ['frontier.price']
    """

    kind = "price_decline"

    def __init__(
        self,
        name: str,
        start_price: Prior | float,
        annual_decline: Prior | float,
        volatility: Prior | float = 0.0,
        jump_rate: Prior | float = 0.0,
        jump_log_size: Prior | float = 0.0,
        floor: Prior | float = 0.0,
        floor_annual_decline: Prior | float = 1.0,
        running_minimum: bool = False,
        latent_premium: Prior | float = 0.0,
    ) -> None:
        if not isinstance(running_minimum, (bool, np.bool_)):
            raise ValueError(f"price_decline '{name}': running_minimum must be true or false, got {running_minimum!r}")
        self.running_minimum = bool(running_minimum)
        extra: dict[str, Any] = {"latent_premium": latent_premium} if self.running_minimum else {}
        if not self.running_minimum and not (isinstance(latent_premium, (int, float)) and latent_premium == 0):
            raise ValueError(f"price_decline '{name}': latent_premium needs running_minimum=True, got {latent_premium!r}")
        super().__init__(
            name,
            {
                "start_price": start_price,
                "annual_decline": annual_decline,
                "volatility": volatility,
                "jump_rate": jump_rate,
                "jump_log_size": jump_log_size,
                "floor": floor,
                "floor_annual_decline": floor_annual_decline,
                **extra,
            },
            labels=["running_minimum"] if self.running_minimum else None,
        )

    def __repr__(self) -> str:
        if not self.running_minimum:
            return super().__repr__()
        head, _, premium = super().__repr__()[:-1].rpartition(", latent_premium=")
        return f"{head}, running_minimum=True, latent_premium={premium})"

    def _repr_html_(self) -> str:
        out = super()._repr_html_()
        if not self.running_minimum:
            return out
        row = ("<tr><td>running_minimum</td><td><code>True</code></td>"
               "<td>series: the cheapest offer so far (never rises)</td></tr>")
        return out[: out.rindex("</table>")] + row + "</table>"


class TierListPrice(Model):
    """List price per million tokens of the *best model in a tier* at each date (not a fixed capability).

    The question this answers: "what will the flagship of this tier cost per token?" A tier's
    list price stays put between events and jumps at them: a launch (a new flagship, often
    dearer, sometimes cheaper) or a price cut. So::

        log P(t) = log start_price - ln(annual_decline) t + volatility W(t) + jumps

    with jumps arriving at ``jump_rate`` per year and log sizes drawn per jump from
    ``jump_log_size`` (a two-sided prior, e.g. a mixture of an upward launch component and a
    downward cut component). ``annual_decline`` is the slow drift between events (1: flat).
    There is no floor: list prices of flagships are far above serving cost. Compare
    :class:`PriceDecline`, the price of a *fixed capability level*, which falls 10-900x a year.
    The engine runs it with the price-decline kernel (floor 0).

    Parameters
    ----------
    name
        Model name; its series is ``"<name>.price"`` (USD per million tokens, blended 3:1).
    start_price
        The tier's list price in the start month (> 0).
    jump_rate
        Expected launches and price changes per year (>= 0).
    jump_log_size
        Distribution of each change's log size (both signs).
    annual_decline
        Drift factor per year between events (> 0; 1 = flat).
    volatility
        Annualized standard deviation of log price between events (>= 0; usually 0).

    Examples
    --------
    >>> import aicast as ac
    >>> m = ac.TierListPrice("frontier_list", start_price=9.0, jump_rate=4.0,
    ...                      jump_log_size=ac.mixture([ac.normal(0.6, 0.3), ac.normal(-0.6, 0.3)]))
    >>> m.series
    ['frontier_list.price']
    """

    kind = "tier_list_price"

    def __init__(
        self,
        name: str,
        start_price: Prior | float,
        jump_rate: Prior | float,
        jump_log_size: Prior | float,
        annual_decline: Prior | float = 1.0,
        volatility: Prior | float = 0.0,
    ) -> None:
        params = {
            "start_price": start_price,
            "jump_rate": jump_rate,
            "jump_log_size": jump_log_size,
            "annual_decline": annual_decline,
            "volatility": volatility,
        }
        try:
            super().__init__(name, params)
        except ValueError as e:  # the engine checks it as the price-decline kernel: name this class
            raise ValueError(str(e).replace(f"price_decline '{name}'", f"TierListPrice '{name}'")) from None

    def spec(self) -> dict[str, Any]:
        """The engine's description: the price-decline kernel with floor 0."""
        spec = super().spec()
        spec["kind"] = PriceDecline.kind
        spec["params"] = {**spec["params"], "floor": point(0.0)._core, "floor_annual_decline": point(1.0)._core}
        return spec
