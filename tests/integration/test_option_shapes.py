"""One shape for options: ``account=`` everywhere, one ``on_error`` vocabulary, keyword-only
``login``/``logout`` and a typed login result; the former spellings warn before they go."""

from __future__ import annotations

from pathlib import Path
from typing import get_args

import pytest

import instapd
from instapd.errors import ON_ERROR, OnError
from instapd.sandbox import Sandbox


def test_snapshot_and_history_take_account_one_or_a_list(
    connection: instapd.Connection, account: str, tmp_path: Path
) -> None:
    one = instapd.snapshot(["Media"], account=account, connection=connection, location=tmp_path)
    assert list(one["account"]) == [account]
    assert len(instapd.history("Media", location=tmp_path, account=account)) > 0
    listed = instapd.history("Media", location=tmp_path, account=[account])
    assert set(listed["business_account_id"]) == {account}


def test_accounts_is_the_former_name_and_warns(
    connection: instapd.Connection, account: str, tmp_path: Path
) -> None:
    with pytest.warns(FutureWarning, match="accounts= is now account="):
        old = instapd.snapshot(["Media"], accounts=account, connection=connection,
                               location=tmp_path)  # fmt: skip
    assert list(old["account"]) == [account]
    with pytest.warns(FutureWarning, match="accounts= is now account="):
        assert len(instapd.history("Media", location=tmp_path, accounts=[account])) > 0
    with pytest.raises(instapd.UsageError, match="not both account= and accounts="):
        instapd.history("Media", location=tmp_path, account=account, accounts=account)


def test_one_on_error_vocabulary_for_reads_and_writes(
    connection: instapd.Connection, account: str
) -> None:
    assert get_args(OnError) == ON_ERROR == ("report", "raise")
    assert (
        "'report' (default)"
        in instapd.describe("AccountInsights").attrs["instapd"]["filters"]["on_error"]
    )
    frame = connection.read("AccountInsights", account=account, on_error="report", cache=False)
    assert frame.attrs["instapd"]["filters"]["on_error"] == "report"
    with pytest.warns(FutureWarning, match="on_error='warn' is now on_error='report'"):
        old = connection.read("AccountInsights", account=account, on_error="warn", cache=False)
    assert old.attrs["instapd"]["filters"]["on_error"] == "report"
    dry = connection.delete("Comments", ["1"], dry_run=True, on_error="report")
    assert list(dry["status"]) == ["error"]


def test_login_and_logout_are_keyword_only(clean_sandbox: Sandbox) -> None:
    connection = instapd.connect(graph_url=clean_sandbox.url, access_token=clean_sandbox.token)
    with pytest.raises(TypeError):
        instapd.login(connection)  # type: ignore[misc]
    with pytest.raises(TypeError):
        instapd.logout(connection)  # type: ignore[misc]
    assert instapd.logout(connection=connection) is False  # no token file was stored


def test_the_former_spellings_warn_at_the_callers_line(
    connection: instapd.Connection, account: str, tmp_path: Path
) -> None:
    instapd.snapshot(["Media"], account=account, connection=connection, location=tmp_path)
    with pytest.warns(FutureWarning) as history:
        instapd.history("Media", location=tmp_path, accounts=[account])
    with pytest.warns(FutureWarning) as read:
        connection.read("AccountInsights", account=account, on_error="warn", cache=False)
    assert [Path(w.filename).name for w in [*history, *read]] == [Path(__file__).name] * 2
