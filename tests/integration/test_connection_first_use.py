"""A connection's first use from several threads at once, as a widget's background reads run
beside the call that started them (the Composer reads the quota while ``publish`` resolves the
same account): the linked accounts are read once, the token's user is asked for once, and
every thread gets the answer.

Without a lock, each thread that found no accounts yet read ``me/accounts`` itself; one that
found none in the cache folder set them back to "unknown" just after another had stored them,
and that other then returned ``list(None)`` (``TypeError: 'NoneType' object is not
iterable``): the way the publishing notebook's Composer could fail its first publish, about once
in 60 runs."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import TypeVar

import instapd
from instapd.config import Config
from instapd.connection import AccountMemo
from instapd.sandbox import Sandbox
from tests.support import FAST_RETRY, in_process, sandbox_connection

THREADS = 8
#: Fresh connections, each with an empty cache and token folder (the notebook's first run).
ROUNDS = 10
T = TypeVar("T")


def linked_accounts_read(box: Sandbox) -> int:
    return sum("/me/accounts?" in line for line in box.app.log)


def users_asked(box: Sandbox) -> int:
    return sum(line.startswith("GET /v25.0/me?") for line in box.app.log)


def at_once(call: Callable[[], T]) -> list[T]:
    """``call()`` from ``THREADS`` threads let go together; a thread's error is raised here."""
    barrier = threading.Barrier(THREADS)

    def run() -> T:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(THREADS) as pool:
        started = [pool.submit(run) for _ in range(THREADS)]
        return [future.result() for future in started]


def fresh_connection(box: Sandbox, folder: Path) -> instapd.Connection:
    """A connection that knows nothing yet: no client, no accounts, an empty cache and token
    folder (the notebook's first run)."""
    return sandbox_connection(
        box, cache_location=folder / "cache", oauth_settings_location=folder / "tokens.json"
    )


def test_threads_resolving_an_account_at_once_on_a_fresh_connection_read_it_once(
    clean_sandbox: Sandbox, tmp_path: Path
) -> None:
    box = clean_sandbox
    account = box.account_ids[0]
    username = str(box.dataset[account].values["username"])
    for round_ in range(ROUNDS):
        with fresh_connection(box, tmp_path / f"round-{round_}") as connection:
            before = linked_accounts_read(box)
            answers = at_once(partial(connection.resolve_accounts, username))
            assert answers == [[account]] * THREADS
            assert linked_accounts_read(box) - before == 1, f"round {round_}"


def test_threads_asking_who_the_token_is_for_at_once_ask_the_api_once(
    clean_sandbox: Sandbox, tmp_path: Path
) -> None:
    box = clean_sandbox
    for round_ in range(ROUNDS):
        with fresh_connection(box, tmp_path / f"round-{round_}") as connection:
            before = users_asked(box)
            users = at_once(connection.identity)
            assert len(set(users)) == 1
            assert users_asked(box) - before == 1, f"round {round_}"


class LogoutWhileReading(instapd.Connection):
    """A connection whose credentials change (a logout from another cell or thread) while it
    first looks for its linked accounts in the cache folder, before it reads ``me/accounts``."""

    lookups = 0

    def account_memo(self) -> AccountMemo:
        cache, connection = super().account_memo(), self

        class Memo:
            def linked_accounts(
                self, source: str, max_age: float | None = None
            ) -> list[dict[str, str]] | None:
                connection.lookups += 1
                if connection.lookups == 1:
                    connection.use_credentials(None)
                return cache.linked_accounts(source, max_age)

            def remember_accounts(self, source: str, accounts: list[dict[str, str]]) -> None:
                cache.remember_accounts(source, accounts)

        return Memo()


def test_accounts_read_while_the_credentials_changed_are_not_kept(
    clean_sandbox: Sandbox, tmp_path: Path
) -> None:
    box = clean_sandbox
    config = Config.from_properties(graph_url=box.url, access_token=box.token,
                                    cache_location=tmp_path / "cache")  # fmt: skip
    connection = LogoutWhileReading(config, session=in_process(box), retry=FAST_RETRY)
    first = connection.accounts()  # the caller that asked before the logout gets its answer
    assert linked_accounts_read(box) == 1
    assert connection.accounts() == first
    assert connection.lookups == 2  # looked up again after the logout, not kept from before
    connection.accounts()
    assert connection.lookups == 2  # and kept from then on
