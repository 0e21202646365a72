"""instapd.health(), Business Manager accounts and system-user tokens, against the sandbox."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

import instapd
from instapd.cache import ReadLog
from instapd.cli import main
from instapd.sandbox import Sandbox

from ..support import FAST_RETRY, fast_throttle, sandbox_connection

NO_INSIGHTS = ("instagram_basic", "pages_show_list", "pages_read_engagement")


@pytest.fixture(scope="module")
def agency() -> Iterator[Sandbox]:
    with Sandbox(accounts=3, media_per_account=(3,)) as server:
        yield server


def _as(agency: Sandbox, token: str) -> instapd.Connection:
    """A connection to the sandbox with ``token`` rather than its default one."""
    return instapd.connect(graph_url=agency.url, access_token=token, retry=FAST_RETRY,
                           throttle=fast_throttle(), cache=False)  # fmt: skip


def _unix(value: pd.Timestamp) -> float:
    return float(value.timestamp())


def test_health_has_a_row_per_account_with_the_tokens_debug_info(agency: Sandbox) -> None:
    token = agency.issue_token(NO_INSIGHTS)
    first, second, third = agency.account_ids
    with _as(agency, token) as conn:
        conn.read("Media", account=first)
        with pytest.raises(instapd.PermissionDeniedError):
            conn.read("AccountInsights", account=second)
        frame = instapd.health(["Media", "AccountInsights"], connection=conn)
    issued = agency.tokens.lookup(token)
    assert issued is not None
    assert issued.expires_at is not None
    assert frame["business_account_id"].tolist() == [first, second, third]
    assert frame["username"].tolist() == [
        agency.dataset[a].values["username"] for a in agency.account_ids
    ]
    assert set(frame["token_type"]) == {"user"}
    assert frame["token_valid"].all()
    assert {round(_unix(t)) for t in frame["expires_at"]} == {int(issued.expires_at)}
    lapse = int(issued.issued_at + 90 * 86400)
    assert {round(_unix(t)) for t in frame["data_access_expires_at"]} == {lapse}
    assert set(frame["scopes_granted"]) == {",".join(NO_INSIGHTS)}
    assert set(frame["scopes_missing"]) == {"instagram_manage_insights"}
    assert frame["app_usage_percent"].notna().all()
    assert frame["account_usage_percent"].notna().all()  # each account's own BUC header
    by_id = frame.set_index("business_account_id")
    assert by_id.loc[first, "last_good_table"] == "Media"
    assert pd.notna(by_id.loc[first, "last_good_read"])
    assert pd.isna(by_id.loc[first, "last_error"])
    assert "AccountInsights: PermissionDeniedError" in str(by_id.loc[second, "last_error"])
    assert pd.isna(by_id.loc[second, "last_good_read"])
    assert pd.isna(by_id.loc[third, "last_good_read"])
    assert pd.isna(by_id.loc[third, "last_error"])
    assert frame["error"].isna().all()
    assert token not in frame.to_string()


def test_an_account_the_token_cannot_see_is_named_in_its_row(agency: Sandbox) -> None:
    stranger = agency.dataset.public_ids[0]
    with sandbox_connection(agency, cache=False) as conn:
        frame = instapd.health(account=[agency.account_ids[0], stranger], connection=conn)
    assert frame["business_account_id"].tolist() == [agency.account_ids[0], stranger]
    assert pd.isna(frame["error"].iloc[0])
    assert "cannot read this account" in str(frame["error"].iloc[1])
    assert stranger in str(frame["error"].iloc[1])
    assert pd.isna(frame["username"].iloc[1])
    assert frame["token_type"].iloc[1] == "user"  # the token's own columns stay filled


def test_the_read_log_is_private_and_holds_no_secret(agency: Sandbox, tmp_path: Path) -> None:
    with sandbox_connection(agency, cache=False) as conn:
        conn.read("Media", account=agency.account_ids[0])
    log = ReadLog(os.environ["INSTAPD_CACHE_DIR"])
    assert log.path.stat().st_mode & 0o777 == 0o600
    text = log.path.read_text()
    assert agency.token not in text
    assert "SBX" not in text
    assert json.loads(text)[agency.account_ids[0]]["last_good_table"] == "Media"


def test_a_snapshot_notes_every_accounts_reads_once_at_its_end(
    agency: Sandbox, tmp_path: Path
) -> None:
    log = ReadLog(os.environ["INSTAPD_CACHE_DIR"])
    with sandbox_connection(agency, cache=False) as conn:
        with log.hold():  # as a snapshot holds it: notes kept in memory, seen, not yet written
            conn.read("Media", account="all")
            assert not log.path.exists()
            assert set(log.entries()) == set(agency.account_ids)
        assert json.loads(log.path.read_text()).keys() == set(agency.account_ids)
        log.path.unlink()
        instapd.snapshot(["Media", "Stories"], connection=conn, location=tmp_path)
        frame = instapd.health(connection=conn)
    assert frame["last_good_read"].notna().all(), "the snapshot's reads were written at its end"
    assert set(json.loads(log.path.read_text())) == set(agency.account_ids)


def test_a_system_user_token_never_expires_and_reads_the_business_accounts(
    agency: Sandbox,
) -> None:
    token = agency.issue_system_user_token()
    with _as(agency, token) as conn:
        listed = instapd.business_accounts(connection=conn)
        frame = instapd.health(connection=conn)
        media = conn.read("Media", account=list(listed["business_account_id"]))
    ids = list(agency.account_ids)
    assert listed["business_account_id"].tolist() == ids
    assert listed["relation"].tolist() == ["owned", "owned", "client"]
    # Meta adds permitted_tasks to a client's accounts only: what the client lets the agency do
    assert listed["permitted_tasks"].isna().tolist() == [True, True, False]
    client_tasks = agency.dataset[agency.business_id].values["_permitted_tasks"][ids[2]]
    assert listed["permitted_tasks"].iloc[2] == ",".join(client_tasks) == "ANALYZE"
    assert set(listed["business_id"]) == {agency.business_id}
    assert set(listed["business_name"]) == {"Sandbox Agency"}
    assert listed["username"].tolist() == [agency.dataset[a].values["username"] for a in ids]
    assert set(frame["token_type"]) == {"system user"}
    assert frame["expires_at"].isna().all()
    assert frame["data_access_expires_at"].isna().all()
    assert set(media["business_account_id"]) == set(ids)


def test_one_business_by_id_and_the_permission_it_needs(agency: Sandbox) -> None:
    token = agency.issue_system_user_token()
    with _as(agency, token) as conn:
        one = instapd.business_accounts(agency.business_id, connection=conn)
    assert len(one) == len(agency.account_ids)
    with sandbox_connection(agency, cache=False) as conn:  # a user token without the scope
        with pytest.raises(instapd.PermissionDeniedError, match="business_management") as raised:
            instapd.business_accounts(connection=conn)
        with pytest.raises(instapd.UsageError, match="business must be a Graph id"):
            instapd.business_accounts("not-an-id", connection=conn)
    assert raised.value.scopes == ("business_management",)


def test_a_page_token_is_reported_as_such(agency: Sandbox) -> None:
    token = agency.issue_page_token(agency.dataset.page_ids[0])
    with _as(agency, token) as conn:
        frame = instapd.health(account=agency.account_ids[0], connection=conn)
    assert frame["token_type"].tolist() == ["page"]
    assert frame["expires_at"].isna().all()  # from a long-lived user token: no expiry


def test_health_in_sql_and_on_the_command_line(
    agency: Sandbox, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with sandbox_connection(agency, cache=False) as conn:
        rows = instapd.sql(
            "SELECT username, token_type FROM Health WHERE error IS NULL ORDER BY username",
            connection=conn,
        )
        listed = instapd.sql("SELECT TableName FROM sys_tables WHERE TableType = 'SYSTEM TABLE'",
                             connection=conn)  # fmt: skip
    names = sorted(agency.dataset[a].values["username"] for a in agency.account_ids)
    assert rows["username"].tolist() == names
    assert set(rows["token_type"]) == {"user"}
    assert "Health" in listed["TableName"].tolist()
    monkeypatch.setenv("INSTAPD_GRAPH_URL", agency.url)
    monkeypatch.setenv("INSTAPD_ACCESS_TOKEN", agency.token)
    assert main(["health", "--tables", "Media"]) == 0
    printed = capsys.readouterr().out
    assert all(name in printed for name in names)
    assert "3 accounts, 0 need attention" in printed
    stranger = agency.dataset.public_ids[0]
    assert main(["health", "--accounts", f"{agency.account_ids[0]},{stranger}"]) == 1
    printed = capsys.readouterr().out
    assert "1 need attention" in printed
    assert "cannot read this account" in printed
    assert agency.token not in printed
