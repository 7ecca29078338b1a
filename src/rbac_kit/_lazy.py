"""Names a package offers but imports only on first use.

``Invitations`` works on a store, and importing the store (SQLAlchemy, the
schema) takes most of the time of ``import rbac_kit``: a gateway or a test
suite that only decides should not pay for it. The packages that offer it
(``rbac_kit``, ``rbac_kit.onboarding``, ``rbac_kit.onboarding.invitations``)
get their module ``__getattr__`` and ``__dir__`` from :func:`lazy_names`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping

__all__ = ["lazy_names"]


def lazy_names(
    package: str, names: Mapping[str, str]
) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """A module ``__getattr__`` and ``__dir__`` for ``package`` that import each of ``names``
    (name -> the module holding it) on first use."""

    def __getattr__(name: str) -> object:
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(module), name)

    def __dir__() -> list[str]:
        return sorted({*vars(importlib.import_module(package)), *names})

    return __getattr__, __dir__
