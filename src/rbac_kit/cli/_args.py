"""Building blocks for registering commands: a subcommand group, and a command in it."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from ._context import Context

__all__ = ["Handler", "Subparsers", "command", "command_group"]

#: What a command runs: returns the exit status (None for 0).
Handler = Callable[[Context, argparse.Namespace], int | None]
#: argparse's ``_SubParsersAction`` is private; this is the object ``add_subparsers`` returns.
Subparsers = Any


def command_group(commands: Subparsers, name: str, help: str) -> Subparsers:
    """A command with subcommands, e.g. ``group`` for ``group create`` and ``group delete``."""
    parser: argparse.ArgumentParser = commands.add_parser(name, help=help, description=help)
    return parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")


def command(group: Subparsers, name: str, handler: Handler, help: str) -> argparse.ArgumentParser:
    """A (sub)command running ``handler``; add its arguments to the parser returned."""
    parser: argparse.ArgumentParser = group.add_parser(name, help=help, description=help)
    parser.set_defaults(handler=handler)
    return parser
