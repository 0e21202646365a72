"""The CLI speaks CLI (issue 25): hints name flags and commands, ``read`` takes table filters,
a closed pipe ends quietly, ages need a unit, and a bad ``--port`` or ``--out`` is a typed
error naming the fix. Each runs the real command, against the sandbox where it reads."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import instapd
from instapd.cli import main
from instapd.cli.wording import for_cli
from instapd.sandbox import Sandbox

ROOT = Path(__file__).resolve().parents[2]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_two_accounts_name_the_flag(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "read", "Media", "--sandbox")
    assert code == 2
    assert "choose one with --account NAME (or --account all" in err
    assert "account=" not in err


def test_an_unknown_table_names_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "describe", "Storys")
    assert code == 2
    assert "instapd tables lists all" in err
    assert "instapd.tables()" not in err


def test_warnings_name_the_flag_too(capsys: pytest.CaptureFixture[str], sandbox: Sandbox) -> None:
    account = sandbox.account_ids[0]
    code, _, err = run(capsys, "read", "StoryInsights", "--sandbox", "--account", account)
    assert code == 0
    assert err.startswith("warning: StoryInsights:"), err
    assert "Pass --filter on_error=raise to fail instead." in err
    code, _, err = run(capsys, "read", "StoryInsights", "--sandbox", "--account", account,
                       "--filter", "on_error=raise")  # fmt: skip
    assert code == 1
    assert "Not enough viewers" in err


def test_read_takes_table_filters(
    capsys: pytest.CaptureFixture[str], sandbox: Sandbox, tmp_path: Path
) -> None:
    account = sandbox.account_ids[0]
    out = tmp_path / "totals.csv"
    argv = ["read", "AccountInsights", "--sandbox", "--account", account, "--out", str(out)]
    code, _, err = run(capsys, *argv, "--filter", "metric_type=total_value",
                       "--filter", "metrics=reach,views")  # fmt: skip
    assert code == 0, err
    written = pd.read_csv(out)
    expected = instapd.connect(sandbox=True).read(
        "AccountInsights", account=account, metric_type="total_value", metrics=["reach", "views"]
    )
    assert len(written) > 0
    assert set(written["metric_type"]) == {"total_value"}
    pd.testing.assert_frame_equal(written, pd.read_csv(io.StringIO(expected.to_csv(index=False))))
    code, _, err = run(capsys, "read", "AccountInsights", "--sandbox", "--filter", "metric_type")
    assert code == 2
    assert "--filter takes NAME=VALUE, such as --filter metric_type=total_value" in err
    code, _, err = run(capsys, "read", "Media", "--sandbox", "--filter", "account=1")
    assert code == 2
    assert "--filter account=1: account has an option of its own, --account." in err


@pytest.mark.parametrize("argv", [["tables"], ["describe", "Media"], ["read", "Media",
                         "--sandbox", "--account", "all", "--limit", "5"]])  # fmt: skip
def test_a_closed_pipe_ends_quietly(argv: list[str]) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen(
        [sys.executable, "-m", "instapd", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert child.stdout is not None
    assert child.stderr is not None
    child.stdout.close()  # the reader is gone before the command prints anything
    err = child.stderr.read().decode()
    assert child.wait(timeout=120) == 141, err
    assert "Traceback" not in err
    assert "BrokenPipeError" not in err
    assert err == ""


@pytest.mark.parametrize("age", ["7d", "12h", "30m", "7 days"])
def test_ages_with_a_unit(capsys: pytest.CaptureFixture[str], age: str) -> None:
    code, out, _ = run(capsys, "cache", "clear", "--older-than", age)
    assert code == 0
    assert out.startswith("removed 0 entries")


@pytest.mark.parametrize("age", ["7", "1.5", " 30 "])
def test_a_bare_number_is_no_age(capsys: pytest.CaptureFixture[str], age: str) -> None:
    code, _, err = run(capsys, "cache", "clear", "--older-than", age)
    assert code == 2
    assert "--older-than needs a unit: a duration such as '7d', '12h', '30m'" in err


@pytest.mark.parametrize("port", ["99999", "65536", "-1"])
def test_a_port_out_of_range_is_refused_before_serving(
    capsys: pytest.CaptureFixture[str], port: str
) -> None:
    code, out, err = run(capsys, "sandbox", "--port", port)
    assert (code, out) == (2, "")
    assert (
        f"--port takes a port from 1 to 65535, or 0 for a free one (the default), not {port}" in err
    )


def test_snapshot_out_must_be_a_folder(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    for out in ("/dev/null", str(a_file), str(a_file / "inside")):
        code, _, err = run(capsys, "snapshot", "--sandbox", "--out", out, "--tables", "Media")
        assert code == 2, err
        assert "choose a folder (it is made if missing), such as --out ./snapshots" in err
    assert not (tmp_path / "_runs").exists()
    code, out, err = run(capsys, "snapshot", "--sandbox", "--out", str(tmp_path / "new" / "set"),
                         "--tables", "InstagramBusinessProfile")  # fmt: skip
    assert code == 0, err
    assert "0 failed" in out


def test_every_rewrite_leaves_no_python_spelling() -> None:
    hints = [
        "Several Instagram business accounts are linked; choose one with account=... "
        "(or BusinessAccountId, or account='all'): a, b",
        "No Instagram business account is linked to this user's Facebook Pages. Link one in the "
        "Page settings, or pass account=<id>.",
        "No Instagram credentials. Set INSTAPD_ACCESS_TOKEN (or pass OAuthAccessToken=...), log "
        "in with instapd.login(), or set INSTAPD_SANDBOX=1 to use the built-in sandbox.",
        "Unknown table 'x'. instapd.tables() lists all 37 tables.",
    ]
    for hint in hints:
        said = for_cli(hint)
        for python in ("account=", "instapd.", "OAuthAccessToken=", "INSTAPD_SANDBOX=1"):
            assert python not in said, said
