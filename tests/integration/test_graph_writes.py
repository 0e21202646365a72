"""The Graph client's writes: sent once, never retried blindly, per-operation outcomes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from instapd.errors import InvalidParameterError, TransientError
from instapd.graph.client import GraphClient, WriteOp
from instapd.sandbox import Faults, Sandbox
from tests.support import FAST_RETRY, fast_throttle

#: This module's own sandbox (the ``box`` fixture): its tests change the data.
BOX = {"seed": 5}


@pytest.fixture
def client(box: Sandbox) -> Iterator[GraphClient]:
    box.faults = Faults()
    graph = GraphClient(
        base_url=box.url,
        version="v25.0",
        access_token=box.token,
        retry=FAST_RETRY,
        throttle=fast_throttle(),
    )
    yield graph
    graph.close()
    box.faults = Faults()


def open_media(box: Sandbox) -> str:
    media_id = box.dataset[box.account_ids[0]].edges["media"][0]
    box.dataset[media_id].values["is_comment_enabled"] = True
    return media_id


@pytest.mark.parametrize("fault", ["drop", "apply-then-drop", "error-2"])
def test_a_lost_answer_is_raised_not_retried(box: Sandbox, client: GraphClient, fault: str) -> None:
    media_id = open_media(box)
    before = len(box.dataset[media_id].edges.get("comments", []))
    box.faults = Faults(schedule={box.requests_served + 1: fault})
    served = box.requests_served
    with pytest.raises(TransientError):
        client.write("POST", f"{media_id}/comments", {"message": "Only once please"})
    assert box.requests_served == served + 1  # one request, no retry
    applied = len(box.dataset[media_id].edges.get("comments", [])) - before
    assert applied == (1 if fault == "apply-then-drop" else 0)


def test_write_batch_outcomes_per_operation(box: Sandbox, client: GraphClient) -> None:
    media_id = open_media(box)
    box.faults = Faults(op_schedule={2: "apply-then-null", 3: "null"})
    outcomes = client.write_batch(
        [
            WriteOp("POST", f"{media_id}/comments", {"message": "one"}),
            WriteOp("POST", f"{media_id}/comments", {"message": "two"}),
            WriteOp("POST", f"{media_id}/comments", {"message": "three"}),
            WriteOp("POST", f"{media_id}/comments", {"message": ""}),
        ]
    )
    assert isinstance(outcomes[0], dict)
    assert outcomes[1] is None
    assert outcomes[2] is None
    assert isinstance(outcomes[3], InvalidParameterError)
    newest = box.dataset[media_id].edges["comments"][:3]
    texts = [box.dataset[c].values["text"] for c in newest]
    assert texts == ["two", "one", *texts[2:]]  # "two" applied despite the lost answer
    assert "three" not in texts
