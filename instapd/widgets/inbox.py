"""``Inbox(account=...)``: the newest comments across media, unanswered first, each with Reply,
Hide/Unhide and Delete, a dry-run switch, and each row's result shown in place.

A view over :mod:`.inbox_data`. The list is read in a background thread (the cell finishes at
once; :meth:`Inbox.wait` waits for it). The reply box checks Instagram's comment rules as the
user types and the Reply button stays off while the text would be refused. A button is
disabled while its write runs and a done reply or delete cannot be sent again, so one click is
one write. Every control is a standard ipywidget: Tab moves between them, Enter or Space
presses a button.
"""

from __future__ import annotations

import html
import threading
from typing import Any

import ipywidgets as widgets
import pandas as pd

from ..connection import BaseConnection
from .connecting import connection_and_account
from .inbox_data import Action, act, describe_result, inbox_frame, reply_problem
from .static import StaticView, box


class InboxRow(widgets.VBox):  # type: ignore[misc]
    """One comment: who, when, what, a reply box, the actions and their result."""

    def __init__(self, inbox: Inbox, comment: dict[Any, Any]) -> None:
        self.inbox, self.comment = inbox, comment
        self.comment_id = str(comment["id"])
        self.hidden = bool(comment.get("hidden"))
        self.done = False  # replied to or deleted: nothing more is sent from this row
        self.deleted = False
        self._showing_rule = False  # the result line shows a comment rule's reason
        self.results: list[pd.DataFrame] = []
        self.header = widgets.HTML(_header(comment))
        self.reply_box = widgets.Text(
            placeholder="Reply…", continuous_update=True, layout=widgets.Layout(width="28em")
        )
        self.reply_button = widgets.Button(description="Reply", disabled=True, icon="reply")
        self.hide_button = widgets.Button(description="Unhide" if self.hidden else "Hide")
        self.delete_button = widgets.Button(description="Delete", button_style="danger")
        self.result = widgets.HTML()
        self.reply_box.observe(lambda _c: self._check(), names="value")
        self.reply_button.on_click(lambda _b: self.run("reply"))
        self.hide_button.on_click(lambda _b: self.run("unhide" if self.hidden else "hide"))
        self.delete_button.on_click(lambda _b: self.run("delete"))
        actions = widgets.HBox(
            [self.reply_box, self.reply_button, self.hide_button, self.delete_button]
        )
        super().__init__([self.header, actions, self.result])
        self.add_class("ipd-inbox-row")
        self._lock = threading.Lock()

    def _check(self) -> None:
        """The comment rules, as the user types: the reason shows and Reply stays off."""
        text = self.reply_box.value
        problem = reply_problem(text) if text.strip() else None
        self.reply_button.disabled = self.done or not text.strip() or problem is not None
        if problem:
            self.result.value = _colour(False, problem)
            self._showing_rule = True
        elif self._showing_rule:  # the text is fine again: the rule's reason goes
            self.result.value = ""
            self._showing_rule = False

    def run(self, action: Action) -> pd.DataFrame | None:
        """One action, exactly once: refused while another runs or after a reply/delete."""
        if not self._lock.acquire(blocking=False):
            return None
        buttons = (self.reply_button, self.hide_button, self.delete_button)
        try:
            if self.done:
                return None
            for button in buttons:
                button.disabled = True
            dry_run = bool(self.inbox.dry_run.value)
            text = self.reply_box.value if action == "reply" else None
            try:
                result = act(self.inbox.connection, self.comment_id, action, text=text,
                             account=self.inbox.account_id, dry_run=dry_run)  # fmt: skip
            except Exception as exc:  # a refusal after sending, shown in its row
                self.result.value = _colour(False, f"Failed: {exc}")
                return None
            self.results.append(result)
            self._showing_rule = False
            ok, message = describe_result(result, action, dry_run=dry_run)
            self.result.value = _colour(ok, message)
            if ok and not dry_run:
                if action in ("reply", "delete"):
                    self.done = True
                    self.reply_box.disabled = True
                if action in ("hide", "unhide"):
                    self.hidden = action == "hide"
                    self.hide_button.description = "Unhide" if self.hidden else "Hide"
                self.comment["answered"] = self.comment.get("answered") or action == "reply"
                self.deleted = self.deleted or action == "delete"
                self.header.value = _header(self.comment, deleted=self.deleted)
                self.inbox.show_counts()
            return result
        finally:
            for button in buttons[1:]:
                button.disabled = self.done
            self._check()
            self._lock.release()


class Inbox(StaticView, widgets.VBox):  # type: ignore[misc]
    """The comment inbox of one account (``account``: an id or username)."""

    def __init__(
        self,
        _positional: object = None,
        /,
        account: str | None = None,
        *,
        connection: BaseConnection | None = None,
        media: int = 12,
        limit: int = 20,
        dry_run: bool = False,
    ) -> None:
        connection, account = connection_and_account("Inbox", _positional, account, connection)
        self.connection = connection
        self.account = account
        self.account_id: str | None = None  # resolved by the first read, not here (no I/O)
        self.media, self.limit = media, limit
        self.frame: pd.DataFrame | None = None
        self.rows: list[InboxRow] = []
        self.error: Exception | None = None
        self.dry_run = widgets.Checkbox(
            value=dry_run, description="Dry run: show what would be sent, send nothing",
            indent=False, layout=widgets.Layout(width="auto"),
        )  # fmt: skip
        self.refresh_button = widgets.Button(description="Refresh", icon="refresh")
        self.status = widgets.HTML("Reading the newest comments…")
        self.list = widgets.VBox()
        self.refresh_button.on_click(lambda _b: self.refresh())
        super().__init__(
            [widgets.HBox([self.dry_run, self.refresh_button]), self.status, self.list]
        )
        self._done = threading.Event()

    def begin(self) -> None:
        self._done.clear()
        threading.Thread(target=self._load, name="instapd-inbox", daemon=True).start()

    def refresh(self) -> None:
        """Read the comments (again), in the background."""
        if self.started:
            self.begin()
        else:
            self.start()

    def _load(self) -> None:
        self.error = None
        try:
            if self.account_id is None:
                self.account_id = self.connection.resolve_accounts(self.account)[0]
            self.frame = inbox_frame(
                self.connection, self.account_id, media=self.media, limit=self.limit
            )
            self.rows = [InboxRow(self, c) for c in self.frame.to_dict("records")]
            self.list.children = self.rows
            self.show_counts()
        except Exception as exc:
            self.error = exc
            self.status.value = _colour(False, f"Could not read the comments: {exc}")
        finally:
            self.republish()  # before done: whoever waits finds the saved view complete
            self._done.set()

    def show_counts(self) -> None:
        """The status line: comments shown, and how many still wait for a reply."""
        shown = [r for r in self.rows if not r.deleted]
        waiting = sum(1 for r in shown if not r.comment.get("answered"))
        self.status.value = f"<b>{len(shown)} newest comments</b> · {waiting} without your reply"

    def wait(self, timeout: float | None = 120) -> Inbox:
        """Wait for the comments (reading them first if the inbox was never shown)."""
        self.wait_for("The inbox was not read", timeout, self._done, raises=True)
        return self

    def row(self, comment_id: str) -> InboxRow:
        for row in self.rows:
            if row.comment_id == comment_id:
                return row
        raise KeyError(f"No comment {comment_id} in the inbox.")

    def static_html(self) -> str:
        if self.frame is None:
            return box("<p>Reading the newest comments…</p>", "Inbox")
        lines = "".join(f"<li>{_header(c)}</li>" for c in self.frame.to_dict("records"))
        return box(f"<ul>{lines}</ul>", f"Inbox: {len(self.frame)} newest comments")


def _header(comment: dict[Any, Any], *, deleted: bool = False) -> str:
    when = pd.Timestamp(comment["timestamp"]).strftime("%Y-%m-%d %H:%M")
    tags = []
    if comment.get("answered"):
        tags.append("answered")
    if comment.get("hidden"):
        tags.append("hidden")
    if deleted:
        tags.append("deleted")
    tag = f" <small>[{', '.join(tags)}]</small>" if tags else ""
    text = html.escape(str(comment.get("text") or ""))
    if deleted:
        text = f"<s>{text}</s>"
    return f"<b>@{html.escape(str(comment.get('username')))}</b> <small>{when}</small>{tag}: {text}"


def _colour(ok: bool, message: str) -> str:
    colour = "#1b5e20" if ok else "#b00020"
    return f'<span style="color:{colour}">{html.escape(message)}</span>'
