"""The sandbox's own CPU per request, over a recorded snapshot: a corpus of requests replayed
against the WSGI app in-process, with every answer compared byte for byte with the first run's.

The sandbox stands for Meta's servers, so its cost per request should stay small next to the
client's; this measures it alone (no sockets, no client), and proves an optimisation changed no
answer.

    python bench/sandbox_cpu.py record CORPUS [--accounts 20]
        snapshot that many accounts of a frozen sandbox through loopback; keep every request
    python bench/sandbox_cpu.py replay CORPUS [--save ANSWERS] [--expect ANSWERS] [--repeat 3]
        replay them in order on a fresh frozen sandbox: CPU seconds per request (best of
        ``--repeat``), and the answers saved or compared with saved ones
    python bench/sandbox_cpu.py live [--accounts 100] [--repeat 3]
        snapshot that many accounts of the benchmarks' sandbox (``_server.py``: three processes,
        0 ms latency) and read the CPU time its processes spent answering, from /proc (Linux)

To check a change: ``record`` once, ``replay --save before.json`` with the code before it,
``replay --expect before.json`` after it (exit status 1 and the first differences if any answer
moved).

The sandbox is frozen at the recording's time (kept in the corpus), with a fixed token, app
secret and rate-limit clock, so every answer (the batch bodies' usage headers included) is a
function of the requests alone. Every header is compared (``Content-Type``, the usage headers,
``WWW-Authenticate``, ``Cache-Control``, and ``Date``: the frozen clock's, so fixed too) but
``Content-Length``, which follows the body. Only errors' ``fbtrace_id`` is masked: it is random,
as Meta's is.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import re
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from werkzeug.serving import WSGIRequestHandler, make_server

import instapd
from instapd.sandbox import Sandbox

TOKEN = "SBX" + "c0ffee" * 8
SECRET = "5ecret" * 5
SKIPPED_HEADERS = {"content-length"}
#: An error's ``fbtrace_id`` is random, as Meta's is (in a batch body it is JSON inside JSON).
TRACE = re.compile(rb'(fbtrace_id(?:\\\\)?\\?":(?:\\\\)?\\?")[A-Za-z0-9_-]+')


def frozen_sandbox(accounts: int, now: datetime) -> Sandbox:
    """The same sandbox every time: seeded data, clock, token and secret all fixed."""
    return Sandbox(accounts=accounts, media_per_account=(6,), now=now, frozen=True, token=TOKEN,
                   app_secret=SECRET, clock=lambda: 1_000.0)  # fmt: skip


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args: Any) -> None:
        pass


class Recorder:
    """WSGI middleware keeping each request (method, path, query, body, auth and type)."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        with self._lock:
            self.requests.append({
                "method": environ["REQUEST_METHOD"],
                "path": environ["PATH_INFO"],
                "query": environ.get("QUERY_STRING", ""),
                "body": base64.b64encode(body).decode(),
                "type": environ.get("CONTENT_TYPE", ""),
                "auth": environ.get("HTTP_AUTHORIZATION", ""),
            })  # fmt: skip
        return self.app(environ, start_response)


def record(corpus: str, accounts: int) -> None:
    warnings.simplefilter("ignore")
    now = datetime.now(UTC).replace(microsecond=0)  # the client asks for days up to now
    box = frozen_sandbox(accounts, now)
    recorder = Recorder(box.app)
    server = make_server("127.0.0.1", 0, recorder, threaded=True, request_handler=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    try:
        with (
            instapd.connect(graph_url=url, access_token=TOKEN, cache=False) as conn,
            tempfile.TemporaryDirectory() as out,
        ):
            summary = instapd.snapshot(connection=conn, location=out)
    finally:
        server.shutdown()
        server.server_close()
    with open(corpus, "w") as file:
        kept = {"accounts": accounts, "now": now.isoformat(), "requests": recorder.requests}
        json.dump(kept, file)
    print(f"{len(recorder.requests)} requests, {int(summary['rows'].sum())} rows -> {corpus}")


def environ_of(request: dict[str, Any]) -> dict[str, Any]:
    body = base64.b64decode(request["body"])
    environ = {
        "REQUEST_METHOD": request["method"],
        "PATH_INFO": request["path"],
        "QUERY_STRING": request["query"],
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "CONTENT_LENGTH": str(len(body)),
    }
    if request["type"]:
        environ["CONTENT_TYPE"] = request["type"]
    if request["auth"]:
        environ["HTTP_AUTHORIZATION"] = request["auth"]
    return environ


def forget_kept() -> None:
    """Empty every ``functools`` cache of the sandbox's modules: each replay starts cold, as a
    sandbox process does (the benchmark's processes see each account once)."""
    for name, module in list(sys.modules.items()):
        if name.startswith("instapd.sandbox"):
            for value in vars(module).values():
                if hasattr(value, "cache_clear"):
                    value.cache_clear()


def replay(corpus: dict[str, Any]) -> tuple[float, list[dict[str, Any]]]:
    """CPU seconds spent answering the corpus' requests on a fresh sandbox (every cache
    empty), and each answer."""
    forget_kept()
    box = frozen_sandbox(corpus["accounts"], datetime.fromisoformat(corpus["now"]))
    requests = corpus["requests"]
    answers: list[dict[str, Any]] = []
    spent = 0.0
    for request in requests:
        environ = environ_of(request)
        seen: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], *_: Any) -> None:
            seen["status"], seen["headers"] = status, headers  # noqa: B023

        started = time.process_time()
        body = b"".join(box.app(environ, start_response))
        spent += time.process_time() - started
        body = TRACE.sub(rb"\1-", body)
        headers = sorted([k, v] for k, v in seen["headers"] if k.lower() not in SKIPPED_HEADERS)
        answers.append({"status": seen["status"], "headers": headers,
                        "body": body.decode("utf-8", "replace"),
                        "sha256": hashlib.sha256(body).hexdigest()})  # fmt: skip
    return spent, answers


def compare(answers: list[dict[str, Any]], expected: list[dict[str, Any]], requests: Any) -> int:
    differ = 0
    for number, (got, want) in enumerate(zip(answers, expected, strict=True)):
        if (got["status"], got["headers"], got["sha256"]) != (
            want["status"], want["headers"], want["sha256"]
        ):  # fmt: skip
            differ += 1
            if differ <= 5:
                request = requests[number]
                print(f"request {number} differs: {request['method']} {request['path']}"
                      f"?{request['query'][:120]}")  # fmt: skip
                for key in ("status", "headers"):
                    if got[key] != want[key]:
                        print(f"  {key}: {want[key]} -> {got[key]}")
                if got["sha256"] != want["sha256"]:
                    first = next((i for i, (a, b) in enumerate(
                        zip(got["body"], want["body"], strict=False)) if a != b),
                        min(len(got["body"]), len(want["body"])))  # fmt: skip
                    print(f"  body at {first}: {want['body'][first - 60 : first + 60]!r}")
                    print(f"            -> {got['body'][first - 60 : first + 60]!r}")
    return differ


def live(accounts: int, repeat: int) -> None:
    """The sandbox processes' CPU seconds during a snapshot (sockets and HTTP included)."""
    from _server import sandbox_process  # type: ignore[import-not-found]

    warnings.simplefilter("ignore")
    runs = []
    for _ in range(repeat):
        with (
            sandbox_process(media=6, latency=0.0, accounts=accounts) as server,
            instapd.connect(graph_url=server.url, access_token=server.token, cache=False) as conn,
            tempfile.TemporaryDirectory() as out,
        ):
            conn.identity()
            before, sent = server.cpu_seconds(), conn.client.requests_made
            instapd.snapshot(connection=conn, location=out)
            runs.append((server.cpu_seconds() - before, conn.client.requests_made - sent))
    spent, requests = min(runs)
    print(f"{accounts} accounts: the sandbox spent {spent:.2f} s CPU on {requests} requests (least "
          f"of {repeat}: {', '.join(f'{s:.2f}' for s, _ in runs)}): "
          f"{spent / requests * 1000:.1f} ms per request")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("action", choices=("record", "replay", "live"))
    parser.add_argument("corpus", nargs="?")
    parser.add_argument("--accounts", type=int, default=20)
    parser.add_argument("--save")
    parser.add_argument("--expect")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if args.action == "live":
        live(args.accounts, args.repeat)
        return
    if args.corpus is None:
        parser.error("record and replay need a CORPUS file")
    if args.action == "record":
        record(args.corpus, args.accounts)
        return
    warnings.simplefilter("ignore")
    with open(args.corpus) as file:
        corpus = json.load(file)
    requests = corpus["requests"]
    runs = [replay(corpus) for _ in range(args.repeat)]
    best = min(spent for spent, _ in runs)
    answers = runs[0][1]
    unsteady = sum(compare(other, answers, requests) for _, other in runs[1:])
    operations = sum(len(json.loads(a["body"])) for a, r in zip(answers, requests, strict=True)
                     if r["method"] == "POST" and a["body"].startswith("["))  # fmt: skip
    print(f"{len(requests)} requests ({operations} batch operations), CPU {best:.3f} s (best of "
          f"{args.repeat}): {best / len(requests) * 1000:.2f} ms per request, "
          f"{best / max(operations, 1) * 1000:.3f} ms per operation")  # fmt: skip
    if unsteady:
        print(f"{unsteady} answers differ between replays: the corpus is not deterministic")
    if args.save:
        with open(args.save, "w") as file:
            json.dump(answers, file)
    if args.expect:
        with open(args.expect) as file:
            expected = json.load(file)
        differ = compare(answers, expected, requests)
        print(f"{differ} of {len(answers)} answers differ from {args.expect}")
        if differ:
            sys.exit(1)


if __name__ == "__main__":
    main()
