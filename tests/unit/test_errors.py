import pytest

import instapd
from instapd.graph.errors import error_from_body
from instapd.graph.usage import AccountUsage, Usage, parse_usage


def _body(code: int, subcode: int | None = None, message: str = "m") -> dict[str, object]:
    error: dict[str, object] = {"message": message, "type": "OAuthException", "code": code}
    if subcode is not None:
        error["error_subcode"] = subcode
    return {"error": error}


@pytest.mark.parametrize(
    ("status", "code", "subcode", "expected"),
    [
        (400, 190, 463, instapd.TokenExpiredError),
        (400, 190, None, instapd.AuthError),
        (400, 10, None, instapd.PermissionDeniedError),
        (403, 200, None, instapd.PermissionDeniedError),
        (400, 100, 33, instapd.NotFoundError),
        (400, 100, None, instapd.InvalidParameterError),
        (400, 4, None, instapd.RateLimitedError),
        (400, 17, None, instapd.RateLimitedError),
        (400, 32, None, instapd.RateLimitedError),
        (400, 613, None, instapd.RateLimitedError),
        (400, 80002, None, instapd.RateLimitedError),
        (500, 1, None, instapd.TooMuchDataError),
        (400, 4, 2108006, instapd.InvalidParameterError),
        (400, 100, 2108006, instapd.InvalidParameterError),
        (500, 2, None, instapd.TransientError),
    ],
)
def test_mapping_uses_code_and_subcode(
    status: int, code: int, subcode: int | None, expected: type[Exception]
) -> None:
    error = error_from_body(status, _body(code, subcode), Usage())
    assert type(error) is expected
    assert error.code == code
    assert error.status == status


def test_message_text_does_not_change_the_mapping() -> None:
    error = error_from_body(400, _body(100, message="Session has expired"), Usage())
    assert type(error) is instapd.InvalidParameterError


def test_bodyless_5xx_is_transient() -> None:
    assert isinstance(error_from_body(502, None, Usage()), instapd.TransientError)


def test_throttle_carries_the_wait_from_the_usage_header() -> None:
    headers = {
        "X-App-Usage": '{"call_count": 40, "total_time": 5, "total_cputime": 3}',
        "X-Business-Use-Case-Usage": '{"1": [{"type": "instagram", "call_count": 100, '
        '"total_cputime": 20, "total_time": 30, "estimated_time_to_regain_access": 3}]}',
    }
    usage = parse_usage(headers)
    assert (usage.percent, usage.regain_seconds, usage.app_percent) == (100, 180.0, 40)
    assert usage.accounts == {"1": AccountUsage(percent=100, regain_seconds=180.0)}
    error = error_from_body(400, _body(80002), usage)
    assert isinstance(error, instapd.RateLimitedError)
    assert error.retry_after == 180.0
    assert "wait about 180 s" in str(error)


def test_malformed_usage_headers_count_as_none() -> None:
    assert parse_usage({"X-App-Usage": "not json", "X-Business-Use-Case-Usage": "[1]"}) == Usage()


def test_every_user_facing_error_says_what_to_do() -> None:
    assert "log in again" in str(instapd.TokenExpiredError("expired", code=190, subcode=463))
    denied = instapd.PermissionDeniedError("no", code=10, scopes=("instagram_manage_comments",))
    assert "instagram_manage_comments" in str(denied)
