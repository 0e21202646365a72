"""Rate limits per user (code 17) and per Page (code 32), on the sandbox's clock.

A naive client that ignores the refusal gets it again until ``estimated_time_to_regain_access``
has passed on the sandbox's clock; instapd's readers wait it out with a clock that moves only by
their waits, and read what an unlimited read gives.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pandas as pd
import pytest
import requests

from instapd.sandbox import Sandbox

from ..clocks import ManualClock, paced_connection


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def sandbox(clock: ManualClock) -> Iterator[Sandbox]:
    with Sandbox(clock=clock, accounts=2, media_per_account=(40, 6)) as served:
        yield served


def _get(sandbox: Sandbox, path: str, token: str | None = None) -> requests.Response:
    headers = {"Authorization": f"Bearer {token or sandbox.token}"}
    return requests.get(f"{sandbox.url}/v25.0/{path}", headers=headers, timeout=10)


def _code(response: requests.Response) -> int | None:
    error = response.json().get("error") if response.status_code != 200 else None
    return None if error is None else int(error["code"])


def _buc(response: requests.Response) -> dict[str, dict[str, object]]:
    header = json.loads(response.headers["X-Business-Use-Case-Usage"])
    return {key: entries[0] for key, entries in header.items()}


def _page_token(sandbox: Sandbox, page_id: str) -> str:
    pages = _get(sandbox, "me/accounts").json()["data"]
    return str(next(p["access_token"] for p in pages if p["id"] == page_id))


def test_a_user_past_its_limit_gets_17_until_access_returns(sandbox: Sandbox) -> None:
    account = sandbox.account_ids[0]
    sandbox.app.usage.user_limit = 3
    answers = [_get(sandbox, "me") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    used = [json.loads(a.headers["X-App-Usage"])["call_count"] for a in answers]
    assert used == [33, 66, 100], "X-App-Usage reports the user's usage on user-token calls"
    refused = _get(sandbox, f"{account}/media")
    assert refused.status_code == 400
    assert refused.json()["error"] == {
        "message": "(#17) User request limit reached",
        "type": "OAuthException",
        "code": 17,
        "is_transient": True,
        "fbtrace_id": refused.json()["error"]["fbtrace_id"],
    }
    minutes = _buc(refused)[account]["estimated_time_to_regain_access"]
    assert minutes == 60  # the window is an hour; the first call leaves it then
    # a client that ignores 17 gets it again, with any token of the same user (the limit spans
    # apps), while another user goes on
    assert [_code(_get(sandbox, "me")) for _ in range(3)] == [17, 17, 17]
    assert _code(_get(sandbox, "me", sandbox.issue_token())) == 17
    assert _get(sandbox, "me", sandbox.issue_token(user_id="10999")).status_code == 200
    assert sandbox.app.usage.refused_by[17] == 5
    sandbox.advance(minutes * 60 - 60)
    assert _code(_get(sandbox, "me")) == 17, "held until the regain time, not before"
    sandbox.advance(60)
    again = _get(sandbox, f"{account}/media")
    assert again.status_code == 200
    assert _buc(again)[account]["estimated_time_to_regain_access"] == 0


def test_page_tokens_come_from_me_accounts(sandbox: Sandbox) -> None:
    page = sandbox.dataset.page_ids[0]
    token = _page_token(sandbox, page)
    assert token == _page_token(sandbox, page), "the same Page token each time"
    app = sandbox.oauth_app
    debug = requests.get(
        f"{sandbox.url}/v25.0/debug_token",
        params={"input_token": token, "access_token": f"{app.app_id}|{app.app_secret}"},
        timeout=10,
    ).json()["data"]
    assert (debug["type"], debug["profile_id"], debug["expires_at"]) == ("PAGE", page, 0)
    asked = _get(sandbox, f"{page}?fields=access_token", token)
    assert _code(asked) == 10, "a Page token gets no Page tokens"
    assert sandbox.issue_page_token(page) == token


def test_a_page_past_its_limit_gets_32_until_access_returns(sandbox: Sandbox) -> None:
    account, page = sandbox.account_ids[0], sandbox.dataset.page_ids[0]
    token = _page_token(sandbox, page)
    sandbox.app.usage.page_limit = 2
    answers = [_get(sandbox, f"{account}/media", token) for _ in range(2)]
    assert [_buc(a)[page]["call_count"] for a in answers] == [50, 100]
    assert _buc(answers[0])[page]["type"] == "pages"
    refused = _get(sandbox, f"{account}/media", token)
    assert refused.status_code == 400
    assert refused.json()["error"]["message"] == "(#32) Page request limit reached"
    assert _code(refused) == 32
    assert _buc(refused)[page]["estimated_time_to_regain_access"] == 60
    assert [_code(_get(sandbox, account, token)) for _ in range(3)] == [32, 32, 32]
    second = sandbox.dataset.page_ids[1]
    other = _page_token(sandbox, second)  # a Page token acts on its own Page's account only
    its_account = sandbox.dataset[second].values["instagram_business_account"].id
    assert _get(sandbox, its_account, other).status_code == 200, "each Page counts its own calls"
    assert _get(sandbox, account).status_code == 200, "the user's token is not the Page's"
    sandbox.advance(59 * 60)
    assert _code(_get(sandbox, account, token)) == 32
    sandbox.advance(60)
    assert _get(sandbox, account, token).status_code == 200


def _paced_read(
    sandbox: Sandbox, clock: ManualClock, token: str, limit: str, value: int
) -> pd.DataFrame:
    setattr(sandbox.app.usage, limit, value)
    sandbox.app.usage.window = 600.0
    connection = paced_connection(sandbox, clock, token=token, Pagesize=5)
    return connection.read("Media", account=sandbox.account_ids[0])


@pytest.mark.parametrize(("limit", "code"), [("user_limit", 17), ("page_limit", 32)])
def test_readers_wait_out_user_and_page_limits(
    sandbox: Sandbox, clock: ManualClock, limit: str, code: int
) -> None:
    account = sandbox.account_ids[0]
    token, elsewhere = sandbox.token, sandbox.issue_token()  # the user, in another session
    if limit == "page_limit":
        token = elsewhere = _page_token(sandbox, sandbox.dataset.page_ids[0])
    unlimited = _paced_read(sandbox, clock, token, limit, 1000)
    assert clock.waits == [], "well under the limits: no pause at all"
    assert sandbox.app.usage.refused == 0
    clock.now += 600  # the unlimited read's calls leave the window
    setattr(sandbox.app.usage, limit, 4)
    for _ in range(4):  # another session uses the limit up: the read starts locked out
        assert _get(sandbox, account, elsewhere).status_code == 200
    frame = _paced_read(sandbox, clock, token, limit, 4)  # 8 pages: past the limit twice more
    pd.testing.assert_frame_equal(frame, unlimited)
    assert sandbox.app.usage.refused_by[code] == 1, "refused once, at the start"
    assert sandbox.app.usage.refused == 1, "then paced from the headers, never hammered"
    pauses = [w for w in clock.waits if w]  # the retry adds none: the throttle holds the wait
    assert pauses == [600.0, 600.0], "locked out at the start, then at 100% after 4 pages"
