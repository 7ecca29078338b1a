"""Counters and gauges of the decision service, printed in the Prometheus text format."""

from __future__ import annotations

import threading
from collections import Counter

__all__ = ["Metrics"]


class Metrics:
    """Request and decision counters (thread-safe), and their Prometheus text."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: Counter[tuple[str, int]] = Counter()
        self._decisions: Counter[str] = Counter()

    def request(self, endpoint: str, status: int) -> None:
        """Count one HTTP request to ``endpoint`` answered with ``status``."""
        with self._lock:
            self._requests[(endpoint, status)] += 1

    def decisions(self, allowed: int, denied: int) -> None:
        """Count decisions made (a batch counts each question)."""
        with self._lock:
            self._decisions["allow"] += allowed
            self._decisions["deny"] += denied

    def text(self, revision: int, *, following: bool | None = None, lag: int | None = None) -> str:
        """Every counter, and the revision decisions are made at, in Prometheus text format.

        With ``following`` and ``lag`` (a service with a follower), also the gauges
        ``rbac_kit_follower_following`` (1 or 0) and ``rbac_kit_follower_lag``.
        """
        with self._lock:
            requests = sorted(self._requests.items())
            decisions = sorted(self._decisions.items())
        lines = [
            "# HELP rbac_kit_requests_total HTTP requests answered, by endpoint and status.",
            "# TYPE rbac_kit_requests_total counter",
            *(
                f'rbac_kit_requests_total{{endpoint="{endpoint}",status="{status}"}} {count}'
                for (endpoint, status), count in requests
            ),
            "# HELP rbac_kit_decisions_total Decisions made, by result.",
            "# TYPE rbac_kit_decisions_total counter",
            *(f'rbac_kit_decisions_total{{result="{result}"}} {n}' for result, n in decisions),
            "# HELP rbac_kit_revision The store revision decisions are made at.",
            "# TYPE rbac_kit_revision gauge",
            f"rbac_kit_revision {revision}",
        ]
        if following is not None:
            lines += [
                "# HELP rbac_kit_follower_following Whether the store is being followed (1) "
                "or not (0: decisions may be stale).",
                "# TYPE rbac_kit_follower_following gauge",
                f"rbac_kit_follower_following {int(following)}",
            ]
        if lag is not None:
            lines += [
                "# HELP rbac_kit_follower_lag Revisions the decisions are behind the newest "
                "seen in the store.",
                "# TYPE rbac_kit_follower_lag gauge",
                f"rbac_kit_follower_lag {lag}",
            ]
        return "\n".join(lines) + "\n"
