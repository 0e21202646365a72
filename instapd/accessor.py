"""``DataFrame.ig``: the next step from a frame instapd read (its comments, its insights, ...).

The accessor keeps no state: pandas builds a new one on every access, and everything it knows
comes from ``df.attrs["instapd"]``, which survives Parquet and the cache.

Engagement, as :meth:`IgAccessor.engagement` computes it::

    interactions             = like_count + comments_count + saved + shares   (NA parts count 0)
    engagement_rate_reach    = interactions / reach
    engagement_rate_follower = interactions / followers_count of the account
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pandas as pd

from .api import Connection, connect, default_connection, delete, insert, read_instagram, update
from .catalog import get_table
from .catalog.names import column_names
from .errors import FrameError, UsageError
from .frames import empty_frame

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from .connection import BaseConnection
    from .widgets.gallery import Gallery

MEDIA_TABLES = {"media", "igmedia", "stories", "tags", "businessdiscoverymedia"}
COMMENT_TABLES = {"comments", "replies", "mentionedcomment"}
#: Up to this many ids are pushed down one by one; more, and the account is read in one walk.
PUSHDOWN_LIMIT = 20
#: Connections built again for frames whose own is gone (read in another process), by properties.
_REBUILT: dict[str, Connection] = {}


@pd.api.extensions.register_dataframe_accessor("ig")
class IgAccessor:
    """Follow-up reads from a frame instapd returned.

    Raises ``AttributeError`` on a frame instapd did not read, as pandas asks of accessors.
    """

    def __init__(self, frame: pd.DataFrame) -> None:
        meta = frame.attrs.get("instapd")
        if not isinstance(meta, dict) or "table" not in meta:
            raise AttributeError(
                "This DataFrame did not come from instapd (df.attrs['instapd'] is missing), so "
                ".ig has nothing to follow. Read it with instapd.read_instagram(...)."
            )
        self._frame, self._shown = _graph_named(frame, str(meta["table"]))
        self._meta = meta

    # -- what the frame is ------------------------------------------------------------------

    @property
    def table(self) -> str:
        return str(self._meta["table"])

    @property
    def query(self) -> dict[str, Any]:
        """The query the frame answers, as plain JSON."""
        keys = ("table", "accounts", "columns", "since", "until", "limit", "filters")
        return {k: self._meta.get(k) for k in keys}

    @property
    def fetched_at(self) -> pd.Timestamp:
        return pd.Timestamp(self._meta["fetched_at"])

    def refresh(self, connection: Connection | None = None) -> pd.DataFrame:
        """The same query again, from the API (the cache entry is rewritten)."""
        query = self.query
        options: dict[str, Any] = dict(query["filters"] or {})
        accounts = query["accounts"] or None
        if get_table(self.table).scope != "user":
            options["account"] = accounts
        return read_instagram(
            self.table,
            connection=self._via(connection),
            columns=query["columns"],
            since=query["since"],
            until=query["until"],
            limit=query["limit"],
            refresh=True,
            **options,
        )

    # -- from media -------------------------------------------------------------------------

    def gallery(
        self,
        metric: str | None = None,
        *,
        sort: str = "newest",
        connection: Connection | None = None,
        start: bool = True,
    ) -> Gallery:
        """The media as a grid of pictures with ``metric`` over each (a widget; see
        :mod:`instapd.widgets.gallery`). Raises :class:`~instapd.errors.NotMediaError` on a
        frame that holds no media. The pictures are fetched once the gallery is shown (or on
        ``start()``/``wait()``), never while it is made; ``start=False`` fetches none (tests)."""
        from .widgets.gallery import Gallery
        from .widgets.gallery_data import check_media_frame
        from .widgets.pictures import fetcher_for

        table = check_media_frame(self._frame)
        used = self._via(connection) or default_connection()
        account = self._account()
        story = table in ("Stories", "StoryInsights", "MediaInsightsStory")

        def comments(media_id: str) -> pd.DataFrame:
            return read_instagram("Comments", connection=used, account=account, media_id=[media_id])

        def insights(media_id: str) -> pd.DataFrame:
            name = "StoryInsights" if story else "MediaInsights"
            return read_instagram(name, connection=used, account=account, media_id=[media_id])

        fetcher = fetcher_for(used, str(account))
        return Gallery(
            self._frame, fetcher=fetcher, comments=comments, insights=insights,
            metric=metric, sort=sort, start=start,
        )  # fmt: skip

    def comments(self, connection: Connection | None = None, **options: Any) -> pd.DataFrame:
        """The comments on this frame's media."""
        return self._below("Comments", "media_id", self._media_ids(), connection, options)

    def replies(self, connection: Connection | None = None, **options: Any) -> pd.DataFrame:
        """Replies: to this frame's comments, or to all comments on this frame's media."""
        if self.table.lower() in COMMENT_TABLES:
            ids = self._column("id")
            return self._below("Replies", "comment_id", ids, connection, options)
        return self._below("Replies", "media_id", self._media_ids(), connection, options)

    def children(self, connection: Connection | None = None, **options: Any) -> pd.DataFrame:
        """The images and videos inside this frame's carousel albums."""
        albums = self._media_ids(only_type="CAROUSEL_ALBUM")
        return self._below("MediaChildren", "media_id", albums, connection, options)

    def insights(
        self, metrics: list[str] | None = None, connection: Connection | None = None
    ) -> pd.DataFrame:
        """Lifetime insights of this frame's media, one row each (batched, 50 per request)."""
        ids = self._media_ids()
        options: dict[str, Any] = {"metrics": metrics} if metrics else {}
        table = "StoryInsights" if self.table.lower() == "stories" else "MediaInsights"
        if not ids:
            return _empty(table)
        return read_instagram(
            table,
            connection=self._via(connection),
            account=self._account(),
            media_id=ids,
            **options,
        )

    def engagement(self, connection: Connection | None = None) -> pd.DataFrame:
        """This frame with ``interactions`` and engagement rates added (see the module doc)."""
        frame = self._frame.copy()
        stats = _as_graph(self.insights(["reach", "saved", "shares"], connection))
        stats = stats.set_index("media_id")[["reach", "saved", "shares"]]
        joined = frame.merge(
            stats, left_on=self._id_column(), right_index=True, how="left",
            suffixes=("", "_insights"),
        )  # fmt: skip
        parts = [c for c in ("like_count", "comments_count", "saved", "shares") if c in joined]
        interactions = joined[parts].fillna(0).sum(axis=1).astype("Int64")
        profile = _as_graph(
            read_instagram(
                "InstagramBusinessProfile",
                connection=self._via(connection),
                account=self._account(),
            )
        )
        followers = profile["followers_count"].iloc[0]
        frame["reach"] = joined["reach"]
        frame["interactions"] = interactions
        frame["engagement_rate_reach"] = (interactions / joined["reach"]).astype("Float64")
        frame["engagement_rate_follower"] = (interactions / followers).astype("Float64")
        return frame.rename(columns=self._shown)

    # -- writing ----------------------------------------------------------------------------
    # Each returns instapd's write result (id, status, error) indexed like this frame; options
    # (dry_run=, on_error=) pass through to instapd.insert/update/delete.

    def reply(
        self, text: str | pd.Series, connection: Connection | None = None, **options: Any
    ) -> pd.DataFrame:
        """Reply to this frame's comments. ``text``: one str for all, or a Series aligned with
        the frame (rows it lacks, or holds NA for, get no reply)."""
        rows = self._with_text(text, COMMENT_TABLES, "comment_id")
        return insert(
            "Replies", rows, connection=self._via(connection), **self._write_options(options)
        )

    def hide(self, connection: Connection | None = None, **options: Any) -> pd.DataFrame:
        """Hide this frame's comments."""
        return self._hide(True, connection, options)

    def unhide(self, connection: Connection | None = None, **options: Any) -> pd.DataFrame:
        """Show this frame's hidden comments again."""
        return self._hide(False, connection, options)

    def comment(
        self, text: str | pd.Series, connection: Connection | None = None, **options: Any
    ) -> pd.DataFrame:
        """Comment on this frame's media; ``text`` as for :meth:`reply`."""
        rows = self._with_text(text, MEDIA_TABLES, "media_id")
        return insert(
            "Comments", rows, connection=self._via(connection), **self._write_options(options)
        )

    def enable_comments(self, connection: Connection | None = None, **options: Any) -> pd.DataFrame:
        """Turn comments on for this frame's media."""
        return self._comments_on(True, connection, options)

    def disable_comments(
        self, connection: Connection | None = None, **options: Any
    ) -> pd.DataFrame:
        """Turn comments off for this frame's media."""
        return self._comments_on(False, connection, options)

    def delete(self, connection: Connection | None = None, **options: Any) -> pd.DataFrame:
        """Delete this frame's comments, or its media (which needs instagram_manage_contents)."""
        table = "Comments" if self.table.lower() in COMMENT_TABLES else "IGMedia"
        ids = self._ids_for_write(COMMENT_TABLES | MEDIA_TABLES)
        return delete(table, ids, connection=self._via(connection), **self._write_options(options))

    # -- from insights ----------------------------------------------------------------------

    def tidy(self) -> pd.DataFrame:
        """Long form: the frame's keys, then one row per ``metric`` and ``value``."""
        table = get_table(self.table)
        metric_columns = [c.name for c in table.columns if c.type == "int" and c.source is None]
        if not metric_columns or "value" in self._frame.columns:
            return self._frame.rename(columns=self._shown)
        present = [c for c in metric_columns if c in self._frame.columns]
        keys = [c for c in self._frame.columns if c not in present]
        long = self._frame.melt(id_vars=keys, value_vars=present, var_name="metric")
        long["metric"] = long["metric"].astype("string")
        long["value"] = long["value"].astype("Int64")
        return long.dropna(subset=["value"]).reset_index(drop=True).rename(columns=self._shown)

    def plot(self, metrics: list[str] | None = None, **options: Any) -> Axes:
        """A time-series chart of an insights frame: one line per metric (and account)."""
        frame = self._frame
        time_column = get_table(self.table).time_column
        if time_column is None or time_column not in frame.columns:
            raise FrameError(f".ig.plot needs a time column; {self.table} has none.")
        tidy = self.tidy()
        if metrics:
            tidy = tidy[tidy["metric"].isin(metrics)]
        series = ["metric"] + (
            ["business_account_id"] if tidy["business_account_id"].nunique() > 1 else []
        )
        wide = tidy.pivot_table(index=time_column, columns=series, values="value", aggfunc="sum")
        options.setdefault("title", self.table)
        options.setdefault("xlabel", f"{time_column} (UTC)")
        options.setdefault("ylabel", "value")
        axes: Axes = wide.astype(float).plot(**options)
        return axes

    # -- from snapshots (instapd.history) ---------------------------------------------------

    def growth(self, metric: str = "reach", *, top: int | None = None) -> pd.DataFrame:
        """Each post's ``metric`` by whole hours since posting (one column per post), from
        :func:`instapd.history` of MediaInsights or StoryInsights (``<NA>`` where no snapshot fell).
        ``top`` keeps the posts with the highest latest value."""
        from .snapshots import growth

        if "snapshot_at" not in self._frame.columns:
            raise FrameError(
                ".ig.growth needs snapshots: read the frame with instapd.history(...), not "
                "read_instagram."
            )
        return growth(self._frame, metric, top=top)

    # -- helpers ----------------------------------------------------------------------------

    def _via(self, connection: BaseConnection | None) -> BaseConnection | None:
        """``connection``, else the one the frame was read with: still open in this process, or
        built again from its non-secret properties (credentials come as for any connection)."""
        if connection is not None:
            return connection
        from .io import live_connection

        reference = self._meta.get("connection")
        live = live_connection(reference)
        if live is not None:
            return live
        properties = reference.get("properties") if isinstance(reference, dict) else None
        if not isinstance(properties, dict) or not properties:
            return None  # the default connection, as read_instagram() without connection=
        key = json.dumps(properties, sort_keys=True)
        if key not in _REBUILT:
            _REBUILT[key] = connect(**properties)
        return _REBUILT[key]

    def _ids_for_write(self, tables: set[str]) -> pd.Series:
        if self.table.lower() not in tables:
            raise FrameError(f"A {self.table} frame holds nothing this write applies to.")
        if "id" not in self._frame.columns:
            raise FrameError(f"Read {self.table} with its id column to write to it.")
        return self._frame["id"]

    def _with_text(self, text: str | pd.Series, tables: set[str], key: str) -> pd.DataFrame:
        ids = self._ids_for_write(tables)
        if isinstance(text, pd.Series):
            text = text.dropna()
            unknown = text.index.difference(ids.index)
            if len(unknown):
                raise UsageError(
                    f"The text Series has index labels the frame lacks ({list(unknown[:3])}); "
                    "align it with the frame (build it from the frame's columns)."
                )
            ids = ids.loc[text.index]
        return pd.DataFrame({key: ids, "text": text}, index=ids.index)

    def _write_options(self, options: dict[str, Any]) -> dict[str, Any]:
        return {"account": self._account(), **options}

    def _hide(
        self, hidden: bool, connection: Connection | None, options: dict[str, Any]
    ) -> pd.DataFrame:
        ids = self._ids_for_write(COMMENT_TABLES)
        rows = pd.DataFrame({"id": ids, "hidden": hidden}, index=ids.index)
        return update(
            "Comments", rows, connection=self._via(connection), **self._write_options(options)
        )

    def _comments_on(
        self, on: bool, connection: Connection | None, options: dict[str, Any]
    ) -> pd.DataFrame:
        ids = self._ids_for_write(MEDIA_TABLES)
        rows = pd.DataFrame({"id": ids, "comment_enabled": on}, index=ids.index)
        return update(
            "IGMedia", rows, connection=self._via(connection), **self._write_options(options)
        )

    def _column(self, name: str) -> list[str]:
        if name not in self._frame.columns:
            raise FrameError(f"This {self.table} frame has no {name!r} column to follow.")
        return [str(v) for v in self._frame[name].dropna().unique()]

    def _id_column(self) -> str:
        media_frame = self.table.lower() in MEDIA_TABLES
        return "media_id" if "media_id" in self._frame.columns and not media_frame else "id"

    def _media_ids(self, only_type: str | None = None) -> list[str]:
        if self.table.lower() not in MEDIA_TABLES and "media_id" not in self._frame.columns:
            raise FrameError(f"A {self.table} frame holds no media to follow.")
        frame = self._frame
        if only_type is not None:
            if "media_type" not in frame.columns:
                raise FrameError("Read the media with the media_type column to find albums.")
            frame = frame[frame["media_type"] == only_type]
        column = self._id_column()
        return [str(v) for v in frame[column].dropna().unique()]

    def _account(self) -> str | list[str] | None:
        accounts = self._meta.get("accounts") or []
        return accounts[0] if len(accounts) == 1 else accounts or None

    def _below(
        self,
        table: str,
        key: str,
        ids: list[str],
        connection: Connection | None,
        options: dict[str, Any],
    ) -> pd.DataFrame:
        """Rows of ``table`` under ``ids``: pushed down when few, else one walk then a filter."""
        account = self._account()
        if not ids:
            return _empty(table)
        if len(ids) <= PUSHDOWN_LIMIT:
            pushed: dict[str, Any] = {key: ids, **options}
            return read_instagram(
                table, connection=self._via(connection), account=account, **pushed
            )
        frame = read_instagram(table, connection=self._via(connection), account=account, **options)
        kept = frame[frame[key].isin(ids)].reset_index(drop=True)
        kept.attrs = frame.attrs
        return kept


def _graph_named(frame: pd.DataFrame, table: str) -> tuple[pd.DataFrame, dict[str, str]]:
    """The frame under instapd's (Graph) column names, whatever ``ColumnNames`` it was read
    with, and the renaming back (Graph name -> the frame's own) for frames handed out."""
    try:
        entry = get_table(table)
    except UsageError:
        return frame, {}
    graph = {c.name for c in entry.columns}
    cdata = {shown: name for name, shown in column_names(entry, "CData").items()}
    renamed = {
        c: cdata[c] for c in frame.columns if c not in graph and c in cdata and cdata[c] != c
    }
    if not renamed:
        return frame, {}
    view = frame.rename(columns=renamed)
    view.attrs = frame.attrs
    return view, {graph_name: shown for shown, graph_name in renamed.items()}


def _as_graph(frame: pd.DataFrame) -> pd.DataFrame:
    return _graph_named(frame, str(frame.attrs.get("instapd", {}).get("table", "")))[0]


def _empty(table: str) -> pd.DataFrame:
    """The typed empty frame of ``table``, with nothing to ask the API."""
    entry = get_table(table)
    frame = empty_frame(entry.columns)
    frame.attrs["instapd"] = {"table": entry.name, "accounts": [], "fetched_at": None}
    return frame


__all__ = [
    "COMMENT_TABLES",
    "MEDIA_TABLES",
    "PUSHDOWN_LIMIT",
    "IgAccessor",
]
