"""Where this process runs, as far as logging in cares: can the user's browser reach its
localhost, and can a browser be opened here?

Hosted notebooks, remote servers and containers are known by their environment: :data:`HOSTS`
is the one table of markers. There the desktop flow's loopback listener is out of the browser's
reach, so the login offers the paste box alone.
"""

from __future__ import annotations

import os
import sys
import webbrowser
from collections.abc import Callable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Host:
    """A place that runs kernels away from the user's browser, and how to tell it is there."""

    name: str
    markers: tuple[str, ...]  # environment variables: any one set (non-empty) means this host
    place: str = ""  # how a sentence names it, when not by its name

    @property
    def why(self) -> str:
        return f"This runs on {self.place or self.name}, out of your browser's reach."


#: Checked in order: the more specific host first (Binder runs on JupyterHub; Kaggle's images
#: carry some of Colab's variables; Codespaces are dev containers; VS Code Remote-SSH is SSH).
HOSTS: tuple[Host, ...] = (
    Host("Kaggle", ("KAGGLE_KERNEL_RUN_TYPE", "KAGGLE_URL_BASE")),
    Host("Colab", ("COLAB_RELEASE_TAG", "COLAB_JUPYTER_IP", "COLAB_BACKEND_VERSION")),
    Host("Binder", ("BINDER_LAUNCH_HOST", "BINDER_REPO_URL", "BINDER_REQUEST")),
    Host("SageMaker", ("SAGEMAKER_APP_TYPE", "SAGEMAKER_SPACE_NAME")),
    Host("Codespaces", ("CODESPACES", "CODESPACE_NAME")),
    Host("JupyterHub", ("JUPYTERHUB_API_URL", "JUPYTERHUB_SERVICE_PREFIX", "JUPYTERHUB_USER")),
    Host(
        "VS Code Remote",
        ("REMOTE_CONTAINERS", "VSCODE_REMOTE_CONTAINERS_SESSION"),
        "a VS Code remote container",
    ),
    Host("SSH", ("SSH_CONNECTION", "SSH_CLIENT", "SSH_TTY"), "a machine reached over SSH"),
)


@dataclass(frozen=True)
class Where:
    """``remote`` when the user's browser cannot reach this machine's localhost; ``why`` says
    so in one line, for the login panel and the terminal."""

    remote: bool
    host: str | None = None
    why: str = ""


def where(environ: Mapping[str, str] | None = None, platform: str | None = None) -> Where:
    """Where this process runs, from ``environ`` (default ``os.environ``) and ``platform``."""
    env = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    for host in HOSTS:
        if any(env.get(name) for name in host.markers):
            return Where(True, host.name, host.why)
    if platform.startswith("linux") and not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")):
        return Where(True, None, "This machine has no display, so no browser runs beside it.")
    return Where(False)


def can_open_browser(environ: Mapping[str, str] | None = None, platform: str | None = None) -> bool:
    """True when this machine is not remote and Python knows a browser to open here."""
    if where(environ, platform).remote:
        return False
    try:
        webbrowser.get()
    except webbrowser.Error:
        return False
    return True


def try_to_open(url: str, opener: Callable[[str], object] = webbrowser.open) -> bool:
    """Open ``url`` in a browser; False, never an error, when that fails (the link is shown)."""
    try:
        return opener(url) is not False
    except (webbrowser.Error, OSError):
        return False
