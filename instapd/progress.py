"""Progress bars for reads that take a while (``tqdm.auto``: a widget in notebooks).

A bar appears only when a read lasts over a second, counts the requests made, and shows the
throttle's waits. ``progress=False`` or ``INSTAPD_PROGRESS`` set to ``0``, ``false``, ``no`` or
``off`` turns bars off.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .graph import GraphClient

SHOW_AFTER = 1.0  # seconds
_OFF = ("0", "false", "no", "off")


def enabled(progress: bool | None) -> bool:
    if progress is not None:
        return progress
    return os.environ.get("INSTAPD_PROGRESS", "1").strip().lower() not in _OFF


@contextlib.contextmanager
def requests_bar(table: str, client: GraphClient, show: bool) -> Iterator[None]:
    """Count ``client``'s requests on a bar while the block runs."""
    if not show:
        yield
        return
    from tqdm.auto import tqdm  # (and ipywidgets in a notebook): only when a bar may show

    bar = tqdm(desc=f"Reading {table}", unit=" requests", delay=SHOW_AFTER, leave=False)

    def counted() -> None:
        bar.update(1)

    def waiting(seconds: float, why: str) -> None:
        bar.set_postfix_str(f"waiting {seconds:.0f} s ({why})")

    client.request_listeners.append(counted)
    client.throttle.listeners.append(waiting)
    try:
        yield
    finally:
        client.request_listeners.remove(counted)
        client.throttle.listeners.remove(waiting)
        bar.close()


__all__ = [
    "SHOW_AFTER",
    "enabled",
    "requests_bar",
]
