"""Constructors do no I/O (design.md): a widget reads when it is first shown (its mime bundle is
asked for, as a notebook does), or on refresh()/wait(), never while it is made."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest

import instapd
from instapd.sandbox import Sandbox
from instapd.widgets import BestTime, Composer, Dashboard, Inbox
from instapd.widgets.static import StaticView
from tests.support import sandbox_connection

ACCOUNT = "brewlab.coffee"  # a username: resolving it is a read


@pytest.fixture(scope="module")
def box() -> Iterator[Sandbox]:
    with Sandbox(accounts=1, media_per_account=(4,)) as server:
        yield server


@pytest.fixture
def connection(box: Sandbox) -> instapd.Connection:
    return sandbox_connection(box)


def _gallery(connection: instapd.Connection) -> StaticView:
    media = connection.read("Media", account=ACCOUNT, limit=4)
    return media.ig.gallery("likes", connection=connection)  # type: ignore[attr-defined,no-any-return]


MAKERS: dict[str, Callable[[instapd.Connection, Sandbox], StaticView]] = {
    "Inbox": lambda c, _b: Inbox(account=ACCOUNT, connection=c),
    "Dashboard": lambda c, _b: Dashboard(account=ACCOUNT, connection=c),
    "Composer": lambda c, b: Composer(account=ACCOUNT, connection=c,
                                      urls=[b.sample_picture_url(1)], caption="hi"),
    "BestTime": lambda c, _b: BestTime(account=ACCOUNT, connection=c, tz="UTC"),
    "Gallery": lambda c, _b: _gallery(c),
}  # fmt: skip


def _instapd_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name.startswith("instapd-")}


@pytest.mark.parametrize("name", list(MAKERS))
def test_making_a_widget_sends_nothing_showing_it_reads(
    name: str, connection: instapd.Connection, box: Sandbox
) -> None:
    make = MAKERS[name]
    if name == "Gallery":
        _gallery(connection).wait()  # the frame read and the pictures cached, before counting
    threads = _instapd_threads()
    sent, served = connection.client.requests_made, box.requests_served
    widget = make(connection, box)
    # nothing was sent, and nothing was started that could send later
    assert connection.client.requests_made == sent
    assert box.requests_served == served
    assert not widget.started
    assert _instapd_threads() <= threads
    bundle = widget._repr_mimebundle_()  # what a notebook does to show it
    assert widget.started
    assert "text/html" in (bundle[0] if isinstance(bundle, tuple) else bundle)
    widget.wait()  # type: ignore[attr-defined]
    if name != "Gallery":  # the gallery's pictures were cached by the first one
        assert connection.client.requests_made > sent
    assert widget.error is None  # type: ignore[attr-defined]
