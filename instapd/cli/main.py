"""``python -m instapd``: the parser, made of the command groups' subcommands, and ``main``, which
turns an error into one line on stderr."""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from collections.abc import Sequence
from typing import NoReturn, TextIO

from ..errors import InstapdError, UsageError
from . import cache, health, login, read, sandbox, snapshot, tables, webhooks, writes
from .wording import for_cli

#: The exit status of a command whose reader went away (``instapd tables | head -1``), as for
#: a program SIGPIPE ended.
CLOSED_PIPE = 141


def main(argv: Sequence[str] | None = None) -> int:
    """Run a command; errors are one line on stderr: exit 2 for usage errors, 1 for others.
    A closed pipe ends the command quietly."""
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            code = run(argv)
        sys.stdout.flush()  # a closed pipe shows here, not at exit
        return code
    except BrokenPipeError:
        # Python's recipe: point stdout at devnull so the flush at exit cannot fail again
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return CLOSED_PIPE
    except UsageError as exc:
        return _fail(str(exc), 2)
    except InstapdError as exc:
        return _fail(str(exc), 1)
    except KeyboardInterrupt:
        return 130


def _fail(message: str, code: int) -> int:
    print("error: " + " ".join(for_cli(message).split()), file=sys.stderr)
    return code


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: TextIO | None = None,
    line: str | None = None,
) -> None:
    """A warning as one line, in the CLI's words, without instapd's file and line."""
    del category, filename, lineno, line
    print(f"warning: {' '.join(for_cli(str(message)).split())}", file=file or sys.stderr)


def run(argv: Sequence[str] | None = None) -> int:
    """Run a command, raising what it raises (``main`` turns that into one line)."""
    args = _parser().parse_args(argv)
    return int(args.run(args) or 0)


class CommandLineError(UsageError):
    """A command line that argparse refused: a missing argument, an unknown option..."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise CommandLineError(f"{message}; see `{self.prog} --help`.")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="instapd", description="Instagram Graph API data as pandas DataFrames.")
    commands = parser.add_subparsers(required=True, metavar="COMMAND", parser_class=_Parser)
    for group in (tables, read, sandbox, login, cache, writes, snapshot, webhooks, health):
        group.add_commands(commands)
    return parser


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
