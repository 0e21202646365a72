"""What a newcomer meets in the first hour: each test is one break a first walk-through found."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pandas as pd
import pytest

import instapd
from instapd.sandbox import Sandbox
from tests.support import sandbox_connection, writes_logged

ROOT = Path(__file__).resolve().parents[2]


def _python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=environ, timeout=120)  # fmt: skip


def test_instapd_cache_works_right_after_import(tmp_path: Path) -> None:
    result = _python(
        "import instapd\nprint(len(instapd.cache.entries()))", INSTAPD_CACHE_DIR=str(tmp_path)
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["0"]


def test_sql_without_the_sql_extra_names_the_install() -> None:
    # None in sys.modules is Python's own "this module is not installed" (ModuleNotFoundError)
    code = (
        "import sys\nsys.modules['sqlglot'] = None\nimport instapd\n"
        "try:\n    instapd.sql('SELECT 1')\n"
        "except instapd.MissingExtraError as exc:\n"
        "    print(isinstance(exc, ImportError), exc.extra, exc)\n"
    )
    result = _python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("True sql ")
    assert 'pip install "instapd[sql]"' in result.stdout


def test_follow_ups_use_the_connection_the_frame_was_read_with(
    connection: instapd.Connection, account: str, clean_sandbox: Sandbox
) -> None:
    with pytest.raises(instapd.NoCredentialsError):  # the default connection has nothing
        instapd.read_instagram("InstagramBusinessProfile", account=account)
    media = connection.read("Media", account=account, limit=6)
    comments = media.ig.comments()
    assert len(comments) > 0
    assert set(comments["media_id"]) <= set(media["id"])
    assert len(media.ig.children()) > 0
    assert set(media.ig.insights()["media_id"]) == set(media["id"])
    assert "engagement_rate_reach" in media.ig.engagement().columns
    assert media.ig.refresh()["id"].tolist() == media["id"].tolist()
    assert set(comments.ig.replies()["comment_id"]) <= set(comments["id"])
    assert clean_sandbox.token not in json.dumps(media.attrs, default=str)


def test_follow_ups_of_a_saved_frame_build_its_connection_again(
    clean_sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    conn = sandbox_connection(clean_sandbox)
    media = conn.read("Media", account=clean_sandbox.account_ids[0], limit=3)
    media.to_parquet(tmp_path / "media.parquet")
    del conn, media
    gc.collect()  # the connection is gone, as in another process
    saved = (tmp_path / "media.parquet").read_bytes()
    assert clean_sandbox.token.encode() not in saved  # the attrs hold no secret
    back = pd.read_parquet(tmp_path / "media.parquet")
    monkeypatch.setenv("INSTAPD_ACCESS_TOKEN", clean_sandbox.token)  # credentials as usual
    comments = back.ig.comments()
    assert set(comments["media_id"]) <= set(back["id"])
    assert comments.attrs["instapd"]["connection"]["properties"]["GraphURL"] == clean_sandbox.url


def test_warnings_point_at_the_users_line(connection: instapd.Connection, account: str) -> None:
    media = connection.read("Media", account=account)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        line = sys._getframe().f_lineno + 1
        media.ig.insights()  # some media predate the business account: SkippedWarning
    skipped = [w for w in caught if w.category.__name__ == "SkippedWarning"]
    assert skipped, [str(w.message) for w in caught]
    assert (skipped[0].filename, skipped[0].lineno) == (__file__, line)

    path = Path(media.attrs["instapd"]["cache"]["path"])
    path.write_bytes(b"not parquet")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        line = sys._getframe().f_lineno + 1
        connection.read("Media", account=account)
    unreadable = [w for w in caught if w.category.__name__ == "CacheWarning"]
    assert [(w.filename, w.lineno) for w in unreadable] == [(__file__, line)]


def test_a_media_id_where_a_comment_id_belongs_is_named(
    connection: instapd.Connection, account: str, clean_sandbox: Sandbox
) -> None:
    media = connection.read("Media", account=account, limit=3)
    comment_id = media.ig.comments()["id"].iloc[0]
    media_id = media["id"].iloc[0]
    out = connection.update("Comments", [{"id": media_id, "hidden": True}])
    assert out["status"].tolist() == ["error"]
    assert f"{media_id} is a media id, where this write takes a comment id" in out["error"][0]
    with pytest.raises(instapd.IdMixupError, match="is a media id") as raised:
        connection.insert("Replies", [{"comment_id": media_id, "text": "Thanks!"}],
                          on_error="raise")  # fmt: skip
    assert (raised.value.given, raised.value.wanted) == ("media", "comment")
    with pytest.raises(instapd.IdMixupError, match="is a comment id, where this write takes a"):
        connection.insert("Comments", [{"media_id": comment_id, "text": "Hi"}], on_error="raise")
    assert writes_logged(clean_sandbox) == []  # refused before anything was sent


def test_sandbox_reads_keep_out_of_the_users_cache_and_hit_across_runs(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("INSTAPD_CACHE_DIR")  # the user's own cache: the platform's folder
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    hits = []
    for _run in range(2):  # two runs: two sandboxes, each on a port of its own
        with Sandbox() as box, sandbox_connection(box) as conn:
            media = conn.read("Media", account=box.account_ids[0], limit=2)
            hits.append(media.attrs["instapd"]["cache"]["hit"])
    assert hits == [False, True]
    assert instapd.cache.entries().empty  # the user's cache holds none of it
    apart = instapd.cache.entries(location=tmp_path / "xdg" / "instapd-sandbox")
    assert apart["table"].tolist() == ["Media"]
    assert json.loads(apart["query"][0])["source"] == "sandbox at 127.0.0.1"
