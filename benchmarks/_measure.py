"""What the benchmark scripts share: their size flags, percentiles and memory readings."""

from __future__ import annotations

import argparse
import os
import resource
from collections.abc import Mapping, Sequence
from typing import Any


def rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q`` quantile of ``values`` (nearest rank, no interpolation)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def load_average() -> str:
    """The machine's load averages: other processes make every time here longer."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} CPUs"


def sized_parser(doc: str | None) -> argparse.ArgumentParser:
    """A parser with the workload's size flags, ``--seed`` and ``--quick``."""
    p = argparse.ArgumentParser(description=doc.splitlines()[0] if doc else None)
    p.add_argument("--people", type=int, help="people in the main workspace (100000)")
    p.add_argument("--groups", type=int, help="groups (2000)")
    p.add_argument("--apis", type=int, help="APIs (10000)")
    p.add_argument("--seed", type=int, default=2024)
    p.add_argument("--quick", action="store_true", help="small defaults for a smoke run")
    return p


def parse_sized(
    p: argparse.ArgumentParser,
    argv: list[str] | None,
    full: Mapping[str, Any],
    quick: Mapping[str, Any],
) -> argparse.Namespace:
    """Parse ``argv``; each flag left out takes its value from ``quick`` or ``full``."""
    args = p.parse_args(argv)
    for name, value in (quick if args.quick else full).items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    return args
