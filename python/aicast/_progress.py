"""Progress bars for long runs (tqdm; the notebook widget when ipywidgets is installed)."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from typing import Any


def progress_bar(enabled: bool, desc: str) -> tuple[Callable[[int, int], None] | None, Any]:
    """A (callback, bar) pair: the engine calls ``callback(done, total)`` between chunks.

    The bar appears only after half a second, so quick runs print nothing.
    """
    if not enabled:
        return None, None
    if importlib.util.find_spec("ipywidgets") is not None:
        from tqdm.auto import tqdm
    else:
        from tqdm import tqdm
    bar = tqdm(total=1, desc=desc, unit="path-month", unit_scale=True, delay=0.5, leave=False)

    def callback(done: int, total: int) -> None:
        if bar.total != total:
            bar.total = total
        bar.update(done - bar.n)  # update() honours the display delay; refresh() would not

    return callback, bar
