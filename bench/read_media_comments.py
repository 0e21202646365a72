"""Read every Media item and Comment of a sandbox account with injected latency.

Prints requests made, rows and seconds for instapd, for the one-request-per-media approach the
peers use (Airbyte, the Singer taps), and the lower bound: pages that must be fetched one after
another, times the latency.

    python bench/read_media_comments.py [--latency 0.05] [--media 400]
"""

from __future__ import annotations

import argparse
import math
import time

import instapd
from instapd.graph import GraphClient
from instapd.sandbox import Faults, Sandbox


def per_object(client: GraphClient, account: str) -> int:
    """The peers' way: list media, then one /comments walk per media item."""
    rows = 0
    media_ids = []
    for page in client.pages(f"{account}/media", {"fields": "id", "limit": 100}):
        media_ids += [m["id"] for m in page.data]
    for media_id in media_ids:
        fields = {"fields": "id,text,timestamp,username,like_count,hidden", "limit": 50}
        for page in client.pages(f"{media_id}/comments", fields):
            rows += len(page.data)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per request")
    parser.add_argument("--media", type=int, default=400, help="media items in the account")
    args = parser.parse_args()
    with Sandbox(media_per_account=(args.media,)) as sandbox:
        account = sandbox.account_ids[0]
        data = sandbox.dataset
        comments = [len(data[m].edges.get("comments", [])) for m in data[account].edges["media"]]
        sandbox.faults = Faults(latency=args.latency)
        print(
            f"account with {args.media} media, {sum(comments)} comments, "
            f"{args.latency * 1000:.0f} ms latency per request\n"
        )
        print(f"{'read':<26}{'requests':>9}{'rows':>8}{'seconds':>9}{'x bound':>9}")

        media_pages = math.ceil(args.media / 100)
        overflow = sum(math.ceil(n / 50) - 1 for n in comments if n > 50)
        # Sequential lower bound: the media pages, then the overflow of any one busy thread.
        bounds = {
            "Media": media_pages,
            "Comments": media_pages + max((math.ceil(n / 50) - 1 for n in comments), default=0),
        }
        connection = instapd.connect(graph_url=sandbox.url, access_token=sandbox.token)
        for table in ("Media", "Comments"):
            before, start = sandbox.requests_served, time.perf_counter()
            frame = connection.read(table, account=account)
            seconds = time.perf_counter() - start
            bound = bounds[table] * args.latency
            print(
                f"{'instapd ' + table:<26}{sandbox.requests_served - before:>9}"
                f"{len(frame):>8}{seconds:>9.2f}{seconds / bound:>9.2f}"
            )
        before, start = sandbox.requests_served, time.perf_counter()
        rows = per_object(connection.client, account)
        seconds = time.perf_counter() - start
        print(
            f"{'per-media Comments (peers)':<26}{sandbox.requests_served - before:>9}"
            f"{rows:>8}{seconds:>9.2f}{seconds / (bounds['Comments'] * args.latency):>9.2f}"
        )
        print(
            f"\nlower bound for Comments: {bounds['Comments']} sequential pages "
            f"({media_pages} media pages + the longest overflow); "
            f"{overflow} overflow pages in all"
        )


if __name__ == "__main__":
    main()
