"""The environment notebooks run in when the suite (nbval) or ``tools/execute-notebooks`` runs
them: none of the developer's instapd settings or credentials, throwaway folders for the cache,
the snapshots and the tokens, no progress bars, no JupySQL telemetry.

The kernels inherit it: jupyter_client starts a kernel with a copy of ``os.environ``. The sandbox
is not in it: each notebook chooses the sandbox in its own first cell, as a reader's copy must.
"""

from __future__ import annotations

import os
from pathlib import Path

#: The run's knobs, each a folder name under the scratch folder or a value.
FOLDERS = {"INSTAPD_CACHE_DIR": "cache", "INSTAPD_SNAPSHOT_DIR": "snapshots",
           "INSTAPD_CONFIG_DIR": "config"}  # fmt: skip
VALUES = {"INSTAPD_PROGRESS": "0", "PLOOMBER_STATS_ENABLED": "false"}


def use_notebook_environment(scratch: Path) -> None:
    """Set this process's environment (which kernels started later inherit) for a notebook run,
    its folders under ``scratch``."""
    for name in [n for n in os.environ if n.startswith("INSTAPD_")]:
        del os.environ[name]  # never the developer's account, token or settings
    for name, folder in FOLDERS.items():
        (scratch / folder).mkdir(parents=True, exist_ok=True)
        os.environ[name] = str(scratch / folder)
    os.environ.update(VALUES)
