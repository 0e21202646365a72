"""``python -m instapd`` (the ``instapd`` command): one module per command group, each adding its
subcommands to the parser :mod:`instapd.cli.main` builds."""

from __future__ import annotations

from .main import CommandLineError, main, run

__all__ = ["CommandLineError", "main", "run"]
