"""The sandbox's publishing over HTTP: containers, their states, media_publish, the upload."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from instapd.sandbox import Sandbox
from tests.support import sandbox_call as call

JPEG = "https://example.com/a.jpg"
MP4 = "https://example.com/a.mp4"


#: This module's own sandbox (the ``box`` fixture): its tests change the data.
BOX = {"seed": 4, "media_per_account": (10, 5)}


def create(box: Sandbox, **params: Any) -> str:
    status, body = call(box, "POST", f"{box.account_ids[0]}/media", **params)
    assert status == 200, body
    return str(body["id"])


def status_code(box: Sandbox, container: str) -> str:
    return str(call(box, "GET", container, fields="status_code,status")[1]["status_code"])


def test_a_video_is_in_progress_for_several_reads(box: Sandbox) -> None:
    container = create(box, media_type="REELS", video_url=MP4)
    codes = [status_code(box, container) for _ in range(4)]
    assert codes == ["IN_PROGRESS", "IN_PROGRESS", "FINISHED", "FINISHED"]


def test_publishing_before_finished_is_9007_then_works_once(box: Sandbox) -> None:
    account = box.account_ids[0]
    container = create(box, media_type="REELS", video_url=MP4)
    status, body = call(box, "POST", f"{account}/media_publish", creation_id=container)
    assert (status, body["error"]["code"], body["error"]["error_subcode"]) == (400, 9007, 2207027)
    assert "FINISHED" in [status_code(box, container) for _ in range(3)]
    status, body = call(box, "POST", f"{account}/media_publish", creation_id=container)
    assert status == 200
    assert box.dataset[account].edges["media"][0] == body["id"]
    assert status_code(box, container) == "PUBLISHED"
    status, _ = call(box, "POST", f"{account}/media_publish", creation_id=container)
    assert status == 400  # a container publishes once
    assert box.dataset[account].edges["media"][0] == body["id"]


def test_containers_expire_after_24_hours(box: Sandbox) -> None:
    container = create(box, image_url=JPEG)
    box.publishing.advance(24 * 3600 + 1)
    assert status_code(box, container) == "EXPIRED"
    _, body = call(box, "POST", f"{box.account_ids[0]}/media_publish", creation_id=container)
    assert (body["error"]["code"], body["error"]["error_subcode"]) == (24, 2207008)


def test_the_quota_is_enforced_and_reported(box: Sandbox) -> None:
    account = box.account_ids[0]
    _, limit = call(box, "GET", f"{account}/content_publishing_limit", fields="quota_usage,config")
    used = limit["data"][0]["quota_usage"]
    box.publishing.quota_total = used
    try:
        _, limit = call(box, "GET", f"{account}/content_publishing_limit", fields="config")
        assert limit["data"][0]["config"] == {"quota_total": used, "quota_duration": 86400}
        container = create(box, image_url=JPEG)
        _, body = call(box, "POST", f"{account}/media_publish", creation_id=container)
        assert (body["error"]["code"], body["error"]["error_subcode"]) == (9, 2207042)
    finally:
        box.publishing.quota_total = 100


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"image_url": "https://example.com/404.jpg"}, 9004),
        ({"image_url": "ftp://example.com/a.jpg"}, 9004),
        ({"image_url": "https://example.com/a.png"}, 36001),
        ({"image_url": JPEG, "caption": "x" * 2201}, 36004),
        ({"media_type": "REELS", "video_url": "https://example.com/a.avi"}, 352),
        ({"media_type": "VIDEO", "video_url": MP4}, 100),
        ({"media_type": "CAROUSEL", "children": "1,2"}, 100),
        ({"media_type": "REELS", "video_url": MP4, "alt_text": "no"}, 100),
    ],
)
def test_metas_errors(box: Sandbox, params: dict[str, str], code: int) -> None:
    status, body = call(box, "POST", f"{box.account_ids[0]}/media", **params)
    assert status == 400
    assert body["error"]["code"] == code


def test_publishing_needs_its_scope(box: Sandbox) -> None:
    token = box.issue_token(("instagram_basic",))
    status, body = call(box, "POST", f"{box.account_ids[0]}/media", token, image_url=JPEG)
    assert (status, body["error"]["code"]) == (
        403,
        200,
    )  # (#200) Requires instagram_content_publish permission


def test_the_resumable_upload(box: Sandbox) -> None:
    container_body = call(
        box, "POST", f"{box.account_ids[0]}/media", media_type="REELS", upload_type="resumable"
    )[1]
    uri, container = container_body["uri"], container_body["id"]
    assert uri.startswith(box.url)
    headers = {"Authorization": f"OAuth {box.token}", "offset": "5", "file_size": "10"}
    refused = requests.post(uri, data=b"12345", headers=headers, timeout=10)
    assert refused.status_code == 500  # an offset past the bytes received
    assert status_code(box, container) == "IN_PROGRESS"  # waiting for the bytes
    headers["offset"] = "0"
    answer = requests.post(uri, data=b"0123456789", headers=headers, timeout=10).json()
    assert answer == {"success": True, "message": "Upload successful."}
    codes = [status_code(box, container) for _ in range(3)]
    assert codes[-1] == "FINISHED"
