"""The one-way flow of imports between rbac_kit's parts (STYLE, point 1), held by tests.

Every rule reads the imports of the source files from their syntax trees,
relative imports resolved, and fails listing the files that break it with
what they import. The layering rules count every import a file makes (at
the top, inside functions and under ``if TYPE_CHECKING:``): each is a
dependency, even one that only types need. The cycle rule counts only the
imports that run when a module is imported.
"""

# STYLE: tests read `assert expected == actual`

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping, Set
from functools import cache
from pathlib import Path
from typing import NamedTuple

import rbac_kit

SRC = Path(rbac_kit.__file__).parent

#: The packages directly inside ``rbac_kit`` (``model``, ``policy``, ``store`` ...).
SUBPACKAGES = frozenset(p.name for p in SRC.iterdir() if (p / "__init__.py").is_file())

#: The libraries each kept behind one part of rbac_kit, and what ``import rbac_kit`` must not load.
ON_DEMAND = ("casbin", "sqlalchemy")


class Import(NamedTuple):
    """One name a module imports."""

    #: The absolute dotted name: the module, or ``module.name`` for ``from module import name``.
    target: str
    #: Whether it runs when the importing module is imported (not in a function, not for types).
    at_import: bool


def _is_type_checking(test: ast.expr) -> bool:
    """``if TYPE_CHECKING:``, ``if typing.TYPE_CHECKING:`` or an alias (``_TYPE_CHECKING``)."""
    name = test.id if isinstance(test, ast.Name) else getattr(test, "attr", "")
    return name.endswith("TYPE_CHECKING")


def _statements(node: ast.AST, at_import: bool) -> Iterator[tuple[ast.AST, bool]]:
    """Every node below ``node``, with whether it runs when the module is imported."""
    for child in ast.iter_child_nodes(node):
        yield child, at_import
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            yield from _statements(child, False)
        elif isinstance(child, ast.If) and _is_type_checking(child.test):
            for stmt in child.body:
                yield stmt, False
                yield from _statements(stmt, False)
            for stmt in child.orelse:
                yield stmt, at_import
                yield from _statements(stmt, at_import)
        else:
            yield from _statements(child, at_import)


def imports_of(source: str, module: str, *, is_package: bool = False) -> set[Import]:
    """The names ``source``, the text of ``module``, imports (relative imports resolved)."""
    package = module.split(".") if is_package else module.split(".")[:-1]
    found: set[Import] = set()
    for node, at_import in _statements(ast.parse(source), True):
        if isinstance(node, ast.Import):
            found.update(Import(alias.name, at_import) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            origin = ".".join([*base, *([node.module] if node.module else [])])
            found.update(
                Import(origin if alias.name == "*" else f"{origin}.{alias.name}", at_import)
                for alias in node.names
            )
    return found


def _module_name(path: Path) -> str:
    parts = ("rbac_kit", *path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def _modules() -> Mapping[str, Path]:
    """Every source file of rbac_kit by its module name."""
    return {_module_name(path): path for path in sorted(SRC.rglob("*.py"))}


@cache
def _imports() -> Mapping[str, frozenset[Import]]:
    """What each module of rbac_kit imports."""
    return {
        module: frozenset(
            imports_of(path.read_text(), module, is_package=path.name == "__init__.py")
        )
        for module, path in _modules().items()
    }


def _within(name: str, *prefixes: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def _file(module: str) -> str:
    return _modules()[module].relative_to(SRC).as_posix()


def _offenders(part: str, forbidden: Callable[[str, str], bool]) -> dict[str, list[str]]:
    """Files of ``part`` (a subpackage, or ``""`` for all) importing what ``forbidden`` names.

    ``forbidden(importer, target)`` sees each importing module and imported name.
    """
    found: dict[str, list[str]] = {}
    for module, imports in _imports().items():
        if part and not _within(module, f"rbac_kit.{part}"):
            continue
        bad = sorted({i.target for i in imports if forbidden(module, i.target)})
        if bad:
            found[_file(module)] = bad
    return found


def _is_facade(target: str) -> bool:
    """``rbac_kit`` itself, a name taken from it, or a top-level module but ``_errors``."""
    parts = target.split(".")
    return parts[0] == "rbac_kit" and (len(parts) == 1 or parts[1] not in SUBPACKAGES | {"_errors"})


# -- the checker sees what it has to -----------------------------------------------

SAMPLE = """
from typing import TYPE_CHECKING as _TYPE_CHECKING
import casbin.persist
from .. import _errors
from ..model._values import User
from ._policy import Rule

if _TYPE_CHECKING:
    from ..store import Store
else:
    from ._index import DecisionIndex


def later():
    from .casbin import CasbinReference
"""


def test_imports_of_resolves_relative_imports_and_when_they_run() -> None:
    """Relative imports resolve from modules and packages; typing and function imports wait."""
    assert {
        Import("typing.TYPE_CHECKING", True),
        Import("casbin.persist", True),
        Import("rbac_kit._errors", True),
        Import("rbac_kit.model._values.User", True),
        Import("rbac_kit.policy._policy.Rule", True),
        Import("rbac_kit.store.Store", False),
        Import("rbac_kit.policy._index.DecisionIndex", True),
        Import("rbac_kit.policy.casbin.CasbinReference", False),
    } == imports_of(SAMPLE, "rbac_kit.policy._compiler")
    assert {"rbac_kit.model._values.User", "rbac_kit.policy._policy.Rule"} <= {
        i.target for i in imports_of(SAMPLE, "rbac_kit.policy", is_package=True)
    }


def test_import_resolution_sees_relative_imports() -> None:
    """The checker reads the real files (so the rules below can fail)."""
    compiler = {i.target for i in _imports()["rbac_kit.policy._compiler"]}
    assert "rbac_kit.model._directory.Directory" in compiler
    assert "rbac_kit.policy._policy.Rule" in compiler
    assert Import("casbin", True) in _imports()["rbac_kit.policy.casbin"]
    assert ["rbac_kit.model._directory.Directory"] == _offenders(
        "policy", lambda _, t: t == "rbac_kit.model._directory.Directory"
    ).get("policy/_compiler.py")


# -- layers ---------------------------------------------------------------------------


def test_the_model_imports_only_errors_and_itself() -> None:
    """``model/`` is the bottom layer: of rbac_kit it imports ``_errors`` and ``model`` only."""
    assert {} == _offenders(
        "model",
        lambda _, t: (
            _within(t, "rbac_kit") and not _within(t, "rbac_kit._errors", "rbac_kit.model")
        ),
    )


def test_policy_imports_neither_store_nor_anything_built_on_it() -> None:
    """``policy/`` imports neither the store nor the facade, admin, onboarding, the applications."""
    above = ("store", "admin", "onboarding", "cli", "service", "testing")
    assert {} == _offenders(
        "policy",
        lambda _, t: _is_facade(t) or _within(t, *(f"rbac_kit.{p}" for p in above)),
    )


#: What the store may take from onboarding: the invitation values and tokens it stores.
STORED_ONBOARDING = (
    "rbac_kit.onboarding.invitations._values",
    "rbac_kit.onboarding.invitations._tokens",
)


def test_the_store_imports_neither_the_facade_nor_the_services() -> None:
    """``store/`` never imports the facade, admin, the onboarding services, cli, service or testing.

    It persists what it is handed (changes, invitation values); what is built
    on the store (``open_authorizer``, the follower, the invitation service)
    lives above it.
    """
    above = ("rbac_kit.admin", "rbac_kit.cli", "rbac_kit.service", "rbac_kit.testing")

    def forbidden(_: str, target: str) -> bool:
        services = _within(target, "rbac_kit.onboarding") and not _within(
            target, *STORED_ONBOARDING
        )
        return _is_facade(target) or services or _within(target, *above)

    assert {} == _offenders("store", forbidden)


def test_only_one_module_imports_casbin() -> None:
    """pycasbin is used behind ``policy/casbin.py`` only."""
    assert ["policy/casbin.py"] == sorted(_offenders("", lambda _, t: _within(t, "casbin")))


def test_only_the_store_imports_sqlalchemy_and_alembic() -> None:
    """SQLAlchemy and Alembic stay under ``store/``."""
    importers = _offenders("", lambda _, t: _within(t, "sqlalchemy", "alembic"))
    assert {} == {f: names for f, names in importers.items() if not f.startswith("store/")}


def _private_elsewhere(importer: str, target: str) -> bool:
    """``target`` is in a private module (``_name``) of a package other than the importer's."""
    if not _within(target, "rbac_kit"):
        return False
    own = ".".join(importer.split(".")[:2])
    return not _within(target, own) and any(p.startswith("_") for p in target.split(".")[1:])


def test_the_applications_import_public_names_only() -> None:
    """``cli/``, ``service/`` and ``testing/`` use rbac_kit as its users do: public names only.

    They import from ``rbac_kit``, a subpackage or a public module
    (``rbac_kit.policy.casbin``), never from another package's private module.
    """
    found = {
        f: names
        for part in ("cli", "service", "testing")
        for f, names in _offenders(part, _private_elsewhere).items()
    }
    assert {} == found


# -- no cycles at import time ---------------------------------------------------------


def _graph() -> dict[str, set[str]]:
    """Which modules of rbac_kit each one imports when it is imported.

    ``from a.b import c`` depends on ``a.b.c`` when that is a module, else on
    ``a.b``; importing it first imports the packages ``a.b`` and ``a``, except
    those the importer is itself inside (they are already being imported).
    """
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for module, imports in _imports().items():
        edges: set[str] = set()
        for i in imports:
            if not i.at_import or not _within(i.target, "rbac_kit"):
                continue
            target = i.target if i.target in modules else i.target.rpartition(".")[0]
            edges.add(target)
            parent = target.rpartition(".")[0]
            while parent and not _within(module, parent):
                edges.add(parent)
                parent = parent.rpartition(".")[0]
        graph[module] = edges & modules.keys() - {module}
    return graph


def find_cycle(graph: Mapping[str, Set[str]]) -> list[str]:
    """A cycle of ``graph`` (its first node repeated at the end), or ``[]`` when there is none."""
    done: set[str] = set()
    for start in sorted(graph):
        if start in done:
            continue
        path = [start]
        branches = [iter(sorted(graph[start]))]
        while branches:
            node = next(branches[-1], None)
            if node is None:
                done.add(path.pop())
                branches.pop()
            elif node in path:
                return [*path[path.index(node) :], node]
            elif node not in done:
                path.append(node)
                branches.append(iter(sorted(graph.get(node, ()))))
    return []


def test_find_cycle_finds_one() -> None:
    """The cycle finder reports a cycle as the path around it, and nothing for a tree."""
    assert ["b", "c", "d", "b"] == find_cycle({"a": {"b"}, "b": {"c"}, "c": {"d"}, "d": {"b"}})
    assert [] == find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()})


def test_the_graph_follows_packages_and_skips_imports_that_wait() -> None:
    """Edges go to modules and the packages around them; not to a function's or a type's import."""
    graph = _graph()
    assert {"rbac_kit.model._directory", "rbac_kit.policy._policy", "rbac_kit.model"} <= graph[
        "rbac_kit.policy._compiler"
    ]
    assert "rbac_kit.policy.casbin" not in graph["rbac_kit.policy"]
    assert "rbac_kit.policy" not in graph["rbac_kit.policy._compiler"]


def test_no_import_cycles() -> None:
    """No module of rbac_kit imports, at import time, a module that imports it back."""
    assert [] == find_cycle(_graph())


# -- what importing loads ---------------------------------------------------------------


def _loaded(code: str) -> list[str]:
    """Which of :data:`ON_DEMAND` are loaded after running ``code`` in a fresh interpreter."""
    check = f"{code}\nimport sys\nprint(*[m for m in {ON_DEMAND!r} if m in sys.modules])"
    run = subprocess.run([sys.executable, "-c", check], check=True, capture_output=True, text=True)
    return run.stdout.split()


def test_the_check_sees_what_an_import_loads() -> None:
    """The store loads SQLAlchemy, the Casbin bridge pycasbin (so the next test can fail)."""
    assert ["casbin", "sqlalchemy"] == _loaded("import rbac_kit.policy.casbin, rbac_kit.store")


def test_importing_rbac_kit_loads_neither_casbin_nor_sqlalchemy() -> None:
    """``import rbac_kit`` and its in-memory subpackages leave pycasbin and SQLAlchemy unloaded."""
    in_memory = sorted(SUBPACKAGES - {"cli", "store"})
    assert [] == _loaded(f"import rbac_kit, {', '.join(f'rbac_kit.{p}' for p in in_memory)}")
