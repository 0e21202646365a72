"""``BestTime(account=...)``: when followers are online (a weekday x hour heatmap) beside the
engagement of past posts by the hour they were posted, and the three best slots in words.

A view over :mod:`.besttime_data`; the chart is matplotlib drawn to PNG (viridis: perceptually
uniform, readable with the commonest colour blindness), so the live widget and the static view
show the same picture. Reads run in a background thread; changing the time zone redraws from
what was read, without reading again.
"""

from __future__ import annotations

import html
import threading
from datetime import tzinfo

import ipywidgets as widgets
import pandas as pd

from ..connection import BaseConnection
from ..io import read
from .besttime_data import (
    WEEKDAYS,
    Slot,
    best_slots,
    engagement_by_hour,
    newest_online,
    of_account,
    online_grid,
    zone,
    zone_name,
)
from .connecting import connection_and_account
from .static import StaticView, box, figure_png, png_img


class BestTime(StaticView, widgets.VBox):  # type: ignore[misc]
    """Best time to post for one account; ``tz`` is the account's time zone (IANA name),
    default the user's own. ``online``: followers online to draw instead of Meta's last 30
    days, such as ``instapd.history("OnlineFollowers", account=...)`` kept by daily snapshots
    (a day kept by several snapshots counts once, as the newest saw it)."""

    def __init__(
        self,
        _positional: object = None,
        /,
        account: str | None = None,
        *,
        connection: BaseConnection | None = None,
        tz: str | None = None,
        online: pd.DataFrame | None = None,
    ) -> None:
        connection, account = connection_and_account("BestTime", _positional, account, connection)
        self.history = None if online is None else newest_online(online)
        self.connection = connection
        self.account = account
        self.account_id: str | None = None  # resolved by the first read, not here (no I/O)
        self.tz: tzinfo = zone(tz)
        self.online: pd.DataFrame | None = None
        self.media: pd.DataFrame | None = None
        self.grid: pd.DataFrame | None = None
        self.by_hour: pd.DataFrame | None = None
        self.slots: list[Slot] = []
        self.png: bytes | None = None
        self.error: Exception | None = None
        self.zone_box = widgets.Text(
            value=zone_name(self.tz), description="Time zone", continuous_update=False
        )
        self.chart = widgets.HTML("Reading when followers are online…")
        self.words = widgets.HTML()
        self.zone_box.observe(lambda change: self.set_zone(change["new"]), names="value")
        super().__init__([self.zone_box, self.chart, self.words])
        self._done = threading.Event()

    def begin(self) -> None:
        threading.Thread(target=self._load, name="instapd-besttime", daemon=True).start()

    def refresh(self) -> None:
        """Read when followers are online and the media (again), in the background."""
        if self.started:
            self._done.clear()
            self.begin()
        else:
            self.start()

    def _load(self) -> None:
        self.error = None
        try:
            self.account_id = self.connection.resolve_accounts(self.account)[0]
            self.online = (
                read(self.connection, "OnlineFollowers", account=self.account_id, progress=False)
                if self.history is None
                else of_account(self.history, self.account_id)
            )
            columns = ["id", "timestamp", "like_count", "comments_count"]
            self.media = read(self.connection, "Media", account=self.account_id, progress=False,
                              columns=columns)  # fmt: skip
            self.redraw()
        except Exception as exc:
            self.error = exc
            self.chart.value = f"Could not read: {html.escape(str(exc))}"
        finally:
            self.republish()  # before done: whoever waits finds the saved view complete
            self._done.set()

    def wait(self, timeout: float | None = 120) -> BestTime:
        """Wait for the reads (starting them if the widget was never shown)."""
        self.wait_for("BestTime was not read", timeout, self._done, raises=True)
        return self

    def set_zone(self, name: str) -> None:
        """Show everything in another time zone (an IANA name); a bad name says so."""
        try:
            self.tz = zone(name)
        except ValueError as exc:
            self.words.value = f'<span style="color:#b00020">{html.escape(str(exc))}</span>'
            return
        if self.online is not None:
            self.redraw()
            self.republish()

    def redraw(self) -> None:
        assert self.online is not None
        assert self.media is not None
        self.grid = online_grid(self.online, self.tz)
        self.by_hour = engagement_by_hour(self.media, self.tz)
        self.slots = best_slots(self.grid)
        self.png = _chart(self.grid, self.by_hour, zone_name(self.tz))
        self.chart.value = png_img(self.png, "Followers online by weekday and hour", 900)
        self.words.value = self._words_html()

    def _words_html(self) -> str:
        if not self.slots:
            return "<p>No online-follower data yet (Meta needs 100+ followers, last 30 days).</p>"
        items = "".join(f"<li>{html.escape(s.words(zone_name(self.tz)))}</li>" for s in self.slots)
        return f"<p><b>Best times to post</b></p><ol>{items}</ol>"

    def static_html(self) -> str:
        if self.png is None:
            return box("<p>Reading when followers are online…</p>", "Best time to post")
        chart = png_img(self.png, "Followers online by weekday and hour", 900)
        return box(chart + self._words_html(), "Best time to post")


def _chart(grid: pd.DataFrame, by_hour: pd.DataFrame, tz_name: str) -> bytes:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(11, 3.6))
    heat, bars = figure.subplots(1, 2, gridspec_kw={"width_ratios": [3, 1.3]})
    image = heat.imshow(grid.to_numpy(dtype=float), aspect="auto", cmap="viridis")
    heat.set_yticks(range(7), [d[:3] for d in WEEKDAYS])
    heat.set_xticks(range(0, 24, 3), [f"{h:02d}" for h in range(0, 24, 3)])
    heat.set_xlabel(f"hour ({tz_name})")
    heat.set_title("Followers online (mean)")
    figure.colorbar(image, ax=heat, fraction=0.04)
    bars.barh(by_hour.index, by_hour["engagement"].fillna(0), color="#3b528b")
    bars.set_ylim(23.5, -0.5)
    bars.set_yticks(range(0, 24, 3), [f"{h:02d}" for h in range(0, 24, 3)])
    bars.set_ylabel(f"posting hour ({tz_name})")
    bars.set_xlabel("likes + comments per post")
    bars.set_title("Past posts by hour")
    figure.tight_layout()
    return figure_png(figure)
