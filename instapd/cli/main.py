"""``python -m instapd``: the parser, made of the command groups' subcommands, and ``main``, which
turns an error into one line on stderr."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

from ..errors import InstapdError, UsageError
from . import cache, health, login, read, sandbox, snapshot, tables, writes


def main(argv: Sequence[str] | None = None) -> int:
    """Run a command; errors are one line on stderr: exit 2 for usage errors, 1 for others."""
    try:
        return run(argv)
    except UsageError as exc:
        return _fail(str(exc), 2)
    except InstapdError as exc:
        return _fail(str(exc), 1)
    except KeyboardInterrupt:
        return 130


def _fail(message: str, code: int) -> int:
    print("error: " + " ".join(message.split()), file=sys.stderr)
    return code


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
    for group in (tables, read, sandbox, login, cache, writes, snapshot, health):
        group.add_commands(commands)
    return parser


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
