"""The price-decline model: price per million tokens of a fixed capability level."""

from __future__ import annotations

from ..priors import Prior
from ._base import Model

__all__ = ["PriceDecline"]


class PriceDecline(Model):
    """Price per million tokens of a capability tier: a falling floor plus a jump-diffusion excess.

    ``P = F + E``. The floor ``F`` (marginal serving cost) falls by ``floor_annual_decline``
    per year. The excess follows::

        log E(t) = log(start_price - floor) - ln(annual_decline) t + volatility W(t) + jumps

    with ``t`` in years, so ``annual_decline=10`` makes the median excess ten times cheaper
    each year and ``volatility`` is the annualized standard deviation of ``log E``. Jumps
    arrive at ``jump_rate`` per year, each with a log size drawn from ``jump_log_size``
    (negative: a price war; positive: a subsidy ending). Every prior except
    ``jump_log_size`` is drawn once per path (parameter uncertainty); each path then draws
    its own noise. A path that draws ``floor >= start_price`` sits on the floor.

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
    ) -> None:
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
            },
        )
