"""``df.ig.gallery()``: the media as a grid of pictures, a metric over each, sort and filter, and
a click that opens the item with buttons returning its comments or insights as a frame.

A view over :mod:`.gallery_data` (tiles, metrics, order) and :mod:`.pictures` (fetching). The
grid is one anywidget (:class:`GalleryGrid`) whatever the number of media; pictures reach it by
message in batches from a background thread, started when the gallery is first shown (or on
``wait()``), so the cell finishes at once and the first row shows as soon as its pictures are
in. See :mod:`instapd.widgets` for why anywidget.
"""

from __future__ import annotations

import html
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anywidget
import ipywidgets as widgets
import pandas as pd
import traitlets

from .gallery_data import ALL_TYPES, SORTS, Tile, arrange, metrics_of, tiles_from
from .pictures import Picture, PictureFetcher
from .static import StaticView, box

HERE = Path(__file__).parent
#: Pictures are sent once this many are ready, or ``FLUSH_SECONDS`` after the last batch.
BATCH = 6
FLUSH_SECONDS = 0.2
FrameOf = Callable[[str], pd.DataFrame]


class GalleryGrid(anywidget.AnyWidget):
    """The grid of tiles. ``tiles`` (in order) and ``selected`` are synced; pictures are sent
    as messages (``{"type": "pictures"}``), again to every view that says it is ready."""

    _esm = HERE / "gallery.js"
    _css = HERE / "gallery.css"
    tiles = traitlets.List(traitlets.Dict()).tag(sync=True)
    selected = traitlets.Unicode("").tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.pictures: dict[str, Picture] = {}
        self._lock = threading.Lock()
        self.on_msg(self._on_message)

    def _on_message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "ready":
            with self._lock:
                known = list(self.pictures.values())
            self.push(known)

    def push(self, pictures: list[Picture]) -> None:
        """Keep ``pictures`` and send them to the views."""
        if not pictures:
            return
        with self._lock:
            self.pictures.update({p.media_id: p for p in pictures})
        self.send({"type": "pictures", "pictures": {p.media_id: _wire(p) for p in pictures}})


def _wire(picture: Picture) -> dict[str, str | None]:
    return {"src": picture.data_uri, "reason": picture.reason}


class Gallery(StaticView, widgets.VBox):  # type: ignore[misc]
    """The gallery of a media frame. ``comments`` and ``insights`` read a media's frames.

    Set ``metric``, ``sort`` or ``media_type`` (or use the dropdowns) and the grid follows;
    :meth:`open_item` (or a click) shows one media; :meth:`wait` waits for every picture.
    """

    def __init__(
        self,
        frame: pd.DataFrame,
        *,
        fetcher: PictureFetcher,
        comments: FrameOf,
        insights: FrameOf,
        metric: str | None = None,
        sort: str = "newest",
        start: bool = True,
    ) -> None:
        self.tiles = tiles_from(frame)  # raises NotMediaError first, before any work
        self.fetcher = fetcher
        self._read_comments, self._read_insights = comments, insights
        self.frame: pd.DataFrame | None = None  # what the last button returned
        self.item: Tile | None = None  # the media open
        self.error: Exception | None = None
        self.first_batch_at: float | None = None  # time.monotonic() of the first pictures
        self.done_at: float | None = None
        self.started_at = time.monotonic()
        self._by_id = {t.media_id: t for t in self.tiles}
        self._done = threading.Event()
        metrics = metrics_of(self.tiles)
        if metric is not None and metric not in metrics:
            raise ValueError(
                f"This frame has no {metric!r}; its metrics: {', '.join(metrics) or 'none'}."
            )
        types = sorted({t.media_type for t in self.tiles})
        self.metric_box = widgets.Dropdown(
            options=metrics or ["-"], value=metric or (metrics[0] if metrics else "-"),
            description="Metric", layout=widgets.Layout(width="16em"),
        )  # fmt: skip
        self.sort_box = widgets.Dropdown(
            options=list(SORTS), value=sort, description="Sort", layout=widgets.Layout(width="16em")
        )
        self.type_box = widgets.Dropdown(
            options=[ALL_TYPES, *types], value=ALL_TYPES, description="Show",
            layout=widgets.Layout(width="16em"),
        )  # fmt: skip
        self.status = widgets.HTML()
        self.grid = GalleryGrid()
        self.detail = widgets.HTML()
        self.comments_button = widgets.Button(description="Comments", icon="comments")
        self.insights_button = widgets.Button(description="Insights", icon="bar-chart")
        self.buttons = widgets.HBox([self.comments_button, self.insights_button])
        self.buttons.layout.display = "none"
        self.output = widgets.Output()
        for control in (self.metric_box, self.sort_box, self.type_box):
            control.observe(lambda _change: self._arrange(), names="value")
        self.grid.observe(lambda change: self.open_item(change["new"]), names="selected")
        self.comments_button.on_click(lambda _b: self._frame_of("comments"))
        self.insights_button.on_click(lambda _b: self._frame_of("insights"))
        super().__init__(
            [
                widgets.HBox([self.metric_box, self.sort_box, self.type_box]),
                self.status,
                self.grid,
                self.detail,
                self.buttons,
                self.output,
            ]
        )
        self._arrange()
        self._thread = threading.Thread(target=self._fetch, name="instapd-gallery", daemon=True)
        if not start:  # never fetch (tests, previews)
            self.__dict__["_begun"] = True

    def begin(self) -> None:
        self.started_at = time.monotonic()
        self._thread.start()

    # -- what is shown ----------------------------------------------------------------------

    @property
    def metric(self) -> str | None:
        value = self.metric_box.value
        return None if value == "-" else str(value)

    @property
    def shown(self) -> list[Tile]:
        """The tiles in the order and filter chosen."""
        return arrange(
            self.tiles, metric=self.metric, sort=self.sort_box.value, media_type=self.type_box.value
        )

    def _arrange(self) -> None:
        metric = self.metric
        self.grid.tiles = [
            {
                "id": t.media_id,
                "type": t.media_type,
                "badge": t.badge,
                "label": f"{metric} {t.label(metric)}" if metric else "",
                "alt": t.alt,
                "title": t.alt,
            }
            for t in self.shown
        ]

    # -- pictures ---------------------------------------------------------------------------

    def _fetch(self) -> None:
        batch: list[Picture] = []
        last = time.monotonic()
        try:
            for picture in self.fetcher.fetch_all([t.item() for t in self.shown]):
                batch.append(picture)
                if len(batch) >= BATCH or time.monotonic() - last > FLUSH_SECONDS:
                    self._send(batch)
                    batch, last = [], time.monotonic()
            self._send(batch)
        except Exception as exc:  # shown in the status line, never lost in a thread
            self.error = exc
        finally:
            self.done_at = time.monotonic()
            self._status()
            self.republish()  # before done: whoever waits finds the saved view complete
            self._done.set()

    def _send(self, batch: list[Picture]) -> None:
        if not batch:
            return
        self.grid.push(batch)
        if self.first_batch_at is None:
            self.first_batch_at = time.monotonic()
        self._status()

    def _status(self) -> None:
        pictures = self.grid.pictures
        missing = sum(1 for p in pictures.values() if p.jpeg is None)
        text = f"{len(self.tiles)} media · {len(pictures)} pictures in"
        if missing:
            text += f" · {missing} without a picture"
        if self.error is not None:
            text += f" · stopped: {html.escape(str(self.error))}"
        self.status.value = f"<small>{text}</small>"

    def wait(self, timeout: float | None = 120) -> Gallery:
        """Wait until every picture is fetched (or failed with a reason); returns the gallery.
        Fetching begins when the gallery is first shown, or here."""
        self.wait_for("The gallery's pictures were not all in", timeout, self._done)
        return self

    def picture(self, media_id: str) -> Picture | None:
        return self.grid.pictures.get(media_id)

    # -- one item ---------------------------------------------------------------------------

    def open_item(self, media_id: str) -> None:
        """Show one media: picture, caption, time, permalink, metrics, and its buttons."""
        tile = self._by_id.get(media_id)
        if tile is None:
            self.detail.value, self.buttons.layout.display = "", "none"
            return
        if self.grid.selected != media_id:
            self.grid.selected = media_id
        self.item = tile
        self.detail.value = _detail_html(tile, self.picture(media_id))
        self.buttons.layout.display = "flex"

    def _frame_of(self, which: str) -> None:
        tile = self.item
        if tile is None:
            return
        read = self._read_comments if which == "comments" else self._read_insights
        self.output.clear_output()
        try:
            self.frame = read(tile.media_id)
        except Exception as exc:
            self.frame = None
            with self.output:
                print(f"Could not read the {which}: {exc}")
            return
        with self.output:
            from IPython.display import display

            display(self.frame)  # type: ignore[no-untyped-call]

    # -- static view ------------------------------------------------------------------------

    def static_html(self) -> str:
        metric = self.metric
        cells = []
        for tile in self.shown:
            picture = self.picture(tile.media_id)
            if picture is not None and picture.data_uri:
                inner = (
                    f'<img src="{picture.data_uri}" width="150" height="150" '
                    f'alt="{html.escape(_alt(tile))}">'
                )
            else:
                why = picture.reason if picture is not None else "picture not fetched yet"
                inner = (
                    '<div style="width:150px;height:150px;border:1px dashed #999">'
                    f"<small>No picture: {html.escape(str(why))}</small></div>"
                )
            badge = f" · {tile.badge}" if tile.badge else ""
            label = f"{metric} {tile.label(metric)}" if metric else ""
            cells.append(
                '<div style="display:inline-block;width:150px;margin:3px;vertical-align:top">'
                f"{inner}<div><small>{html.escape(label)}{badge}</small></div></div>"
            )
        return box("".join(cells), f"Gallery: {len(self.tiles)} media")


def _alt(tile: Tile) -> str:
    return tile.alt


def _detail_html(tile: Tile, picture: Picture | None) -> str:
    image = (
        f'<img src="{picture.data_uri}" width="240" alt="{html.escape(_alt(tile))}">'
        if picture is not None and picture.data_uri
        else ""
    )
    when = tile.timestamp.strftime("%Y-%m-%d %H:%M UTC") if tile.timestamp is not None else "-"
    link = (
        f'<a href="{html.escape(tile.permalink)}" target="_blank">{html.escape(tile.permalink)}</a>'
        if tile.permalink
        else "-"
    )
    metrics = " · ".join(f"{name} {tile.label(name)}" for name in tile.metrics) or "no metrics"
    return (
        '<div data-testid="detail" style="display:flex;gap:12px;padding:6px 0">'
        f"<div>{image}</div><div><b>{html.escape(tile.media_type)}</b> {html.escape(when)}<br>"
        f"{html.escape(tile.caption) or '<i>no caption</i>'}<br>{link}<br>"
        f"<small>{html.escape(metrics)}</small></div></div>"
    )
