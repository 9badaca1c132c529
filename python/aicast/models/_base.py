"""The model base class: each model is a C++ component in the engine with a Python class describing its inputs.

A model is a named set of parameters (numbers or priors). It is validated by the engine as
soon as it is built, so a bad value fails here, before any simulation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, TypeVar

from .. import _engine
from ..priors import Prior, as_prior

__all__ = ["MODEL_CLASSES", "Model", "dated", "model_class"]

M = TypeVar("M", bound="Model")

#: Every model class by its engine kind (filled as subclasses are defined).
MODEL_CLASSES: dict[str, type[Model]] = {}


def model_class(kind: str) -> type[Model]:
    """The Python class of an engine model kind (e.g. ``"price_decline"`` -> PriceDecline)."""
    try:
        return MODEL_CLASSES[kind]
    except KeyError:
        raise ValueError(f"unknown model kind {kind!r} (known: {', '.join(sorted(MODEL_CLASSES))})") from None


class Model:
    """Base class of all models: a kind, a name and parameters as priors.

    Subclasses set ``kind`` to the engine's model kind and call ``super().__init__`` with
    their parameters; defining the subclass registers it in :data:`MODEL_CLASSES`.

    ``data_as_of`` maps the data behind the model's priors to how old they are (``{"lb: leaderboard
    gap fit": "2025-08"}``): set by every fit's ``model()``, empty for a model typed in by hand;
    a :class:`~aicast.Scenario` reports them in its ``data_as_of``.
    """

    kind: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.kind:
            MODEL_CLASSES[cls.kind] = cls

    def __init__(
        self,
        name: str,
        params: Mapping[str, Any],
        links: Mapping[str, str] | None = None,
        labels: list[str] | None = None,
    ) -> None:
        if not isinstance(name, str):
            raise TypeError(f"name must be a string, got {type(name).__name__} {name!r}")
        self.name = name
        self.params: dict[str, Prior] = {
            k: as_prior(v, f"{self.kind or type(self).__name__} '{name}': {k}") for k, v in params.items()
        }
        self.links: dict[str, str] = dict(links or {})
        self.labels: list[str] = list(labels or [])
        self.data_as_of: dict[str, str] = {}
        outputs, inputs = _engine.describe_model(self.spec())
        self._outputs: list[str] = list(outputs)
        self.inputs: list[str] = list(inputs)

    @property
    def series(self) -> list[str]:
        """Full names of the series this model publishes, e.g. ``["frontier.price"]``."""
        return [f"{self.name}.{o}" for o in self._outputs]

    def spec(self) -> dict[str, Any]:
        """The engine's description of this model."""
        return {
            "kind": self.kind,
            "name": self.name,
            "params": {k: p._core for k, p in self.params.items()},
            "links": dict(self.links),
            "labels": list(self.labels),
        }

    def _check_links(self, models: list[Model]) -> None:
        """Checks of this model's links against the scenario's other models (none by default)."""

    def _spec_on_grid(self, start: Any) -> dict[str, Any]:
        """The engine's description of this model on a grid starting at month ``start``."""
        return self.spec()

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v._short()}" for k, v in self.params.items())
        links = "".join(f", {k}={v!r}" for k, v in self.links.items())
        return f"{type(self).__name__}({self.name!r}, {args}{links})"

    def _repr_html_(self) -> str:
        import html

        rows = []
        for k, v in self.params.items():
            lo, med, hi = (float(v.ppf(q)) for q in (0.05, 0.5, 0.95))
            spread = "" if v.is_point else f"{med:.4g} [{lo:.4g}, {hi:.4g}]"
            rows.append(f"<tr><td>{k}</td><td><code>{html.escape(v._short())}</code></td><td>{spread}</td></tr>")
        links = "".join(f"<tr><td>{k}</td><td>reads <code>{html.escape(v)}</code></td><td></td></tr>"
                        for k, v in self.links.items())
        return (
            f"<b>{type(self).__name__}</b> <code>{html.escape(self.name)}</code>"
            f" &rarr; {html.escape(', '.join(self.series))}<table><tr><th>parameter</th><th>prior</th>"
            f"<th>median [90% interval]</th></tr>{''.join(rows)}{links}</table>"
        )


def dated(model: M, what: str, as_of: Any) -> M:
    """``model`` with ``data_as_of = {"<name>: <what>": as_of}``: a fit's ``model()`` records how
    old its data are (``as_of``: the newest month the fit saw, ``"YYYY-MM"``)."""
    model.data_as_of = {f"{model.name}: {what}": str(as_of)}
    return model
