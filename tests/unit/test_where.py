"""Knowing where the kernel runs: one case per host in the marker table, by environment alone."""

from __future__ import annotations

import webbrowser

import pytest

from instapd.auth.where import HOSTS, can_open_browser, try_to_open, where

#: (what the environment holds, the platform, the host found or None, remote?)
CASES: list[tuple[dict[str, str], str, str | None, bool]] = [
    ({"JUPYTERHUB_API_URL": "http://hub/api", "DISPLAY": ":0"}, "linux", "JupyterHub", True),
    ({"JUPYTERHUB_USER": "sam"}, "linux", "JupyterHub", True),
    ({"BINDER_LAUNCH_HOST": "mybinder.org", "JUPYTERHUB_USER": "s"}, "linux", "Binder", True),
    ({"BINDER_REPO_URL": "https://github.com/o/r"}, "linux", "Binder", True),
    ({"COLAB_RELEASE_TAG": "release-colab_20261101-060000"}, "linux", "Colab", True),
    ({"KAGGLE_KERNEL_RUN_TYPE": "Interactive", "COLAB_JUPYTER_IP": "x"}, "linux", "Kaggle", True),
    ({"SAGEMAKER_APP_TYPE": "JupyterLab"}, "linux", "SageMaker", True),
    ({"SAGEMAKER_SPACE_NAME": "studio"}, "linux", "SageMaker", True),
    ({"CODESPACES": "true", "REMOTE_CONTAINERS": "true"}, "linux", "Codespaces", True),
    ({"REMOTE_CONTAINERS": "true", "DISPLAY": ":1"}, "linux", "VS Code Remote", True),
    ({"VSCODE_REMOTE_CONTAINERS_SESSION": "94cc"}, "linux", "VS Code Remote", True),
    ({"SSH_CONNECTION": "10.0.0.2 50022 10.0.0.1 22", "DISPLAY": ":0"}, "linux", "SSH", True),
    ({"SSH_CLIENT": "10.0.0.2 50022 22"}, "darwin", "SSH", True),
    ({"SSH_TTY": "/dev/pts/0"}, "win32", "SSH", True),
    ({}, "linux", None, True),  # no display: no browser runs beside this kernel
    ({"DISPLAY": ":0"}, "linux", None, False),
    ({"WAYLAND_DISPLAY": "wayland-0"}, "linux", None, False),
    ({}, "darwin", None, False),
    ({}, "win32", None, False),
    ({"JUPYTERHUB_API_URL": "", "SSH_CONNECTION": "", "DISPLAY": ":0"}, "linux", None, False),
]  # fmt: skip


@pytest.mark.parametrize(("environ", "platform", "host", "remote"), CASES)
def test_where_the_kernel_runs(
    environ: dict[str, str], platform: str, host: str | None, remote: bool
) -> None:
    found = where(environ, platform)
    assert (found.host, found.remote) == (host, remote)
    if remote:
        assert found.why.endswith(".")
        assert "\n" not in found.why
        assert "no display" in found.why if host is None else found.why.startswith("This runs on")
        assert not can_open_browser(environ, platform)
    else:
        assert found.why == ""


def test_every_host_in_the_table_has_a_case() -> None:
    tested = {host for _, _, host, _ in CASES}
    assert {h.name for h in HOSTS} <= tested
    for h in HOSTS:  # and each of its markers alone finds it
        for marker in h.markers:
            assert where({marker: "1", "DISPLAY": ":0"}, "linux").host == h.name, marker


def test_a_browser_that_fails_to_open_is_not_fatal() -> None:
    def broken(url: str) -> bool:
        raise webbrowser.Error("no runnable browser")

    assert try_to_open("https://example.com/", broken) is False
    assert try_to_open("https://example.com/", lambda url: False) is False
    assert try_to_open("https://example.com/", lambda url: True) is True
