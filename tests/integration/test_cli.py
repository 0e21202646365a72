"""The command line, run as a user runs it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from instapd.catalog import TABLES
from instapd.cli import main


def test_demo_runs_in_a_fresh_process() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "instapd", "demo"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "brewlab.coffee" in result.stdout
    assert "Media of @brewlab.coffee: 160 items" in result.stdout
    assert "SBX" not in result.stdout + result.stderr, "the demo prints no token"


def test_tables_and_describe(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tables"]) == 0
    assert "InstagramBusinessProfile" in capsys.readouterr().out
    assert main(["describe", "replies"]) == 0
    out = capsys.readouterr().out
    assert "filter comment_id=" in out
    assert "datetime64[us, UTC]" in out


def test_read_to_parquet_and_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    parquet, csv = tmp_path / "media.parquet", tmp_path / "media.csv"
    base = ["read", "Media", "--sandbox", "--account", "atelier.nord", "--limit", "7"]
    assert main([*base, "--columns", "id,timestamp,like_count", "--out", str(parquet)]) == 0
    assert "wrote 7 rows" in capsys.readouterr().out
    frame = pd.read_parquet(parquet)
    assert list(frame.columns) == ["id", "timestamp", "like_count"]
    assert str(frame["like_count"].dtype) == "Int64"
    assert main([*base, "--out", str(csv)]) == 0
    assert len(pd.read_csv(csv)) == 7


def test_errors_are_one_clear_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["read", "Medai", "--sandbox"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: Unknown table 'Medai'. Did you mean Media, IGMedia")
    assert err.endswith(f"instapd tables lists all {len(TABLES)} tables.")
    assert "\n" not in err
    assert main(["read", "Media"]) == 2
    assert "or pass --sandbox to use the built-in sandbox" in capsys.readouterr().err


def test_sandbox_command_serves_until_interrupted() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "instapd", "sandbox"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(4)]
        url = lines[2].split("=", 1)[1].strip()
        token = lines[3].split("=", 1)[1].split()[0]
        import instapd

        connection = instapd.connect(graph_url=url, access_token=token)
        assert len(connection.read("Stories", account="brewlab.coffee")) > 0
    finally:
        process.terminate()
        process.wait(timeout=10)
