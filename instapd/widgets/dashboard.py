"""``Dashboard(account=...)``: account insights over a date range, a line chart of daily values,
and the best media of the range, redrawn when a control changes; several accounts side by side.

A view over :mod:`.dashboard_data` (and :mod:`.pictures` for the best media's thumbnails).
Reads run in a background thread; a redraw that a newer change overtook is dropped.
"""

from __future__ import annotations

import html
import threading
from datetime import date, timedelta

import ipywidgets as widgets
import pandas as pd

from ..connection import BaseConnection
from .connecting import connection_and_account
from .dashboard_data import DAILY_METRICS, DEFAULT_METRICS, best_media, check_range, daily
from .pictures import Item, fetcher_for, picture_link
from .static import StaticView, box, figure_png, png_img

MEDIA_METRICS = ("reach", "views", "likes", "comments", "saved", "shares", "total_interactions")


class Dashboard(StaticView, widgets.VBox):  # type: ignore[misc]
    """Insights of one account or several (``account``: an id, a username, a list, ``"all"``)."""

    def __init__(
        self,
        _positional: object = None,
        /,
        account: str | list[str] | None = None,
        *,
        connection: BaseConnection | None = None,
        since: date | None = None,
        until: date | None = None,
        metrics: tuple[str, ...] = DEFAULT_METRICS,
        best_by: str = "reach",
    ) -> None:
        connection, account = connection_and_account("Dashboard", _positional, account, connection)
        self.connection = connection
        self.account = account
        until = until or date.today() - timedelta(days=2)  # Meta's data lags up to 48 h
        since = since or until - timedelta(days=27)
        check_range(since, until)
        #: Resolved by the first read, not here (constructors do no I/O).
        self.accounts: list[str] = []
        self.names: dict[str, str] = {}
        self.fetcher = fetcher_for(connection)
        self.since_box = widgets.DatePicker(value=since, description="From")
        self.until_box = widgets.DatePicker(value=until, description="To")
        self.metrics_box = widgets.SelectMultiple(
            options=list(DAILY_METRICS), value=list(metrics), description="Metrics", rows=5
        )
        self.best_box = widgets.Dropdown(
            options=list(MEDIA_METRICS), value=best_by, description="Best by"
        )
        self.status = widgets.HTML()
        self.panels: dict[str, widgets.HTML] = {}
        self.daily: dict[str, pd.DataFrame] = {}
        self.best: dict[str, pd.DataFrame] = {}
        self.pngs: dict[str, bytes] = {}
        self.error: Exception | None = None
        for control in (self.since_box, self.until_box, self.metrics_box, self.best_box):
            control.observe(lambda _c: self.redraw(), names="value")
        controls = widgets.HBox(
            [widgets.VBox([self.since_box, self.until_box, self.best_box]), self.metrics_box]
        )
        self.row = widgets.HBox([], layout=widgets.Layout(flex_flow="row wrap"))
        super().__init__([controls, self.status, self.row])
        self._generation = 0
        self._lock = threading.Lock()
        self._done = threading.Event()

    def begin(self) -> None:
        self._redraw()

    def redraw(self) -> None:
        """Read and draw again for the controls' values (in the background)."""
        if self.started:
            self._redraw()
        else:
            self.start()

    refresh = redraw

    def _redraw(self) -> None:
        with self._lock:
            self._generation += 1
            generation = self._generation
        self._done.clear()
        self.status.value = "<small>Reading insights…</small>"
        threading.Thread(target=self._draw, args=(generation,), daemon=True).start()

    def _draw(self, generation: int) -> None:
        since, until = self.since_box.value, self.until_box.value
        metrics, best_by = tuple(self.metrics_box.value), self.best_box.value
        try:
            if since is None or until is None:
                raise ValueError("Choose both dates.")
            check_range(since, until)
            self._resolve()
            results = {}
            for account in self.accounts:
                days = daily(self.connection, account, since, until, metrics)
                best = best_media(self.connection, account, since, until, best_by)
                results[account] = (days, best)
            with self._lock:
                if generation != self._generation:
                    return  # a newer change is being drawn
            for account, (days, best) in results.items():
                self.daily[account], self.best[account] = days, best
                self.pngs[account] = _chart(days, metrics, self._name(account))
                self.panels[account].value = self._panel(account, best_by)
            self.error = None
            self.status.value = (
                f"<small>{since} to {until} · {len(self.accounts)} account(s)</small>"
            )
        except Exception as exc:
            self.error = exc
            self.status.value = (
                f'<span style="color:#b00020">Could not draw: {html.escape(str(exc))}</span>'
            )
        finally:
            with self._lock:
                current = generation == self._generation
            if current:
                self.republish()  # before done: whoever waits finds the saved view complete
                self._done.set()

    def _resolve(self) -> None:
        """The accounts and their panels, on the first read."""
        if self.accounts:
            return
        accounts = self.connection.resolve_accounts(self.account)
        self.names = {a.id: a.username for a in self.connection.accounts()}
        self.panels = {a: widgets.HTML() for a in accounts}
        self.row.children = list(self.panels.values())
        self.accounts = accounts

    def wait(self, timeout: float | None = 120) -> Dashboard:
        """Wait for the drawing (starting it if the dashboard was never shown)."""
        self.wait_for("The dashboard was not drawn", timeout, self._done)
        return self

    def _name(self, account: str) -> str:
        return f"@{self.names[account]}" if account in self.names else account

    def _panel(self, account: str, best_by: str) -> str:
        chart = png_img(self.pngs[account], f"Daily insights of {self._name(account)}", 390)
        best = self.best[account]
        items = []
        for row in best.to_dict("records"):
            link = picture_link({str(k): v for k, v in row.items()})
            picture = self.fetcher.fetch(Item(str(row["id"]), str(row["media_type"]), link))
            image = (
                f'<img src="{picture.data_uri}" width="56" height="56" alt="media {row["id"]}">'
                if picture.data_uri
                else f"<small>[{html.escape(str(picture.reason))}]</small>"
            )
            value = row.get(best_by)
            shown = "-" if pd.isna(value) else f"{value:,.0f}"
            caption = html.escape(str(row.get("caption") or "")[:60])
            items.append(
                f'<div style="display:flex;gap:6px;margin:3px 0">{image}'
                f"<div><b>{best_by} {shown}</b><br><small>{caption}</small></div></div>"
            )
        listed = "".join(items) or "<p>No media posted in the range.</p>"
        return (
            f'<div style="width:400px;padding:4px">'
            f"<h4 style='margin:4px 0'>{html.escape(self._name(account))}</h4>{chart}"
            f"<div><b>Best media by {html.escape(best_by)}</b></div>{listed}</div>"
        )

    def static_html(self) -> str:
        if not self.pngs:
            return box("<p>Reading insights…</p>", "Dashboard")
        panels = "".join(
            f'<div style="display:inline-block;vertical-align:top">{p.value}</div>'
            for p in self.panels.values()
        )
        return box(panels, "Dashboard")


def _chart(days: pd.DataFrame, metrics: tuple[str, ...], title: str) -> bytes:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6, 3))
    axes = figure.subplots()
    for metric in metrics:
        axes.plot(pd.to_datetime(days["day"]), days[metric].astype(float), marker=".",
                  label=metric)  # fmt: skip
    axes.set_title(f"{title}: daily values")
    axes.legend(loc="upper left", fontsize="small")
    axes.grid(alpha=0.3)
    figure.autofmt_xdate()
    return figure_png(figure)
