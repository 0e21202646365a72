"""What ``import instapd`` costs on top of ``import pandas``, in fresh interpreters.

Each run starts two new Python processes back to back, one that imports pandas and one that
imports instapd (which imports pandas), and times the import inside each. Pairs share the
machine's state of the moment, so the median of the paired differences is steadier than the
difference of two medians. Goal: at most 150 ms.

    python bench/import_time.py [--runs 15] [--show-modules]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

GOAL_MS = 150.0
ROOT = Path(__file__).resolve().parent.parent
_TIMED = "import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
#: Modules a plain ``import instapd`` should not load: a read or a login loads them when needed.
LAZY = (
    "requests_oauthlib",
    "oauthlib",
    "werkzeug",
    "cryptography",
    "tqdm",
    "ipywidgets",
    "matplotlib",
    "instapd.sandbox",
    "sqlglot",
    "duckdb",
    "instapd.sql.run",
)


def _python(code: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # cached bytecode, as an installed package has
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        cwd=ROOT,  # `python -c` puts the working directory first on sys.path
    )
    return result.stdout.strip()


def import_seconds(module: str) -> float:
    return float(_python(_TIMED.format(module=module)))


def loaded_eagerly() -> list[str]:
    """Which of :data:`LAZY` ``import instapd`` loads anyway (should be none)."""
    code = (
        "import sys, instapd; "
        f"print(' '.join(m for m in {LAZY!r} if any(k == m or k.startswith(m + '.') "
        "for k in sys.modules)))"
    )
    return _python(code).split()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    import_seconds("instapd")  # compile the bytecode once, as an installed package has it
    pandas_s, instapd_s, extra_s = [], [], []
    for _ in range(args.runs):
        base, full = import_seconds("pandas"), import_seconds("instapd")
        pandas_s.append(base)
        instapd_s.append(full)
        extra_s.append(full - base)
    extra_ms = statistics.median(extra_s) * 1000
    print(f"runs (pairs)                     {args.runs}")
    print(f"import pandas   median           {statistics.median(pandas_s) * 1000:7.0f} ms")
    print(f"import instapd  median           {statistics.median(instapd_s) * 1000:7.0f} ms")
    print(f"instapd - pandas (paired median) {extra_ms:7.0f} ms   (goal <= {GOAL_MS:.0f} ms)")
    eager = loaded_eagerly()
    print("loaded eagerly, meant to be lazy: " + (", ".join(eager) or "none"))
    sys.exit(0 if extra_ms <= GOAL_MS and not eager else 1)


if __name__ == "__main__":
    main()
