"""What the sandbox writes: the standard library's JSON bytes (written by orjson), audience
metrics asked together, and batches however their operations are sent."""

from __future__ import annotations

import json
import re
from json.encoder import encode_basestring_ascii
from typing import Any

import hypothesis
import hypothesis.strategies as st
import requests

from instapd.sandbox import Sandbox
from instapd.sandbox.encoding import dumps, quoted

AUDIENCE = ("engaged_audience_demographics", "follower_demographics")
#: Text as the sandbox's data holds it, and what escaping must get right: quotes, backslashes,
#: control characters, DEL, accents, line separators, emoji (surrogate pairs in ASCII JSON).
TEXT = st.text(
    st.one_of(
        st.characters(max_codepoint=0x7F),
        st.sampled_from(["\x7f", "é", "Î", "\u2028", "\uffff", "😀", "\U0010ffff", "中"]),
        st.characters(),
    )
)
#: Floats of every size, tiny ones included (orjson writes 1e-05 as 0.00001).
FLOATS = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([1e-5, -3e-6, 1e-7, 5.5e-9, 1.5e-10, 1e16, 0.0001]),
)
VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), FLOATS, TEXT),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(TEXT, inner, max_size=4),
        st.dictionaries(st.integers(), inner, max_size=2),  # keys json writes as text
    ),
    max_leaves=12,
)


@hypothesis.given(VALUES)
@hypothesis.example({"caption": "DEL \x7f, é, 😀", "value": 1e-05, "2": [2**64]})
@hypothesis.settings(max_examples=400, deadline=None)
def test_answers_are_the_standard_librarys_json_bytes(value: Any) -> None:
    """orjson writes the sandbox's answers, in exactly the bytes ``json.dumps`` wrote before:
    non-ASCII escaped as ``\\uXXXX`` (pairs past U+FFFF), DEL escaped, floats as ``repr``,
    non-str keys and ints past 64 bits as the standard library writes them."""
    written = json.dumps(value, separators=(",", ":"))
    assert dumps(value) == written
    assert quoted(written) == encode_basestring_ascii(written).encode()  # a batch's body


@hypothesis.given(TEXT)
@hypothesis.settings(max_examples=200, deadline=None)
def test_any_text_is_quoted_as_the_standard_library_quotes_it(text: str) -> None:
    assert quoted(text) == encode_basestring_ascii(text).encode()


def _insights(box: Sandbox, account: str, **params: str) -> Any:
    response = requests.get(
        f"{box.url}/v25.0/{account}/insights",
        params={"period": "lifetime", "metric_type": "total_value", **params},
        headers={"Authorization": f"Bearer {box.token}"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_audience_metrics_asked_together_answer_one_entry_each_in_the_order_asked(
    clean_sandbox: Sandbox, account: str
) -> None:
    """graph-api.md: ``metric`` is a comma list; one operation per breakdown may ask every
    audience metric, and gets one ``data`` entry per metric, in the order asked, each the
    entry that metric alone gets."""
    for breakdown in ("age", "gender", "country", "city", "age,gender"):
        for framed in ({"timeframe": "this_month"}, {"timeframe": "this_week"}, {}):
            asked = {"breakdown": breakdown, **framed}
            alone = {
                m: _insights(clean_sandbox, account, metric=m, **asked)["data"] for m in AUDIENCE
            }
            for order in (AUDIENCE, AUDIENCE[::-1]):
                together = _insights(clean_sandbox, account, metric=",".join(order), **asked)[
                    "data"
                ]
                assert [entry["name"] for entry in together] == list(order)
                assert together == [alone[metric][0] for metric in order]


#: An error's ``fbtrace_id`` is random, as Meta's is.
TRACE = re.compile(r'("fbtrace_id":")[A-Za-z0-9_-]+')


def _answered(answer: requests.Response) -> list[tuple[int, str, bool]]:
    """Each operation's code, body (its trace masked) and whether it has headers (their usage
    figures move with the calls made before)."""
    assert answer.status_code == 200, answer.text
    return [(op["code"], TRACE.sub(r"\1-", op["body"]), "headers" in op) for op in answer.json()]


def test_a_batch_is_answered_alike_as_a_form_a_json_list_or_a_json_string(
    clean_sandbox: Sandbox, account: str
) -> None:
    """The operations of a JSON body are read as parsed (not written out and parsed again),
    and a ``batch`` sent as a JSON string inside the JSON body is parsed as before."""
    media = clean_sandbox.dataset[account].edges["media"][0]
    ops = [
        {"method": "GET", "relative_url": f"{media}/insights?metric=reach,likes"},
        {"method": "GET", "relative_url": f"{account}?fields=id,username"},
        {"method": "GET", "relative_url": "123/insights?metric=reach"},  # refused: code 100
    ]
    url, auth = f"{clean_sandbox.url}/v25.0/", {"Authorization": f"Bearer {clean_sandbox.token}"}
    form = _answered(requests.post(url, data={"batch": json.dumps(ops)}, headers=auth,
                                   timeout=10))  # fmt: skip
    assert [(code, has_headers) for code, _, has_headers in form] == [(200, True)] * 2 + [
        (400, True)
    ]
    listed = requests.post(url, json={"batch": ops, "include_headers": True}, headers=auth,
                           timeout=10)  # fmt: skip
    assert _answered(listed) == form
    as_text = requests.post(url, json={"batch": json.dumps(ops)}, headers=auth, timeout=10)
    assert _answered(as_text) == form
    bare = requests.post(url, json={"batch": ops, "include_headers": False}, headers=auth,
                         timeout=10)  # fmt: skip
    assert _answered(bare) == [(code, body, False) for code, body, _ in form]
