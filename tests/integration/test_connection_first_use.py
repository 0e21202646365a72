"""A connection's first use from several threads at once, as a widget's background reads run
beside the call that started them (the Composer reads the quota while ``publish`` resolves the
same account): the linked accounts are read once, and every thread gets them.

Without a lock, each thread that found no accounts yet read ``me/accounts`` itself; one that
found none in the cache folder set them back to "unknown" just after another had stored them,
and that other then returned ``list(None)``: the Composer's first publish failed with
``TypeError: 'NoneType' object is not iterable`` about once in 60 notebook runs."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import instapd
from instapd.sandbox import Sandbox
from tests.support import sandbox_connection

THREADS = 8
#: Fresh connections, each with an empty cache and token folder (the notebook's first run).
ROUNDS = 10


def linked_accounts_read(box: Sandbox) -> int:
    return sum("/me/accounts?" in line for line in box.app.log)


def resolved_at_once(connection: instapd.Connection, account: str) -> list[list[str]]:
    """``resolve_accounts(account)`` from ``THREADS`` threads let go together; a thread's error
    is raised here."""
    barrier = threading.Barrier(THREADS)

    def resolve() -> list[str]:
        barrier.wait()
        return connection.resolve_accounts(account)

    with ThreadPoolExecutor(THREADS) as pool:
        asked = [pool.submit(resolve) for _ in range(THREADS)]
        return [future.result() for future in asked]


def test_threads_resolving_an_account_at_once_on_a_fresh_connection_read_it_once(
    clean_sandbox: Sandbox, tmp_path: Path
) -> None:
    box = clean_sandbox
    account = box.account_ids[0]
    username = str(box.dataset[account].values["username"])
    for round_ in range(ROUNDS):
        folder = tmp_path / f"round-{round_}"
        with sandbox_connection(
            box, cache_location=folder / "cache", oauth_settings_location=folder / "tokens.json"
        ) as connection:
            before = linked_accounts_read(box)
            assert resolved_at_once(connection, username) == [[account]] * THREADS
            assert linked_accounts_read(box) - before == 1, f"round {round_}"
