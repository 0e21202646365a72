"""``Composer(account=...)``: an image, reel, carousel or story; the caption counted live against
Meta's limits; the publishing quota left; a preview of the pictures; Publish, with the
container's states shown as they come and the permalink at the end.

A view over :mod:`.composer_data` and :func:`instapd.publishing.publish` (its rules, quota
check, container lifecycle and ``media_publish`` exactly once). Publishing runs in a background
thread; the button is off while it runs and after the post is out, so one click is one post.
"""

from __future__ import annotations

import html
import threading
from typing import Any

import ipywidgets as widgets
import pandas as pd

from ..connection import BaseConnection
from ..errors import InstapdError, PublishRuleError, UsageError
from ..publishing import publish
from .composer_data import KINDS, count_caption, post_fields, quota_left
from .connecting import connection_and_account
from .pictures import Picture, fetcher_for
from .static import StaticView, box

PREVIEW_SIZE = 160
PLACEHOLDER = (
    "display:inline-block;width:120px;height:120px;border:1px dashed #999;vertical-align:top"
)


class Composer(StaticView, widgets.VBox):  # type: ignore[misc]
    """Compose and publish one post to one account (``account``: an id or username)."""

    def __init__(
        self,
        _positional: object = None,
        /,
        account: str | None = None,
        *,
        connection: BaseConnection | None = None,
        kind: str = "image",
        urls: list[str] | None = None,
        caption: str = "",
    ) -> None:
        connection, account = connection_and_account("Composer", _positional, account, connection)
        self.connection, self.account = connection, account
        self.account_id: str | None = None  # resolved by the first read, not here (no I/O)
        self.fetcher = fetcher_for(connection)  # previews: fetched by instapd, without the token
        self.result: pd.DataFrame | None = None
        self.states: list[str] = []
        self.previews: dict[str, Picture] = {}  # url -> its thumbnail, or why there is none
        self.error: Exception | None = None
        self.kind_box = widgets.ToggleButtons(options=list(KINDS), value=kind, description="Post")
        self.urls_box = widgets.Textarea(
            value="\n".join(urls or []), description="URLs",
            placeholder="Public URL (http or https) of each JPEG or video, one per line",
            layout=widgets.Layout(width="46em", height="5em"),
        )  # fmt: skip
        self.caption_box = widgets.Textarea(
            value=caption, description="Caption", continuous_update=True,
            layout=widgets.Layout(width="46em", height="7em"),
        )  # fmt: skip
        self.counts = widgets.HTML()
        self.quota = widgets.HTML("<small>Reading the publishing quota…</small>")
        self.preview = widgets.HTML()
        self.check = widgets.HTML()
        self.publish_button = widgets.Button(
            description="Publish", button_style="primary", icon="paper-plane"
        )
        self.progress = widgets.HTML()
        self.caption_box.observe(lambda _c: self._changed(), names="value")
        self.urls_box.observe(lambda _c: self._changed(preview=True), names="value")
        self.kind_box.observe(lambda _c: self._changed(), names="value")
        self.publish_button.on_click(lambda _b: self.publish())
        super().__init__(
            [
                self.kind_box, self.urls_box, self.preview, self.caption_box, self.counts,
                self.quota, self.check, self.publish_button, self.progress,
            ]
        )  # fmt: skip
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._done.set()
        self._published = False
        self._quota_read = threading.Event()
        self._previewed = threading.Event()
        self._changed()

    def begin(self) -> None:
        threading.Thread(target=self._first_reads, name="instapd-composer", daemon=True).start()

    def refresh(self) -> None:
        """Read the quota and fetch the previews again (in the background)."""
        if not self.started:
            self.start()
            return
        self.previews.clear()
        self.begin()

    def _first_reads(self) -> None:
        self._fetch_previews()  # never raises: what failed is shown in its place
        self._read_quota()

    def _account_id(self) -> str:
        if self.account_id is None:
            ids = self.connection.resolve_accounts(self.account)
            if len(ids) != 1:
                raise UsageError("The composer publishes to one account; pass account=... (one).")
            self.account_id = ids[0]
        return self.account_id

    # -- live checks ------------------------------------------------------------------------

    def _changed(self, *, preview: bool = False) -> None:
        counted = count_caption(self.caption_box.value)
        colour = "#b00020" if counted.problems else "#555"
        over = f" · over: {', '.join(counted.problems)}" if counted.problems else ""
        self.counts.value = f'<small style="color:{colour}">{counted.words()}{over}</small>'
        try:
            self.fields()
            self.check.value = ""
            ready = True
        except PublishRuleError as exc:
            self.check.value = _red(str(exc))
            ready = False
        self.publish_button.disabled = self._published or not ready or not self._done.is_set()
        if preview and self.started:
            threading.Thread(target=self._fetch_previews, daemon=True).start()

    def fields(self) -> dict[str, Any]:
        """What :func:`instapd.publish` would be given, or the rule the post breaks."""
        urls = self.urls_box.value.splitlines()
        return post_fields(self.kind_box.value, urls, self.caption_box.value)

    def _read_quota(self) -> None:
        self._quota_read.clear()
        try:
            self.quota.value = (
                f"<small>{quota_left(self.connection, self._account_id()).words()}</small>"
            )
        except Exception as exc:
            self.quota.value = f"<small>{_red(f'Could not read the quota: {_said(exc)}')}</small>"
        finally:
            self._quota_read.set()

    def _fetch_previews(self) -> None:
        """Each URL's picture, through instapd's picture fetcher (bounded, no token sent)."""
        self._previewed.clear()
        try:
            for url in self._urls():
                if url not in self.previews:
                    self.previews[url] = self.fetcher.preview(url, PREVIEW_SIZE)
            self.preview.value = self._preview_html()
        except Exception as exc:
            self.preview.value = _red(f"Could not fetch the previews: {_said(exc)}")
        finally:
            self.republish()
            self._previewed.set()

    def _urls(self) -> list[str]:
        return [u.strip() for u in self.urls_box.value.splitlines() if u.strip()]

    def _preview_html(self) -> str:
        cells = []
        for url in self._urls():
            picture = self.previews.get(url)
            if picture is not None and picture.data_uri is not None:
                alt = html.escape(f"Preview of {url}")
                cells.append(f'<img src="{picture.data_uri}" height="120" alt="{alt}">')
            else:
                reason = "loading…" if picture is None else f"no preview: {picture.reason}"
                cells.append(
                    f'<div style="{PLACEHOLDER}"><small>[{html.escape(reason)}]</small></div>'
                )
        return " ".join(cells)

    # -- publishing -------------------------------------------------------------------------

    def publish(self) -> None:
        """Publish in the background (once); :meth:`wait` waits for the permalink."""
        self.start()
        with self._lock:
            if self._published or not self._done.is_set():
                return
            try:
                fields = self.fields()
            except PublishRuleError as exc:
                self.check.value = _red(str(exc))
                return
            self._done.clear()
            self.error = None
            self.publish_button.disabled = True
        self.states = ["checking the quota"]
        self._show_progress()
        threading.Thread(target=self._publish, args=(fields,), daemon=True).start()

    def _on_status(self, container_id: str, code: str) -> None:
        self.states.append(f"container {container_id}: {code or 'processing'}")
        self._show_progress()

    def _publish(self, fields: dict[str, Any]) -> None:
        try:
            self.result = publish(self.connection, account=self._account_id(),
                                  on_status=self._on_status, progress=False, **fields)  # fmt: skip
            permalink = str(self.result.loc[0, "permalink"])
            self._published = True
            self.states.append("PUBLISHED")
            self._show_progress(
                f'Published: <a href="{html.escape(permalink)}" target="_blank">'
                f"{html.escape(permalink)}</a>"
            )
            self._read_quota()
        except Exception as exc:
            self.error = exc
            self.states.append("NOT PUBLISHED")
            self._show_progress(_red(f"Not published: {_said(exc)}"))
        finally:
            self.publish_button.disabled = self._published
            self.republish()  # before done: whoever waits finds the saved view complete
            self._done.set()

    def _show_progress(self, end: str = "") -> None:
        steps = "".join(f"<li>{html.escape(s)}</li>" for s in self.states)
        self.progress.value = f"<ol>{steps}</ol>{end}"

    def wait(self, timeout: float | None = 300) -> Composer:
        """Wait for a publish under way (if any), the previews and the quota read after it
        (reading them first if the composer was never shown); a publish that failed raises
        its error (also in ``error``, and shown under the states)."""
        waited = (self._done, self._quota_read, self._previewed)
        self.wait_for("Publishing had not finished", timeout, *waited, raises=True)
        return self

    def static_html(self) -> str:
        counted = count_caption(self.caption_box.value)
        body = (
            f"<p>{self._preview_html()}</p><p>{html.escape(self.caption_box.value)}</p>"
            f"<p><small>{counted.words()}</small></p>{self.progress.value}"
        )
        return box(body, f"Composer: {self.kind_box.value}")


def _red(text: str) -> str:
    return f'<span style="color:#b00020">{html.escape(text)}</span>'


def _said(error: Exception) -> str:
    """An error as the widget shows it: instapd's say what to fix; others also say their type
    (a bare ``'NoneType' object is not iterable`` tells a reader nothing)."""
    text = str(error) or "no message"
    return text if isinstance(error, InstapdError) else f"{type(error).__name__}: {text}"
