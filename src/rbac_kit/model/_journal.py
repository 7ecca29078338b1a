"""An undo log for in-memory containers, so a failed change can be rolled back.

The directory routes every mutation of its dicts and sets through a
:class:`Journal`. Inside :meth:`Journal.atomic`, each mutation records its
inverse; when the block raises, the inverses run in reverse order and the
containers are exactly as they were.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

__all__ = ["Journal"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
_MISSING: Any = object()


class Journal:
    """Mutations of dicts and sets that can be undone while a block is open."""

    __slots__ = ("_undo",)

    def __init__(self) -> None:
        self._undo: list[Callable[[], None]] | None = None

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """Undo every recorded mutation if the block raises (nesting joins the outer block)."""
        if self._undo is not None:
            yield
            return
        self._undo = []
        try:
            yield
        except BaseException:
            undo, self._undo = self._undo, None
            for step in reversed(undo):
                step()
            raise
        finally:
            self._undo = None

    def setitem(self, d: dict[K, V], key: K, value: V) -> None:
        if self._undo is not None:
            old = d.get(key, _MISSING)
            self._undo.append(lambda: _restore(d, key, old))
        d[key] = value

    def delitem(self, d: dict[K, V], key: K) -> None:
        old = d.pop(key)
        if self._undo is not None:
            self._undo.append(lambda: d.__setitem__(key, old))

    def setdefault(self, d: dict[K, V], key: K, factory: Callable[[], V]) -> V:
        if key not in d:
            self.setitem(d, key, factory())
        return d[key]

    def add(self, s: set[K], value: K) -> None:
        if value not in s:
            s.add(value)
            if self._undo is not None:
                self._undo.append(lambda: s.discard(value))

    def discard(self, s: set[K], value: K) -> None:
        if value in s:
            s.discard(value)
            if self._undo is not None:
                self._undo.append(lambda: s.add(value))


def _restore(d: dict[Any, Any], key: Any, old: Any) -> None:
    if old is _MISSING:
        d.pop(key, None)
    else:
        d[key] = old
