"""The compiled policy: Casbin lines grouped by the owner that produced them."""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TypeAlias

import attrs

from ..model._subjects import PolicyOwner

__all__ = ["MODEL_PATH", "Policy", "PolicyDelta", "Rule", "rule_to_csv"]

#: The Casbin model file shipped with the package, the one the policy is written
#: for (``model.conf`` at the repository root points here). Reading it needs no
#: pycasbin: the bridge to Casbin's enforcer is :mod:`rbac_kit.policy.casbin`.
MODEL_PATH = Path(__file__).with_name("model.conf")

#: One Casbin policy line: ptype first, then its values
#: (``("g", "user:u-1", "role:member", "acme")``).
Rule: TypeAlias = tuple[str, ...]


@attrs.frozen
class PolicyDelta:
    """The lines a change removes and adds, in that order."""

    removed: frozenset[Rule]
    added: frozenset[Rule]

    def __bool__(self) -> bool:
        return bool(self.removed or self.added)


def rule_to_csv(rule: Rule) -> str:
    """A line of Casbin's CSV policy format (names never contain ``,`` or brackets)."""
    return ", ".join(rule)


class Policy:
    """Policy lines by owner; the one thing both the index and Casbin load."""

    def __init__(self, pieces: Mapping[PolicyOwner, frozenset[Rule]] | None = None) -> None:
        self._pieces: dict[PolicyOwner, frozenset[Rule]] = dict(pieces or {})

    def rules(self) -> Iterator[Rule]:
        """Every line (each exactly once: owners never share a line)."""
        for lines in self._pieces.values():
            yield from lines

    def __len__(self) -> int:
        return sum(len(lines) for lines in self._pieces.values())

    def piece(self, owner: PolicyOwner) -> frozenset[Rule]:
        """The lines ``owner`` produced."""
        return self._pieces.get(owner, frozenset())

    def diff(self, pieces: Mapping[PolicyOwner, frozenset[Rule]]) -> PolicyDelta:
        """The lines that swapping in ``pieces`` would remove and add (nothing changes)."""
        removed: set[Rule] = set()
        added: set[Rule] = set()
        for owner, lines in pieces.items():
            old = self._pieces.get(owner, frozenset())
            removed |= old - lines
            added |= lines - old
        # A line moving between owners in one change is neither removed nor added.
        return PolicyDelta(removed=frozenset(removed - added), added=frozenset(added - removed))

    def update(self, pieces: Mapping[PolicyOwner, frozenset[Rule]]) -> None:
        """Swap in new pieces (an empty piece drops its owner)."""
        for owner, lines in pieces.items():
            if lines:
                self._pieces[owner] = lines
            else:
                self._pieces.pop(owner, None)

    def to_csv(self) -> str:
        """The whole policy in Casbin's CSV format, sorted for stable diffs."""
        out = io.StringIO()
        for rule in sorted(self.rules()):
            out.write(rule_to_csv(rule))
            out.write("\n")
        return out.getvalue()

    def export(self, directory: str | Path) -> tuple[Path, Path]:
        """Write ``model.conf`` and ``policy.csv`` into ``directory``; return both paths."""
        target = Path(directory)
        target.mkdir(parents=True, exist_ok=True)
        model = target / "model.conf"
        policy = target / "policy.csv"
        model.write_text(MODEL_PATH.read_text())
        policy.write_text(self.to_csv())
        return model, policy
