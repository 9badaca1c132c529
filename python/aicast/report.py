"""``report.html``: one self-contained page per result folder.

The page holds the scenario (name, description, months, seed, paths), the as-of dates of
its data, a summary table with units, the charts (PNG embedded as base64 ``data:`` URIs,
so the page needs no network and no other file), the events with their probabilities,
Monte Carlo standard errors and hitting times, the scenario file and the manifest. It has
no scripts.
"""

from __future__ import annotations

import base64
import html
import io
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from . import style

if TYPE_CHECKING:
    from .result import Result

__all__ = ["README_TABLE", "build_report", "markdown_table", "render_charts"]

#: The line a notebook prints before rows that the README quotes: ``tests/test_notebooks.py``
#: checks that the README holds every such row, so the README's numbers are the notebook's.
README_TABLE = "Table in the README:"

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 72rem;
       padding: 0 1rem; color: #222; line-height: 1.4; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; } h2 { margin-top: 2rem; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: 0.5rem 0; font-size: 0.9rem; }
th, td { border: 1px solid #ddd; padding: 0.25rem 0.6rem; text-align: right; white-space: nowrap; }
th { background: #f3f3f3; } td.l, th.l { text-align: left; }
figure { margin: 1rem 0; } figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: 0.85rem; color: #555; }
pre { background: #f7f7f7; padding: 0.8rem; overflow-x: auto; font-size: 0.8rem; }
.meta { color: #555; }
"""


def _e(x: object) -> str:
    return html.escape(str(x))


def render_charts(res: Result, series: list[str], dpi: int = 100) -> dict[str, bytes]:
    """PNG bytes of each series' chart (:meth:`PlotAccessor.auto`), by series name."""
    import matplotlib

    if matplotlib.get_backend().lower() not in ("agg", "module://matplotlib_inline.backend_inline"):
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out: dict[str, bytes] = {}
    for s in series:
        ax = res.plot.auto(s)
        fig: Any = ax.figure  # a top-level Figure: auto() draws on a new one
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
        plt.close(fig)
        out[s] = buf.getvalue()
    return out


def markdown_table(table: Any, index: bool = True) -> str:
    """A table as GitHub-flavoured Markdown, one row a line, cells as ``str(cell)``.

    Format the numbers first (the cells are written as they are). With ``index=True`` the index
    is the first column, headed by the index's name.

    Examples
    --------
    >>> import pandas as pd
    >>> print(markdown_table(pd.DataFrame({"2025": ["353"], "2026": ["527"]}, index=pd.Index(["median"], name="year"))))
    | year | 2025 | 2026 |
    |---|---|---|
    | median | 353 | 527 |
    """
    cols = [str(c) for c in table.columns]
    rows = [[str(v) for v in r] for r in table.itertuples(index=False, name=None)]
    if index:
        cols = [str(table.index.name or "")] + cols
        rows = [[str(i)] + r for i, r in zip(table.index, rows, strict=True)]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def _fmt(x: Any) -> str:
    """A number to 4 significant digits; text (e.g. the summary's note) escaped as it is."""
    if isinstance(x, str):
        return _e(x)
    return f"{x:.4g}"


def _summary_table(res: Result) -> str:
    df = res.summary()
    head = "".join(f"<th>{_e(c)}</th>" for c in df.columns)
    rows = []
    for s, row in df.iterrows():
        cells = "".join(f"<td class='l'>{_fmt(v)}</td>" if isinstance(v, str) else f"<td>{_fmt(v)}</td>"
                        for v in row.to_numpy())
        rows.append(f"<tr><td class='l'><code>{_e(s)}</code></td><td class='l'>"
                    f"{_e(style.unit(res.scenario, str(s)))}</td>{cells}</tr>")
    return (f"<table><tr><th class='l'>series</th><th class='l'>unit</th>{head}</tr>"
            f"{''.join(rows)}</table>")


def _events_table(res: Result, events: list[tuple[str, str, float]], by: Mapping[str, str]) -> str:
    if not events:
        return "<p>No events were asked for (<code>[outputs] events</code>).</p>"
    rows = []
    for ev in events:
        text = f"{ev[0]} {ev[1]} {ev[2]:g}"
        month = by.get(text) or str(res.months[-1])
        p = res.prob(text, by=month)
        h = res.hitting_time(text)
        rows.append(
            f"<tr><td class='l'><code>{_e(text)}</code></td><td>{_e(month)}</td><td>{p.p:.4f}</td>"  # type: ignore[union-attr]
            f"<td>{p.se:.4f}</td><td>{_e(h._when(0.25))}</td><td>{_e(h._when(0.5))}</td>"  # type: ignore[union-attr]
            f"<td>{_e(h._when(0.75))}</td><td>{1 - h.never:.4f}</td></tr>"
        )
    return (
        "<table><tr><th class='l'>event</th><th>by</th><th>P(happened by)</th><th>MC s.e.</th>"
        "<th>first month: 25%</th><th>median</th><th>75%</th>"
        f"<th>P(by {_e(res.months[-1])})</th></tr>{''.join(rows)}</table>"
        "<p class='meta'>P is the share of paths on which the event has happened by the month (first "
        "passage), with its Monte Carlo standard error sqrt(p(1-p)/paths); the hitting-time columns "
        "give the month by which it has happened with probability 25%, 50%, 75% ('after the horizon' "
        "when not reached).</p>"
    )


def build_report(
    res: Result,
    manifest: Mapping[str, Any],
    charts: Mapping[str, bytes],
    *,
    events: list[tuple[str, str, float]] | None = None,
    event_months: Mapping[str, str] | None = None,
    plots_note: str = "",
) -> str:
    """The HTML text of a result's report.

    Parameters
    ----------
    res
        The result.
    manifest
        The result folder's manifest (shown at the bottom; file hashes are not in it, since
        the report is one of the files they cover).
    charts
        PNG bytes by series name, from :func:`render_charts`.
    events
        Events to tabulate (default: every event the result holds).
    event_months
        Event text -> month of its ``by`` (default: the horizon).
    plots_note
        Shown instead of charts when there are none.
    """
    sc = res.scenario
    name = sc.name or "scenario"
    as_of = res.data_as_of
    as_of_rows = "".join(f"<tr><td class='l'><code>{_e(t)}</code></td><td>{_e(d)}</td></tr>"
                         for t, d in sorted(as_of.items()))
    as_of_html = (f"<table><tr><th class='l'>data table</th><th>as of</th></tr>{as_of_rows}</table>"
                  if as_of else "<p>No data source was recorded for this scenario (no shipped tables read).</p>")
    figs = []
    for s, png in charts.items():
        b64 = base64.b64encode(png).decode("ascii")
        figs.append(f"<figure><img src='data:image/png;base64,{b64}' alt='chart of {_e(s)}'>"
                    f"<figcaption><code>{_e(s)}</code> ({_e(style.unit(sc, s) or 'no unit')})</figcaption></figure>")
    charts_html = "".join(figs) or f"<p>{_e(plots_note or 'No charts.')}</p>"
    evs = list(res._events) if events is None else events
    shown = {k: v for k, v in manifest.items() if k != "files"}
    toml = manifest.get("scenario", {}).get("toml", "")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>aicast report: {_e(name)}</title>
<style>{_CSS}</style></head>
<body>
<h1>aicast report: {_e(name)}</h1>
<p>{_e(sc.description)}</p>
<p class="meta">{_e(sc.start)} to {_e(sc.horizon)} ({len(res.months)} months), {res.n_paths:,} paths, seed {res.seed},
{_e(style.as_of_text(as_of))}; aicast {_e(manifest.get('aicast_version', ''))},
finished {_e(manifest.get('timings', {}).get('finished_utc', ''))}.</p>
<h2>Data as of</h2>
{as_of_html}
<h2>Summary</h2>
{_summary_table(res)}
<h2>Charts</h2>
{charts_html}
<h2>Events and hitting times</h2>
{_events_table(res, evs, event_months or {})}
<h2>Scenario file</h2>
<pre>{_e(toml)}</pre>
<h2>Manifest</h2>
<details><summary>manifest.json (without the file hashes, which cover this page)</summary>
<pre>{_e(json.dumps(shown, indent=2))}</pre></details>
</body></html>
"""
