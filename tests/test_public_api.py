"""The public surface of ``rbac_kit`` and the one-way flow of imports (STYLE, points 1 and 2)."""

# STYLE: tests read `assert expected == actual`

from __future__ import annotations

import ast
import importlib
import pkgutil
import subprocess
import sys
import types
from pathlib import Path

import pytest

import rbac_kit
import rbac_kit.policy

SRC = Path(rbac_kit.__file__).parent

#: Names in the ``__all__`` of a private module that are deliberately not re-exported
#: from ``rbac_kit``, each with the reason.
INTERNAL = {
    "_acceptance": None,  # the steps of accepting; Invitations.accept is the public face
    "_builtin": {"OWNER"},  # BUILTIN_ROLE_IDS is the public list of built-in role ids
    "_catalog": {"check_action", "check_actions"},  # the catalog's own checks; level_of is public
    "_csv_safety": None,  # formula marks in CSV cells, behind export_csv and import_people
    "_delivery": None,  # sending the outbox; Invitations.deliver is the public face
    "_guards": None,  # every name: the checks Management runs before a change
    "_import_checks": None,  # the row checks behind import_people
    "_invitation_csv": None,  # the CSV writer behind Invitations.export_csv
    "_journal": {"Journal"},  # the undo log behind Directory.atomic()
    "_names": None,  # naming inside the policy; customer_id_subject is the public face
    "_offers": None,  # the checks Invitations runs on what an invitation offers
    "_tokens": None,  # minting and checking invitation tokens, behind Invitations
    "_validate": None,  # field checks behind the value objects' converters
}

#: Modules of the domain model: they import nothing from the policy, the store or the facade.
MODEL_MODULES = {
    "_builtin",
    "_catalog",
    "_directory",
    "_errors",
    "_invitation",
    "_journal",
    "_model",
    "_names",
    "_tokens",
    "_validate",
}


def _private_modules() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(rbac_kit.__path__) if m.name[0] == "_")


def test_all_is_sorted() -> None:
    """``__all__`` lists constants first, then classes and functions, each sorted (isort style)."""
    assert sorted(rbac_kit.__all__, key=lambda n: (not n.isupper(), n)) == rbac_kit.__all__
    assert len(set(rbac_kit.__all__)) == len(rbac_kit.__all__)


def test_all_names_every_public_attribute() -> None:
    """Every public, non-module attribute of the package is in ``__all__`` and vice versa."""
    public = {
        name
        for name in dir(rbac_kit)
        if not name.startswith("_") and not isinstance(getattr(rbac_kit, name), types.ModuleType)
    }
    assert sorted(public) == sorted(rbac_kit.__all__)


def test_deciding_does_not_import_the_store() -> None:
    """``import rbac_kit`` leaves SQLAlchemy unloaded until the store or Invitations is used."""
    code = (
        "import sys, rbac_kit\n"
        "assert 'sqlalchemy' not in sys.modules, 'sqlalchemy loaded'\n"
        "assert rbac_kit.Invitations.__name__ == 'Invitations'\n"
        "assert 'sqlalchemy' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("module", _private_modules())
def test_private_modules_export_their_public_names(module: str) -> None:
    """Each private module has an ``__all__``; its names are re-exported unless internal."""
    mod = importlib.import_module(f"rbac_kit.{module}")
    names = getattr(mod, "__all__", None)
    assert names is not None, f"rbac_kit.{module} has no __all__"
    assert [] == [n for n in names if not hasattr(mod, n)]
    internal = INTERNAL.get(module, set())
    expected = set() if internal is None else set(names) - internal
    assert [] == sorted(expected - set(rbac_kit.__all__))
    for name in expected:
        assert getattr(mod, name) is getattr(rbac_kit, name)


def test_policy_package_names_resolve() -> None:
    """The policy subpackage's ``__all__`` is sorted and names what it holds."""
    names = rbac_kit.policy.__all__
    assert sorted(names, key=lambda n: (not n.isupper(), n)) == names
    assert [] == [n for n in names if not hasattr(rbac_kit.policy, n)]


def test_every_public_name_has_a_docstring() -> None:
    """Every exported class and function says what it is for."""
    undocumented = [
        name
        for name in rbac_kit.__all__
        if isinstance(obj := getattr(rbac_kit, name), type | types.FunctionType)
        and not (obj.__doc__ or "").strip()
    ]
    assert [] == undocumented


# -- imports flow one way -------------------------------------------------------------


def _imports(path: Path) -> set[str]:
    """Absolute names of every module ``path`` imports (relative imports resolved)."""
    package = ["rbac_kit", *path.relative_to(SRC).parent.parts]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def _sources() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def _importers(*prefixes: str) -> set[str]:
    """Source files (relative to the package) importing any module under ``prefixes``."""
    return {
        path.relative_to(SRC).as_posix()
        for path in _sources()
        if any(m == p or m.startswith(p + ".") for m in _imports(path) for p in prefixes)
    }


def test_import_resolution_sees_relative_imports() -> None:
    """The checker resolves ``from ..x import y`` (so the rules below can fail)."""
    assert "rbac_kit.model._directory" in _imports(SRC / "policy" / "_compiler.py")
    assert "rbac_kit.policy._policy" in _imports(SRC / "policy" / "_compiler.py")
    assert "casbin" in _imports(SRC / "policy" / "casbin.py")


def test_policy_never_imports_the_store() -> None:
    """Nothing under ``rbac_kit/policy`` imports ``rbac_kit.store``."""
    assert set() == {f for f in _importers("rbac_kit.store") if f.startswith("policy/")}


def test_only_one_module_imports_casbin() -> None:
    """pycasbin is used behind ``policy/_casbin.py`` only."""
    assert {"policy/casbin.py"} == _importers("casbin")


def test_only_the_store_imports_sqlalchemy_and_alembic() -> None:
    """SQLAlchemy and Alembic stay under ``store/``."""
    assert set() == {f for f in _importers("sqlalchemy", "alembic") if not f.startswith("store/")}


def test_the_model_imports_neither_policy_nor_store_nor_facade() -> None:
    """The domain model is the bottom layer: it imports nothing built on it."""
    upward = _importers(
        "rbac_kit.policy", "rbac_kit.store", "rbac_kit._authorizer", "rbac_kit.policy._explain"
    )
    assert set() == {f for f in upward if Path(f).stem in MODEL_MODULES and "/" not in f}
