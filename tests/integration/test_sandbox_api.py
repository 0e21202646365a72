"""The sandbox behaves like the Graph API: shapes, defaults, paging, caps, errors, headers."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from instapd.sandbox import Faults, Sandbox


def get(sandbox: Sandbox, path: str, token: str | None = None, **params: Any) -> requests.Response:
    headers = {"Authorization": f"Bearer {token or sandbox.token}"}
    return requests.get(f"{sandbox.url}/v25.0/{path}", params=params, headers=headers, timeout=10)


def error_of(response: requests.Response) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}
    assert {"message", "type", "code", "fbtrace_id"} <= set(body["error"])
    return dict(body["error"])


def test_default_fields_are_the_real_ones(clean_sandbox: Sandbox, account: str) -> None:
    assert get(clean_sandbox, account).json() == {"id": account}
    media = get(clean_sandbox, f"{account}/media", limit=1).json()["data"][0]
    assert set(media) == {"id"}
    media_id = next(
        m["id"]
        for m in get(clean_sandbox, f"{account}/media", fields="comments_count", limit=50).json()[
            "data"
        ]
        if m["comments_count"] > 0
    )
    comment = get(clean_sandbox, f"{media_id}/comments", limit=1).json()["data"][0]
    assert list(comment) == ["timestamp", "text", "id"]


def test_fields_that_do_not_apply_are_omitted_not_null(
    clean_sandbox: Sandbox, account: str
) -> None:
    fields = "media_type,thumbnail_url,like_count,children{id},caption"
    items = get(clean_sandbox, f"{account}/media", fields=fields, limit=100).json()["data"]
    assert all(None not in item.values() for item in items)
    images = [i for i in items if i["media_type"] == "IMAGE"]
    assert images
    assert all("thumbnail_url" not in i and "children" not in i for i in images)
    assert any("like_count" not in i for i in items), "some owners hide like counts"
    albums = [i for i in items if i["media_type"] == "CAROUSEL_ALBUM"]
    assert all(2 <= len(a["children"]["data"]) <= 10 for a in albums)


def test_cursor_paging_with_absolute_links(clean_sandbox: Sandbox, account: str) -> None:
    url = f"{clean_sandbox.url}/v25.0/{account}/media"
    params = {"access_token": clean_sandbox.token, "limit": "30"}
    first = requests.get(url, params=params, timeout=10).json()
    assert len(first["data"]) == 30
    assert "previous" not in first["paging"]
    assert first["paging"]["next"].startswith(f"{clean_sandbox.url}/v25.0/{account}/media?")
    assert "access_token=" in first["paging"]["next"], "the real API echoes the token"
    seen, link = [m["id"] for m in first["data"]], first["paging"]["next"]
    while link:
        page = requests.get(link, timeout=10).json()
        assert "previous" in page["paging"]
        seen += [m["id"] for m in page["data"]]
        link = page["paging"].get("next")
    assert len(seen) == len(set(seen)) == 160


def test_default_page_size_is_25(clean_sandbox: Sandbox, account: str) -> None:
    assert len(get(clean_sandbox, f"{account}/media").json()["data"]) == 25


@pytest.mark.parametrize(("edge", "cap"), [("media", 100), ("tags", 100)])
def test_limit_over_the_cap_is_an_error(
    clean_sandbox: Sandbox, account: str, edge: str, cap: int
) -> None:
    response = get(clean_sandbox, f"{account}/{edge}", limit=cap + 1)
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == 100
    assert f"should not exceed {cap}" in error["message"]


def test_comments_are_capped_at_50(clean_sandbox: Sandbox, account: str) -> None:
    media_id = get(clean_sandbox, f"{account}/media", limit=1).json()["data"][0]["id"]
    assert error_of(get(clean_sandbox, f"{media_id}/comments", limit=51))["code"] == 100
    assert get(clean_sandbox, f"{media_id}/comments", limit=50).status_code == 200


def test_tags_give_cursors_without_links(clean_sandbox: Sandbox, account: str) -> None:
    body = get(clean_sandbox, f"{account}/tags", limit=5).json()
    assert set(body["paging"]) == {"cursors"}
    after = body["paging"]["cursors"]["after"]
    second = get(clean_sandbox, f"{account}/tags", limit=5, after=after).json()
    assert {m["id"] for m in second["data"]}.isdisjoint(m["id"] for m in body["data"])


def test_since_until_on_media(clean_sandbox: Sandbox, account: str) -> None:
    newest = get(clean_sandbox, f"{account}/media", fields="timestamp", limit=10).json()["data"]
    since = newest[4]["timestamp"]
    body = get(clean_sandbox, f"{account}/media", fields="timestamp", since=since, limit=100)
    assert [m["id"] for m in body.json()["data"]] == [m["id"] for m in newest[:5]]


def test_graph_errors_have_real_codes_and_statuses(clean_sandbox: Sandbox, account: str) -> None:
    unknown_field = get(clean_sandbox, account, fields="id,apps")
    assert error_of(unknown_field)["message"] == (
        "(#100) Tried accessing nonexisting field (apps) on node type (IGUser)"
    )
    missing = error_of(get(clean_sandbox, "1234567"))
    assert (missing["code"], missing["error_subcode"]) == (100, 33)
    bad = get(clean_sandbox, "me", token="nonsense")
    assert error_of(bad)["code"] == 190
    assert "invalid_token" in bad.headers["WWW-Authenticate"]
    expired_token = clean_sandbox.issue_token(lifetime=-1)
    expired = error_of(get(clean_sandbox, "me", token=expired_token))
    assert (expired["code"], expired["error_subcode"]) == (190, 463)
    no_token = requests.get(f"{clean_sandbox.url}/v25.0/me", timeout=10)
    assert error_of(no_token)["code"] == 104


def test_token_as_parameter_or_bearer_header(clean_sandbox: Sandbox) -> None:
    by_param = requests.get(
        f"{clean_sandbox.url}/v25.0/me", params={"access_token": clean_sandbox.token}, timeout=10
    )
    assert by_param.json() == get(clean_sandbox, "me").json()


def test_missing_scope_is_code_10(clean_sandbox: Sandbox, account: str) -> None:
    token = clean_sandbox.issue_token(scopes=("instagram_basic", "pages_show_list"))
    assert error_of(get(clean_sandbox, f"{account}/tags", token=token))["code"] == 10
    granted = get(clean_sandbox, "me/permissions", token=token).json()["data"]
    assert [p["permission"] for p in granted] == ["instagram_basic", "pages_show_list"]


def test_usage_headers_on_every_response(clean_sandbox: Sandbox, account: str) -> None:
    for response in (get(clean_sandbox, account), get(clean_sandbox, "1234567")):
        assert set(json.loads(response.headers["X-App-Usage"])) == {
            "call_count", "total_time", "total_cputime"
        }  # fmt: skip
    buc = json.loads(get(clean_sandbox, f"{account}/media").headers["X-Business-Use-Case-Usage"])
    assert buc[account][0]["type"] == "instagram"


def test_appsecret_proof_is_enforced_when_required() -> None:
    with Sandbox(app_secret="s3cret", require_appsecret_proof=True) as sandbox:
        error = error_of(get(sandbox, "me"))
        assert "appsecret_proof" in error["message"]
        wrong = error_of(get(sandbox, "me", appsecret_proof="00"))
        assert wrong["code"] == 100


def test_scheduled_faults_latency_and_request_count(clean_sandbox: Sandbox, account: str) -> None:
    clean_sandbox.faults = Faults(
        schedule={1: "error-2", 2: "throttle-80002", 3: "drop", 4: "truncate"}, regain_minutes=2
    )
    transient = get(clean_sandbox, account)
    assert transient.status_code == 500
    assert error_of(transient)["code"] == 2
    throttled = get(clean_sandbox, account)
    assert error_of(throttled)["code"] == 80002
    usage = json.loads(throttled.headers["X-Business-Use-Case-Usage"])[account][0]
    assert usage["call_count"] == 100
    assert usage["estimated_time_to_regain_access"] == 2
    with pytest.raises(requests.ConnectionError):
        get(clean_sandbox, account)
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        get(clean_sandbox, f"{account}/media")
    assert get(clean_sandbox, account).status_code == 200
    assert clean_sandbox.requests_served == 5


def test_random_faults_are_reproducible_by_seed() -> None:
    runs = [Faults(rate=0.3, seed=7), Faults(rate=0.3, seed=7)]
    picks = [[faults.pick(n) for n in range(1, 51)] for faults in runs]
    assert picks[0] == picks[1]
    assert 5 < sum(p is not None for p in picks[0]) < 30
    with pytest.raises(ValueError, match="Unknown fault"):
        Faults(schedule={1: "meteor"})


def test_dataset_is_deterministic_and_rich() -> None:
    from datetime import UTC, datetime

    from instapd.sandbox.data import build_dataset

    now = datetime(2026, 6, 1, tzinfo=UTC)
    first, second = build_dataset(3, now=now), build_dataset(3, now=now)
    assert {k: v.values for k, v in first.nodes.items()} == {
        k: v.values for k, v in second.nodes.items()
    }
    media = [first[i] for a in first.account_ids for i in first[a].edges["media"]]
    assert len(media) >= 150
    assert {m.values["media_type"] for m in media} == {"IMAGE", "VIDEO", "CAROUSEL_ALBUM"}
    assert {m.values["media_product_type"] for m in media} == {"FEED", "REELS"}
    assert any(len(m.edges.get("comments", [])) > 50 for m in media)
    assert any("caption" not in m.values for m in media)
    assert len(first.page_ids) == 3
    assert len(first.account_ids) == 2


def test_node_fields_default_to_their_id(clean_sandbox: Sandbox, account: str) -> None:
    pages = get(clean_sandbox, "me/accounts", fields="instagram_business_account").json()["data"]
    assert pages[0]["instagram_business_account"] == {"id": account}
    media = get(clean_sandbox, f"{account}/media", fields="owner", limit=1).json()["data"][0]
    assert media["owner"] == {"id": account}
