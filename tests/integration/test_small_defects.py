"""Small defects of issue 27, each pinned: the read cache ignores ``on_error``,
``INSTAPD_PROGRESS=off`` turns bars off, ``.ig`` methods raise typed errors."""

from __future__ import annotations

import pandas as pd
import pytest

import instapd
from instapd import progress
from instapd.readers import SkippedWarning


def test_switching_on_error_still_hits_the_cache(
    connection: instapd.Connection, account: str
) -> None:
    first = connection.read("AccountInsights", account=account, on_error="report")
    assert first.attrs["instapd"]["source"] == "api"
    again = connection.read("AccountInsights", account=account, on_error="raise")
    assert again.attrs["instapd"]["source"] == "cache"
    pd.testing.assert_frame_equal(again, first)


def test_a_raise_read_never_serves_cells_a_report_read_left_na(
    connection: instapd.Connection, account: str
) -> None:
    with pytest.warns(SkippedWarning):
        lenient = connection.read("StoryInsights", account=account)
    assert lenient["reach"].isna().any()
    with pytest.raises(instapd.PermissionDeniedError, match="Not enough viewers"):
        connection.read("StoryInsights", account=account, on_error="raise")


@pytest.mark.parametrize("word", ["0", "false", "no", "off", "OFF", " off "])
def test_progress_off_in_every_spelling(monkeypatch: pytest.MonkeyPatch, word: str) -> None:
    monkeypatch.setenv("INSTAPD_PROGRESS", word)
    assert progress.enabled(None) is False
    assert progress.enabled(True) is True  # progress= wins over the environment


def test_progress_on_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INSTAPD_PROGRESS", raising=False)
    assert progress.enabled(None) is True


def test_ig_methods_raise_typed_errors_that_usage_error_catches(
    connection: instapd.Connection, account: str
) -> None:
    profile = connection.read("InstagramBusinessProfile", account=account)
    media = connection.read("Media", account=account, columns=["id", "timestamp"], limit=2)
    calls = {
        "growth": lambda: media.ig.growth(),
        "hide": lambda: profile.ig.hide(),
        "plot": lambda: profile.ig.plot(),
        "children": lambda: media.ig.children(),
    }
    for name, call in calls.items():
        with pytest.raises(instapd.UsageError) as caught:
            call()
        assert isinstance(caught.value, instapd.FrameError), name
        assert isinstance(caught.value, AttributeError), name  # as before, for old handlers
