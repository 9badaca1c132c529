"""The effective price of a workload: its mix of input, cached-input, cache-write and output tokens
at a provider's prices, per million tokens and per month, optionally moving with a price model."""

from __future__ import annotations

import math
from typing import Any

from ..priors import Prior
from ._base import Model
from .price import PriceDecline
from .self_hosting import TokenDemand, _price_series, _tokens_series

__all__ = ["Workload"]


class Workload(Model):
    """What a workload costs per million tokens and per month, with prompt caching.

    A workload sends ``tokens_per_month`` tokens, a share ``input_share`` of them input (the
    rest, ``1 - input_share``, output). Of the input tokens a share ``cached_share`` is read
    from the provider's prompt cache and a share ``cache_write_share`` is written to it; the
    rest is plain input. With the provider's prices in the start month (USD per million
    tokens) ``p_in``, ``p_c`` (cached input), ``p_w`` (cache write) and ``p_out``::

        price_per_mtok          = r(t) * (a * ((1 - c - w) p_in + c p_c + w p_w) + (1 - a) p_out)
        cost_per_month          = price_per_mtok * tokens_per_month / 1e6
        cache_savings_per_month = r(t) * a * (c (p_in - p_c) + w (p_in - p_w)) * tokens_per_month / 1e6

    with ``a = input_share``, ``c = cached_share``, ``w = cache_write_share``. Without a
    ``price`` link ``r(t) = 1`` (today's list prices); with one, ``r(t) = P(t) / P(0)``, the
    linked price path's change since the start month, which moves all four prices together (a
    tier's price decline applied to this provider's price sheet). ``cache_savings_per_month``
    is what caching saves against sending every input token uncached (negative when cache
    writes cost more than the reads save). Every parameter takes a prior and is drawn once
    per path; the model adds no noise of its own.

    A blended "3 input : 1 output" price is ``input_share=0.75`` without caching; agent
    workloads resend long contexts, so they are mostly (cached) input.

    Parameters
    ----------
    name
        Model name; series ``<name>.price_per_mtok`` (USD per million workload tokens),
        ``<name>.cost_per_month`` and ``<name>.cache_savings_per_month`` (USD per month).
    tokens_per_month
        Tokens per month (>= 0, input and output together): a number or a prior, or a
        :class:`TokenDemand` in the same scenario (or its name, or a full series name) whose
        ``tokens`` series is read month by month.
    input_share
        Share of the tokens that are input (prompt) tokens, in [0, 1].
    input_price_per_mtok, output_price_per_mtok
        The provider's list prices in the start month, USD per million input / output
        tokens (>= 0).
    cached_share
        Share of the input tokens read from the prompt cache, in [0, 1]; default 0.
    cached_input_price_per_mtok
        USD per million cached input tokens (>= 0). Required when ``cached_share`` can be
        above 0 (a provider without caching: leave ``cached_share`` at 0).
    cache_write_share
        Share of the input tokens written to the prompt cache, in [0, 1], with
        ``cached_share + cache_write_share <= 1``; default 0.
    cache_write_price_per_mtok
        USD per million input tokens written to the cache (>= 0; Anthropic charges 1.25x the
        input price, most others nothing extra: give the input price). Required when
        ``cache_write_share`` can be above 0.
    price
        Optional price model whose path moves the four prices: a :class:`PriceDecline`, its
        name (``"frontier"`` reads ``"frontier.price"``) or a full series name (USD per
        million tokens; positive in the start month).

    Raises
    ------
    ValueError
        For a share outside [0, 1], shares of the input above 1 together, a negative price,
        or a cache share without its price.

    See Also
    --------
    from_api_prices : the four prices from the shipped LiteLLM tables.
    SelfHosting : compare ``<name>.price_per_mtok`` with self-hosting (pass it as ``api_price``).

    Examples
    --------
    An agent that sends 90% input tokens, 80% of them from the cache, at $5 / $0.50 / $25
    per million input / cached / output tokens:

    >>> import aicast as ac
    >>> sc = ac.Scenario(start="2026-07", horizon="2026-12", seed=1)
    >>> w = ac.Workload("agent", tokens_per_month=2e9, input_share=0.9, cached_share=0.8,
    ...                 input_price_per_mtok=5.0, cached_input_price_per_mtok=0.5,
    ...                 output_price_per_mtok=25.0)
    >>> res = sc.add(w).run(paths=10, progress=False)
    >>> float(res.quantiles("agent.price_per_mtok", 0.5).iloc[0, 0])  # 0.9 (0.2*5 + 0.8*0.5) + 0.1*25
    3.76
    """

    kind = "workload"

    def __init__(
        self,
        name: str,
        *,
        tokens_per_month: Prior | float | str | TokenDemand,
        input_share: Prior | float,
        input_price_per_mtok: Prior | float,
        output_price_per_mtok: Prior | float,
        cached_share: Prior | float = 0.0,
        cached_input_price_per_mtok: Prior | float | None = None,
        cache_write_share: Prior | float = 0.0,
        cache_write_price_per_mtok: Prior | float | None = None,
        price: str | PriceDecline | None = None,
    ) -> None:
        who = f"Workload '{name}'"
        links: dict[str, str] = {}
        params: dict[str, Any] = {}
        if isinstance(tokens_per_month, (str, Model)):
            links["tokens_per_month"] = _tokens_series(tokens_per_month, f"{who}: tokens_per_month")
        else:
            params["tokens_per_month"] = tokens_per_month
        if price is not None:
            links["price"] = _price_series(price, f"{who}: price")
        # a cache share that can be positive needs its price; unused, the price is the input price
        for share, share_name, cache_price, price_name in (
            (cached_share, "cached_share", cached_input_price_per_mtok, "cached_input_price_per_mtok"),
            (cache_write_share, "cache_write_share", cache_write_price_per_mtok, "cache_write_price_per_mtok"),
        ):
            if cache_price is None:
                if not _is_zero(share):
                    raise ValueError(f"{who}: {share_name} is {share!r}, so {price_name} (USD per million tokens) "
                                     "is required")
                cache_price = input_price_per_mtok
            params[price_name] = cache_price
        super().__init__(
            name,
            params | {
                "input_share": input_share,
                "cached_share": cached_share,
                "cache_write_share": cache_write_share,
                "input_price_per_mtok": input_price_per_mtok,
                "output_price_per_mtok": output_price_per_mtok,
            },
            links=links,
        )

    @property
    def price(self) -> str | None:
        """The price series that moves this workload's prices, or None (prices stay put)."""
        return self.links.get("price")

    @classmethod
    def from_api_prices(
        cls,
        name: str,
        model: str,
        *,
        provider: str | None = None,
        snapshot: str = "2026-07",
        **kwargs: Any,
    ) -> Workload:
        """A workload at one model's list prices from the shipped LiteLLM price tables.

        Fills ``input_price_per_mtok``, ``output_price_per_mtok``, and, where the table lists
        them, ``cached_input_price_per_mtok`` and ``cache_write_price_per_mtok`` (a listed
        write price of 0 or none at all means writes cost the plain input price). The rest
        (``tokens_per_month``, ``input_share``, shares, ``price``) goes in ``kwargs``.

        Parameters
        ----------
        name
            Model name in the scenario.
        model, provider
            The row of :func:`aicast.data.api_prices` (model id as the provider names it;
            ``provider`` picks one when several list it).
        snapshot
            ``"2026-07"`` (LiteLLM copy of 2026-07-24) or ``"2025-02"`` (2025-02-06).
        **kwargs
            The other constructor arguments.

        Raises
        ------
        ValueError
            If the model is not in the table (or is listed by several providers and none is
            given), or ``cached_share`` is used with a model whose provider lists no cached
            price.
        """
        from ..data import api_price_row

        row = api_price_row(model, provider, snapshot=snapshot)
        prices: dict[str, Any] = {"input_price_per_mtok": float(row["input_per_mtok"]),
                                  "output_price_per_mtok": float(row["output_per_mtok"])}
        cached = row.get("cached_input_per_mtok")
        if cached is not None and not math.isnan(cached):
            prices["cached_input_price_per_mtok"] = float(cached)
        write = row.get("cache_write_per_mtok")
        prices["cache_write_price_per_mtok"] = (
            float(write) if write is not None and not math.isnan(write) and write > 0 else prices["input_price_per_mtok"])
        if "cached_input_price_per_mtok" not in prices and not _is_zero(kwargs.get("cached_share", 0.0)):
            raise ValueError(f"Workload '{name}': {row['provider']} lists no cached-input price for {model} in the "
                             f"{snapshot} table; give cached_input_price_per_mtok or leave cached_share at 0")
        return cls(name, **(prices | kwargs))


def _is_zero(x: Any) -> bool:
    """True for the number 0 or a point prior at 0."""
    if isinstance(x, Prior):
        return x.is_point and x.params[0] == 0.0
    return isinstance(x, (int, float)) and x == 0.0
