"""Round trips and seconds for Media, MediaInsights, Comments and MediaChildren of a sandbox
account with 1,000 media at 50 ms injected latency.

For each table it prints instapd's requests and seconds, the same for the one-request-per-object
approach the peers use (Airbyte, the Singer taps; run here in the same process against the same
sandbox), and the lower bound: the pages that must be fetched one after another, times the
latency. Targets: MediaInsights in at most 40 requests; each table within 1.5x of its bound.
instapd's seconds are the median of ``--runs`` reads after ``--warmup`` untimed ones (the sandbox
caches what it renders, as a steady-state server would); the sandbox runs as a few processes on
one port (see ``_server.py``), so its own work does not queue behind one interpreter lock.

    python bench/throughput.py [--media 1000] [--latency 0.05]
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
import warnings
from collections.abc import Callable

import pandas as pd
from _server import sandbox_process  # type: ignore[import-not-found]

import instapd
from instapd.graph import GraphClient
from instapd.sandbox import Sandbox
from instapd.sandbox.data import Dataset

MEDIA_FIELDS = "id,caption,media_type,media_product_type,timestamp,like_count,comments_count"


def peer_media(client: GraphClient, account: str) -> int:
    """Singer-style: page /media at the default page size, fields asked on the listing."""
    return sum(len(p.data) for p in client.pages(f"{account}/media", {"fields": MEDIA_FIELDS}))


def _media_ids(client: GraphClient, account: str, fields: str = "id") -> list[dict[str, object]]:
    pages = client.pages(f"{account}/media", {"fields": fields, "limit": 100})
    return [item for page in pages for item in page.data]


def peer_media_insights(client: GraphClient, account: str) -> int:
    """Airbyte-style: one /insights call per media item."""
    rows = 0
    for item in _media_ids(client, account, "id,media_product_type"):
        metric = "reach,views,likes" if item["media_product_type"] != "STORY" else "reach"
        try:
            client.get(f"{item['id']}/insights", {"metric": metric})
            rows += 1
        except instapd.GraphError:
            pass
    return rows


def peer_comments(client: GraphClient, account: str) -> int:
    """One /comments walk per media item."""
    fields = {"fields": "id,text,timestamp,username,like_count,hidden", "limit": 50}
    return sum(
        len(page.data)
        for item in _media_ids(client, account)
        for page in client.pages(f"{item['id']}/comments", fields)
    )


def peer_children(client: GraphClient, account: str) -> int:
    """Airbyte-style: list the albums' children, then one GET per child."""
    rows = 0
    for item in _media_ids(client, account, "id,media_type"):
        if item["media_type"] == "CAROUSEL_ALBUM":
            for page in client.pages(f"{item['id']}/children"):
                for child in page.data:
                    client.get(str(child["id"]), {"fields": "id,media_type,media_url,timestamp"})
                    rows += 1
    return rows


def lower_bounds(data: Dataset, account: str) -> dict[str, int]:
    """Pages that must come one after another: the media listing's pages, then any tail."""
    media = data[account].edges["media"]
    listing = math.ceil(len(media) / 100)
    longest_thread = max(
        (math.ceil(len(data[m].edges.get("comments", [])) / 50) - 1 for m in media), default=0
    )
    return {
        "Media": listing,
        "MediaChildren": listing,
        "Comments": listing + longest_thread,
        "MediaInsights": listing + 1,  # the last batch can only leave after the last page
    }


PEERS: dict[str, Callable[[GraphClient, str], int]] = {
    "Media": peer_media,
    "MediaInsights": peer_media_insights,
    "Comments": peer_comments,
    "MediaChildren": peer_children,
}


class RequestCounter:
    """Requests the client made (the server runs in another process)."""

    def __init__(self, connection: instapd.Connection) -> None:
        self.client = connection.client

    @property
    def count(self) -> int:
        return self.client.requests_made


def main() -> None:
    warnings.simplefilter("ignore")  # the sandbox's pre-conversion media warn, as designed
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--media", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--skip-peers", action="store_true", help="only instapd (faster)")
    parser.add_argument("--runs", type=int, default=3, help="instapd runs per table (median)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed reads first (steady state)")
    args = parser.parse_args()
    # the same seed and size as the server's, for the lower bounds
    dataset = Sandbox(media_per_account=(args.media,)).dataset
    account = dataset.account_ids[0]
    bounds = lower_bounds(dataset, account)
    with sandbox_process(media=args.media, latency=args.latency) as server:
        connection = instapd.connect(graph_url=server.url, access_token=server.token, cache=False)
        counter = RequestCounter(connection)

        def read(table: str) -> pd.DataFrame:
            return connection.read(table, account=account, progress=False)

        print(f"{args.media} media, {args.latency * 1000:.0f} ms latency per request\n")
        header = f"{'table':<15}{'who':<10}{'requests':>9}{'rows':>7}{'seconds':>9}{'x bound':>9}"
        print(header)
        print("-" * len(header))
        for table, peer in PEERS.items():
            bound = bounds[table] * args.latency
            runs = [
                ("instapd", args.runs, lambda t=table: len(connection.read(t, account=account)))
            ]
            if not args.skip_peers:
                runs.append(("peers", 1, lambda p=peer: p(connection.client, account)))
            for _ in range(args.warmup):  # each sandbox process renders and caches its pages once
                read(table)
            for who, repeat, run in runs:
                timings = []
                for _ in range(repeat):
                    before, start = counter.count, time.perf_counter()
                    rows = run()
                    timings.append(time.perf_counter() - start)
                seconds = statistics.median(timings)
                print(f"{table:<15}{who:<10}{counter.count - before:>9}{rows:>7}"
                      f"{seconds:>9.2f}{seconds / bound:>9.2f}")  # fmt: skip
            print(f"{table:<15}{'bound':<10}{bounds[table]:>9}{'':>7}{bound:>9.2f}{1:>9.2f}")


if __name__ == "__main__":
    main()
