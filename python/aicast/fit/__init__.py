"""Fitting: turn data tables into priors ready to plug into models.

Each area lives in its own submodule; this package re-exports the public functions.
"""

from __future__ import annotations

from .incidents import IncidentFit, ReportingLag, incident_growth, negbin_regression, reporting_lag

__all__: list[str] = [
    "IncidentFit",
    "ReportingLag",
    "incident_growth",
    "negbin_regression",
    "reporting_lag",
]
