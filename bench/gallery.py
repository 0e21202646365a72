"""A gallery of 500 media: time to the first row of pictures and to all pictures, and memory.

The sandbox (several processes, as a server farm) answers every request, pictures included,
after ``--latency`` seconds. The clock starts when ``df.ig.gallery()`` has returned and been
shown (its mime bundle asked for, which starts the fetching), i.e. when the cell finishes;
"first row" is when the first batch of pictures (one row of the grid, six) has
been sent to the front end; "all" when the last picture (or its reason) has. A second gallery
of the same frame shows the private cache. Memory: how much the process's peak RSS grew while
the gallery fetched, and the static view's size (what a saved notebook stores).

Goal: the first row within 1 s of the cell finishing at 50 ms latency.

    python bench/gallery.py [--media 500] [--latency 0.05]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time

from _server import sandbox_process  # type: ignore[import-not-found]

import instapd


def run(connection: instapd.Connection, frame: object) -> dict[str, float]:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    gallery = frame.ig.gallery("likes", connection=connection)  # type: ignore[attr-defined]
    gallery._repr_mimebundle_()  # what showing the cell's result does: the fetching begins
    returned = time.monotonic()
    gallery.wait(600)
    peak = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) * 1024
    missing = sum(1 for t in gallery.tiles if not (gallery.picture(t.media_id) or None))
    return {
        "cell": returned - started,
        "first_row": gallery.first_batch_at - returned,
        "all": gallery.done_at - returned,
        "peak_mb": peak / 1e6,
        "static_mb": len(gallery.static_html()) / 1e6,
        "pictures": len(gallery.grid.pictures),
        "missing": missing,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--media", type=int, default=500)
    parser.add_argument("--latency", type=float, default=0.05)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as cache_dir,
        sandbox_process(media=args.media, latency=args.latency) as server,
    ):
        connection = instapd.connect(
            graph_url=server.url, access_token=server.token, CacheLocation=cache_dir
        )
        import os

        os.environ["INSTAPD_CACHE_DIR"] = cache_dir  # the pictures' cache too
        account = connection.accounts()[0].id
        frame = connection.read("Media", account=account, limit=args.media)
        print(f"{len(frame)} media, {args.latency * 1000:.0f} ms latency per request")
        for label in ("cold (pictures from the CDN)", "warm (pictures from the private cache)"):
            figures = run(connection, frame)
            print(
                f"{label}: cell {figures['cell']:.2f} s · first row {figures['first_row']:.2f} s"
                f" · all {figures['all']:.2f} s · {figures['pictures']:.0f} pictures"
                f" ({figures['missing']:.0f} missing) · peak RSS growth {figures['peak_mb']:.1f} MB"
                f" · static view {figures['static_mb']:.1f} MB"
            )


if __name__ == "__main__":
    main()
