"""The webhook receiver over loopback HTTP, fed by the sandbox's real, signed deliveries."""

from __future__ import annotations

import base64
import json
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from werkzeug.serving import BaseWSGIServer, make_server

import instapd
from instapd.catalog.webhooks import delivery_body
from instapd.errors import (
    AppNotLiveError,
    CallbackVerificationError,
    NoCredentialsError,
    NoSnapshotsError,
    PermissionDeniedError,
    UnknownTableError,
)
from instapd.sandbox import Sandbox
from instapd.sandbox.schema import ALL_SCOPES
from instapd.webhooks import WebhookReceiver, sign
from instapd.webhooks.subscriptions import status, subscribe
from tests.support import FAST_RETRY

SECRET = "the-app-secret"
TOKEN = "my-verify-token"
FIELDS = ["comments", "mentions", "story_insights", "live_comments"]


def delivery(
    *changes: tuple[str, dict[str, Any]],
    account: str = "17841400000000001",
    time: int = 1_755_779_280,
) -> bytes:
    return delivery_body(account, time, changes)


def comment(number: int) -> tuple[str, dict[str, Any]]:
    return (
        "comments",
        {
            "id": str(18_000 + number),
            "text": f"nice {number}",
            "from": {"id": "2105", "username": "a_fan"},
            "media": {"id": "17900000000000053", "media_product_type": "FEED"},
        },
    )


class Served:
    """A receiver served on 127.0.0.1 (port 0) in a thread; ``url`` is its callback."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.port}/"

    def post(self, body: bytes, signature: str | None = "auto") -> requests.Response:
        headers = {"Content-Type": "application/json"}
        if signature == "auto":
            signature = sign(body, SECRET)
        if signature is not None:
            headers["X-Hub-Signature-256"] = signature
        return requests.post(self.url, data=body, headers=headers, timeout=10)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[WebhookReceiver]:
    app = WebhookReceiver(app_secret=SECRET, verify_token=TOKEN, location=tmp_path / "h").start()
    yield app
    app.close()


@pytest.fixture
def served(receiver: WebhookReceiver) -> Iterator[Served]:
    server = Served(receiver)
    yield server
    server.stop()


def events(receiver: WebhookReceiver) -> Any:
    assert receiver.wait_kept(30)
    return instapd.history("WebhookEvents", location=receiver.dataset.location)


def nothing_kept(receiver: WebhookReceiver) -> bool:
    """No WebhookEvents at all: ``history`` says so, naming the receiver."""
    assert receiver.wait_kept(30)
    with pytest.raises(NoSnapshotsError, match="webhooks serve"):
        instapd.history("WebhookEvents", location=receiver.dataset.location)
    return True


# -- the receiver on its own ------------------------------------------------------------------


def test_verification_answers_the_challenge_only_for_the_verify_token(served: Served) -> None:
    ok = requests.get(
        served.url,
        params={"hub.mode": "subscribe", "hub.verify_token": TOKEN, "hub.challenge": "1158201444"},
        timeout=10,
    )
    assert (ok.status_code, ok.text) == (200, "1158201444")
    for wrong in ({"hub.verify_token": "guess"}, {"hub.mode": "unsubscribe"}):
        params = {"hub.mode": "subscribe", "hub.verify_token": TOKEN, "hub.challenge": "1"}
        answer = requests.get(served.url, params={**params, **wrong}, timeout=10)
        assert answer.status_code == 403
        assert answer.text != "1"


def test_a_signed_delivery_is_kept_with_its_value_flattened(
    served: Served, receiver: WebhookReceiver
) -> None:
    assert served.post(delivery(comment(1))).status_code == 200
    frame = events(receiver)
    assert len(frame) == 1
    row = frame.iloc[0]
    assert (row["field"], row["business_account_id"]) == ("comments", "17841400000000001")
    assert (row["value_text"], row["value_from_username"]) == ("nice 1", "a_fan")
    assert json.loads(row["value"])["media"]["id"] == "17900000000000053"
    assert str(frame["received_at"].dtype) == "datetime64[us, UTC]"
    assert row["entry_time"].year == 2025
    comments = instapd.history("Comments", location=receiver.dataset.location)
    assert list(comments["id"]) == ["18001"]
    assert list(comments["media_id"]) == ["17900000000000053"]


@pytest.mark.parametrize(
    ("signature", "reason"),
    [
        (None, "missing_signature"),
        ("sha256=" + "0" * 64, "bad_signature"),
        (sign(b"another body", SECRET), "bad_signature"),
        (sign(delivery(comment(1)), "not-the-secret"), "bad_signature"),
        ("sha1=abc", "bad_signature"),
    ],
)
def test_unsigned_or_badly_signed_deliveries_are_refused_logged_and_never_kept(
    served: Served,
    receiver: WebhookReceiver,
    caplog: pytest.LogCaptureFixture,
    signature: str | None,
    reason: str,
) -> None:
    with caplog.at_level(logging.WARNING, logger="instapd.webhooks"):
        answer = served.post(delivery(comment(1)), signature)
    assert answer.status_code == 403
    assert [r.webhook_refusal for r in caplog.records] == [reason]  # type: ignore[attr-defined]
    assert receiver.refusals[reason] == 1
    assert nothing_kept(receiver)
    assert receiver.spool.end == 0, "nothing of a refused delivery reaches the spool"


def test_oversized_and_malformed_deliveries_are_refused(tmp_path: Path) -> None:
    app = WebhookReceiver(app_secret=SECRET, verify_token=TOKEN, location=tmp_path, max_body=2000)
    server = Served(app.start())
    try:
        big = delivery(*[comment(i) for i in range(40)])
        assert len(big) > 2000
        assert server.post(big).status_code == 413
        for body in (
            b"not json",
            b"[]",
            b'{"object": "instagram"}',
            b'{"object": "instagram", "entry": [{"id": "../x", "changes": []}]}',
            b'{"object": "instagram", "entry": [{"id": "1", "changes": [{}]}]}',
        ):
            assert server.post(body).status_code == 400, body
        assert app.refusals == {"too_large": 1, "malformed": 5}
        assert nothing_kept(app)
    finally:
        server.stop()
        app.close()


def test_a_redelivered_change_is_kept_once(served: Served, receiver: WebhookReceiver) -> None:
    # Meta retries with a new entry.time, and may batch the change with others
    assert served.post(delivery(comment(1), time=1_000_000_000)).status_code == 200
    assert served.post(delivery(comment(1), time=1_000_000_090)).status_code == 200
    assert served.post(delivery(comment(2), comment(1))).status_code == 200
    assert sorted(events(receiver)["value_id"]) == ["18001", "18002"]
    assert len(instapd.history("Comments", location=receiver.dataset.location)) == 2


def test_the_history_keys_survive_a_restart(tmp_path: Path) -> None:
    first = WebhookReceiver(app_secret=SECRET, verify_token=TOKEN, location=tmp_path).start()
    server = Served(first)
    assert server.post(delivery(comment(1))).status_code == 200
    assert first.wait_kept()
    server.stop()
    first.close()
    second = WebhookReceiver(app_secret=SECRET, verify_token=TOKEN, location=tmp_path).start()
    server = Served(second)
    assert server.post(delivery(comment(1))).status_code == 200
    assert len(events(second)) == 1
    server.stop()
    second.close()


def test_a_metric_missing_from_one_batch_and_present_in_the_next_reads_back(
    served: Served, receiver: WebhookReceiver
) -> None:
    # Meta sends -1 for a metric under 5: a batch of only those has no type for the column
    story = {"media_id": "17900000000000004", "exits": -1, "reach": -1}
    assert served.post(delivery(("story_insights", story))).status_code == 200
    assert receiver.wait_kept()
    later = {"media_id": "17900000000000005", "exits": 7, "reach": 40}
    assert served.post(delivery(("story_insights", later))).status_code == 200
    assert receiver.wait_kept()
    insights = instapd.history("StoryInsights", location=receiver.dataset.location)
    assert insights["exits"].tolist()[1] == 7
    assert insights["reach"].isna().tolist() == [True, False]


def test_an_unknown_field_is_kept_raw_and_warned_once(
    served: Served, receiver: WebhookReceiver, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="instapd.webhooks"):
        served.post(delivery(("brand_new_field_x", {"a": {"b": 1}})))
        served.post(delivery(("brand_new_field_x", {"a": {"b": 2}})))
        frame = events(receiver)
    assert [json.loads(v) for v in frame["value"]] == [{"a": {"b": 1}}, {"a": {"b": 2}}]
    assert "value_a_b" not in frame.columns, "an unknown value is kept raw, not flattened"
    warned = [r for r in caplog.records if "brand_new_field_x" in r.getMessage()]
    assert len(warned) == 1


def test_read_instagram_points_a_history_only_table_to_history() -> None:
    with pytest.raises(UnknownTableError, match=r'instapd.history\("WebhookEvents"\)'):
        instapd.read_instagram("webhookevents")
    with pytest.raises(UnknownTableError, match="History also keeps WebhookEvents"):
        instapd.history("WebhookEvent")


def test_no_app_secret_no_receiver(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(NoCredentialsError, match="OAuthClientSecret"):
        WebhookReceiver(app_secret=None, verify_token=TOKEN, location=tmp_path)
    from instapd.cli import main

    assert main(["webhooks", "serve", "--verify-token", TOKEN, "--port", "0"]) == 2
    assert "OAuthClientSecret (INSTAPD_APP_SECRET)" in capsys.readouterr().err
    assert not (tmp_path / "snapshots" / "_webhooks").exists()


def test_serve_without_the_webhooks_extra_names_the_install(tmp_path: Path) -> None:
    # None in sys.modules is Python's own "this module is not installed" (ModuleNotFoundError)
    code = (
        "import sys\nsys.modules['cheroot'] = None\nfrom instapd.cli import main\n"
        "sys.exit(main(['webhooks', 'serve', '--verify-token', 't', '--port', '0']))\n"
    )
    environ = {**os.environ, "INSTAPD_APP_SECRET": SECRET, "INSTAPD_SNAPSHOT_DIR": str(tmp_path)}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=environ, timeout=120)  # fmt: skip
    assert result.returncode == 1, result.stderr
    assert 'pip install "instapd[webhooks]"' in result.stderr
    assert "serving" not in result.stdout


def test_a_torn_last_spool_line_is_cut_and_the_rest_kept(tmp_path: Path) -> None:
    first = WebhookReceiver(app_secret=SECRET, verify_token=TOKEN, location=tmp_path)
    first.spool.append(datetime.now(UTC), delivery(comment(1)))  # spooled, never kept
    first.spool.close()
    with open(first.spool.path, "ab") as spool:
        spool.write(b"1764620000000000 eyJvYmplY3Qi")  # a kill in the middle of an append
    second = WebhookReceiver(app_secret=SECRET, verify_token=TOKEN, location=tmp_path).start()
    assert list(events(second)["value_id"]) == ["18001"]
    assert second.spool.path.read_bytes().endswith(b"\n")
    second.close()


def test_a_damaged_spool_line_is_skipped_and_the_others_kept(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    first = WebhookReceiver(app_secret=SECRET, verify_token=TOKEN, location=tmp_path)
    first.spool.append(datetime.now(UTC), delivery(comment(1)))
    with open(first.spool.path, "ab", buffering=0) as spool:
        spool.write(b"1764620000000000 not*base64\n")
    first.spool.append(datetime.now(UTC), delivery(comment(2)))
    with open(first.spool.path, "ab", buffering=0) as spool:
        spool.write(b"1764620000000000 " + base64.b64encode(b"not a delivery") + b"\n")
        spool.write(b"1764620000000000 not*base64 either\n")  # the last line, damaged too
    first.spool.close()
    again = WebhookReceiver(app_secret=SECRET, verify_token=TOKEN, location=tmp_path)
    with caplog.at_level(logging.ERROR, logger="instapd.webhooks"):
        again.start()
        assert sorted(events(again)["value_id"]) == ["18001", "18002"]
    assert len([r for r in caplog.records if "skipping" in r.getMessage()]) == 3
    assert again.spool.kept == again.spool.end, "the checkpoint passes the damaged last line"
    again.close()


# -- the whole loop: the sandbox delivers to the receiver ----------------------------------


@pytest.fixture
def box() -> Iterator[Sandbox]:
    with Sandbox(accounts=1, media_per_account=(4,), app_secret=SECRET) as sandbox:
        sandbox.webhooks.retry_delays = (0.0, 0.01, 0.05)
        yield sandbox


def app_connection(box: Sandbox, token: str | None = None) -> instapd.Connection:
    """A connection to ``box`` with its app's id and secret (an app token can be made)."""
    return instapd.connect(
        graph_url=box.url,
        access_token=token or box.token,
        retry=FAST_RETRY,
        client_id=box.oauth_app.app_id,
        client_secret=SECRET,
    )


def test_the_sandbox_delivers_comments_mentions_and_story_insights(
    box: Sandbox, tmp_path: Path
) -> None:
    connection = app_connection(box)
    receiver = WebhookReceiver(
        app_secret=SECRET, verify_token=TOKEN, location=tmp_path, connection=connection
    ).start()
    server = Served(receiver)
    try:
        subscribed = subscribe(
            fields=FIELDS, callback_url=server.url, verify_token=TOKEN, connection=connection
        )
        assert list(subscribed["level"]) == ["app", "page"]
        assert subscribed["active"].all()
        account = box.account_ids[0]
        media = box.dataset[account].edges["media"][0]
        fan = box.comment(media, "Best flat white in town")
        written = instapd.insert(
            "Comments", [{"media_id": media, "message": "Thank you!"}], connection=connection
        )
        mention = box.mention(account)
        stories = list(box.dataset[account].edges["stories"])
        box.advance(hours=25)  # every story expired at least an hour ago: insights sent
        assert box.webhooks.wait_idle(30)
        assert receiver.wait_kept(30)
        at = receiver.dataset.location
        kept = instapd.history("WebhookEvents", location=at)
        assert sorted(kept["field"].value_counts().items()) == sorted(
            {"comments": 2, "mentions": 1, "story_insights": len(stories)}.items()
        )
        comments = instapd.history("Comments", location=at)
        assert set(comments["id"]) == {fan, written["id"].iloc[0]}
        assert set(comments["text"]) == {"Best flat white in town", "Thank you!"}
        mentioned = instapd.history("MentionedComment", location=at)
        assert list(mentioned["id"]) == [mention["comment_id"]]
        assert "@" in mentioned["text"].iloc[0], "read through MentionedComment"
        insights = instapd.history("StoryInsights", location=at)
        assert set(insights["media_id"]) == set(stories)
        assert (insights["reach"].dropna() >= 5).all(), "Meta's -1 (under 5) is missing, not -1"
    finally:
        server.stop()
        receiver.close()


def test_story_insights_come_an_hour_after_the_story_expires(box: Sandbox, tmp_path: Path) -> None:
    connection = app_connection(box)
    receiver = WebhookReceiver(app_secret=SECRET, verify_token=TOKEN, location=tmp_path).start()
    server = Served(receiver)
    try:
        subscribe(fields=["story_insights"], callback_url=server.url, verify_token=TOKEN,
                  connection=connection)  # fmt: skip
        account = box.account_ids[0]
        stories = list(box.dataset[account].edges["stories"])
        story = min(stories, key=lambda s: box.dataset[s].values["timestamp"])
        expires = box.dataset[story].values["timestamp"] + timedelta(hours=24)
        box.advance(expires - box.now + timedelta(minutes=30))  # gone half an hour ago
        assert story not in box.dataset[account].edges["stories"]
        assert box.webhooks.wait_idle(30)
        assert receiver.wait_kept(30)
        assert story not in _story_ids(receiver), "not yet: Meta waits an hour"
        sent = box.webhooks.delivered
        box.advance(timedelta(minutes=31))
        assert box.webhooks.wait_idle(30)
        assert receiver.wait_kept(30)
        assert _story_ids(receiver).count(story) == 1
        assert box.webhooks.delivered > sent
        sent, before = box.webhooks.delivered, box.now
        box.advance(timedelta(minutes=1))
        due = [s for s in stories if before < _insights_due(box, s) <= box.now]
        assert box.webhooks.wait_idle(30)
        assert box.webhooks.delivered == sent + len(due), "each story's insights are sent once"
    finally:
        server.stop()
        receiver.close()


def _insights_due(box: Sandbox, story: str) -> datetime:
    """An hour after the story expires (Meta's delay for story_insights)."""
    return box.dataset[story].values["timestamp"] + timedelta(hours=25)


def _story_ids(receiver: WebhookReceiver) -> list[str]:
    try:
        kept = instapd.history("WebhookEvents", location=receiver.dataset.location)
    except NoSnapshotsError:
        return []
    return list(kept.loc[kept["field"] == "story_insights", "value_media_id"])


class FailingFirst:
    """The receiver behind a proxy that answers 500 to the first ``failures`` POSTs."""

    def __init__(self, app: WebhookReceiver, failures: int) -> None:
        self.app, self.left, self.posts = app, failures, 0

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ["REQUEST_METHOD"] == "POST":
            self.posts += 1
            if self.left > 0:
                self.left -= 1
                start_response("500 Internal Server Error", [("Content-Type", "text/plain")])
                return [b"down"]
        return self.app(environ, start_response)


def test_the_sandbox_redelivers_until_the_receiver_answers(box: Sandbox, tmp_path: Path) -> None:
    receiver = WebhookReceiver(app_secret=SECRET, verify_token=TOKEN, location=tmp_path).start()
    proxy = FailingFirst(receiver, failures=2)
    server = Served(proxy)
    try:
        subscribe(
            fields=["comments"],
            callback_url=server.url,
            verify_token=TOKEN,
            connection=app_connection(box),
        )
        media = box.dataset[box.account_ids[0]].edges["media"][1]
        box.comment(media, "Is this decaf?")
        assert box.webhooks.wait_idle(30)
        assert (proxy.posts, box.webhooks.failures, box.webhooks.delivered) == (3, 2, 1)
        assert list(events(receiver)["value_text"]) == ["Is this decaf?"]
    finally:
        server.stop()
        receiver.close()


def test_nothing_is_delivered_to_a_page_that_has_not_subscribed_the_app(
    box: Sandbox, served: Served, receiver: WebhookReceiver
) -> None:
    box.webhooks.page_apps.clear()
    app_token = f"{box.oauth_app.app_id}|{SECRET}"
    answer = requests.post(
        f"{box.url}/v25.0/{box.oauth_app.app_id}/subscriptions",
        params={
            "object": "instagram",
            "callback_url": served.url,
            "fields": "comments",
            "verify_token": TOKEN,
            "access_token": app_token,
        },
        timeout=10,
    )
    assert answer.json() == {"success": True}
    box.comment(box.dataset[box.account_ids[0]].edges["media"][0])
    assert box.webhooks.wait_idle(30)
    assert box.webhooks.delivered == 0
    assert nothing_kept(receiver)


# -- subscriptions: Meta's endpoints and errors --------------------------------------------


def test_status_lists_the_app_and_each_page(box: Sandbox, served: Served) -> None:
    connection = app_connection(box)
    before = status(connection=connection)
    assert list(before["level"]) == ["page"]
    assert not before["active"].any()
    subscribe(
        fields=["comments"], callback_url=served.url, verify_token=TOKEN, connection=connection
    )
    subscribe(
        fields=["mentions"], callback_url=served.url, verify_token=TOKEN, connection=connection
    )
    after = status(connection=connection).set_index("level")
    assert after.loc["app", "fields"] == ["comments", "mentions"], "fields add up, as Meta's do"
    assert after.loc["app", "callback_url"] == served.url
    assert after.loc["page", "fields"] == ["feed"]
    assert after.loc["page", "account"] == box.account_ids[0]


def test_an_app_that_is_not_live_gets_a_typed_error(box: Sandbox, served: Served) -> None:
    box.webhooks.live = False
    with pytest.raises(AppNotLiveError, match="Live"):
        subscribe(
            fields=["comments"],
            callback_url=served.url,
            verify_token=TOKEN,
            connection=app_connection(box),
        )
    assert box.webhooks.subscriptions == {}


def test_a_token_without_pages_manage_metadata_gets_a_typed_error(
    box: Sandbox, served: Served
) -> None:
    scopes = tuple(s for s in ALL_SCOPES if s != "pages_manage_metadata")
    connection = app_connection(box, box.issue_token(scopes))
    with pytest.raises(PermissionDeniedError) as raised:
        subscribe(
            fields=["comments"], callback_url=served.url, verify_token=TOKEN, connection=connection
        )
    assert raised.value.scopes == ("pages_manage_metadata",)
    assert "pages_manage_metadata" in str(raised.value)
    assert box.webhooks.page_apps == {}


def test_a_wrong_verify_token_fails_meta_verification(box: Sandbox, served: Served) -> None:
    with pytest.raises(CallbackVerificationError, match="verify-token"):
        subscribe(
            fields=["comments"],
            callback_url=served.url,
            verify_token="not-it",
            connection=app_connection(box),
        )
    assert box.webhooks.subscriptions == {}


def test_the_subscription_edges_take_only_the_tokens_meta_takes(box: Sandbox) -> None:
    app_id, page = box.oauth_app.app_id, box.dataset.page_ids[0]
    user = requests.get(
        f"{box.url}/v25.0/{app_id}/subscriptions", params={"access_token": box.token}, timeout=10
    )
    assert user.json()["error"]["code"] == 15
    forged = requests.get(
        f"{box.url}/v25.0/{app_id}/subscriptions",
        params={"access_token": f"{app_id}|guess"},
        timeout=10,
    )
    assert forged.json()["error"]["code"] == 190
    not_page = requests.post(
        f"{box.url}/v25.0/{page}/subscribed_apps",
        params={"access_token": box.token, "subscribed_fields": "feed"},
        timeout=10,
    )
    assert not_page.json()["error"]["code"] == 210


def test_the_cli_subscribes_the_sandbox_app_and_lists_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from instapd.api import shared_sandbox
    from instapd.cli import main
    from instapd.webhooks import start_server

    secret = instapd.connect(Sandbox=True).oauth_app().client_secret
    server = start_server(WebhookReceiver(app_secret=secret, verify_token=TOKEN, location=tmp_path))
    hooks = shared_sandbox().webhooks
    try:
        command = [
            "webhooks",
            "subscribe",
            "--sandbox",
            "--fields",
            "comments,mentions",
            "--callback-url",
            server.url,
            "--verify-token",
            TOKEN,
        ]
        assert main(command) == 0
        assert main(["webhooks", "status", "--sandbox"]) == 0
        out = capsys.readouterr().out
        assert out.count("[comments, mentions]") == 2, out  # subscribe prints status, then status
        assert server.url in out
        assert secret is not None
        assert secret not in out
        assert "SBX" not in out
        assert hooks.subscriptions["instagram"].fields == ["comments", "mentions"]
    finally:
        hooks.subscriptions.clear()
        hooks.page_apps.clear()
        server.stop()
