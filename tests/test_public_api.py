"""The public surface of ``rbac_kit`` and of its subpackages (STYLE, point 2).

Each package re-exports the public names of its private modules with a
sorted ``__all__``; ``rbac_kit`` names the few a host application needs, each
the same object its subpackage exports. The flow of imports between them is
``test_architecture.py``'s.
"""

# STYLE: tests read `assert expected == actual`

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
import types
from pathlib import Path

import pytest

import rbac_kit

SRC = Path(rbac_kit.__file__).parent

#: Packages that define their own public names rather than re-export private modules'.
SELF_CONTAINED = {
    "rbac_kit.cli",  # the command line: its one public name is main
    "rbac_kit.testing",  # helpers for users' tests, and the public modules beside them
}

#: Names in the ``__all__`` of a private module that its package need not re-export,
#: each with the reason; ``None``: none of them.
INTERNAL: dict[str, set[str] | None] = {
    "_errors": {"INVALID_TOKEN_MESSAGE"},  # what a bad token says; rbac_kit.onboarding has it
    "_lazy": None,  # the first-use import behind Invitations in three packages
    "admin._guards": None,  # every name: the checks Management runs before a change
    "model._builtin": {"OWNER"},  # BUILTIN_ROLE_IDS is the public list of built-in role ids
    "model._catalog": {"check_actions"},  # check_action over a set, for Role's converter
    # times and structuring, for the rows the store keeps and the mail it queues
    "model._convert": {"as_utc", "format_time", "parse_time", "structure"},
    "model._journal": None,  # the undo log behind Directory.atomic()
    # naming inside the policy, behind the compiler; Subject and split_name are the public face
    "model._subjects": {
        "PERSON_KINDS",
        "TARGET_KINDS",
        "OwnerKind",
        "api_object",
        "encode_customer_id",
        "env_node",
        "group_node",
        "role_node",
        "traffic_node",
    },
    "model._validate": None,  # field checks behind the value objects' converters
    "onboarding.csv._checks": None,  # the row checks behind import_people
    "onboarding.csv._safety": None,  # formula marks in CSV cells, behind export and import
    "onboarding.invitations._acceptance": None,  # accepting; Invitations.accept is the face
    "onboarding.invitations._csv": None,  # the CSV writer behind Invitations.export_csv
    "onboarding.invitations._delivery": None,  # sending the outbox; Invitations.deliver
    "onboarding.invitations._offers": None,  # the checks Invitations runs on an offer
    "onboarding.invitations._tokens": None,  # minting and checking tokens, behind Invitations
    "policy._compiler": {"ENV_ALL"},  # the node every API links to besides its environment
    "policy._records": None,  # the index's own records and their upkeep
    "policy._shape": None,  # the line checks behind DecisionIndex
    "service._metrics": None,  # the counters behind DecisionService's /metrics
    "store._announce": None,  # waiting for the next change, behind Store.announcements
    "store._url": None,  # the URL checks behind Store.open; shown is re-exported as shown_url
    "store._engine": None,  # engines and transactions behind Store
    "store._load": None,  # reading a directory out of the tables, behind Store
    "store._migrate": None,  # Alembic behind Store.open; VERSION_TABLE is re-exported
    "store._owners": None,  # policy owners to table rows, behind the sink and the loader
    "store._replay": None,  # audit events replayed, behind Follower
    "store._rows": None,  # value objects to rows and back, in one place
    "store._rules": None,  # the casbin_rule table kept in step, behind Store
    "store._schema": None,  # the row classes; Base (the metadata) is re-exported
    "store._sink": None,  # writing a change, behind Store
    "store._statements": None,  # the SQL statements the sink and the loader run
    "store.invitations._outbox": None,  # SQL behind InvitationStore; its limits are re-exported
    "store.invitations._reads": None,  # reads behind InvitationStore; COLUMNS is re-exported
    "store.invitations._writes": None,  # changes as extra writes, behind Invitations
    "store.lists._kinds": {"KINDS", "Column", "Filter", "Kind", "binary", "named", "one_of"},
    "store.lists._run": {"list_page"},  # running a query; Store.list is the public face
}

#: The packages a top-level name may come from besides rbac_kit's own modules.
SUBPACKAGES = ("rbac_kit.model", "rbac_kit.policy", "rbac_kit.admin", "rbac_kit.onboarding")

#: What a host application needs at the top; everything else from its subpackage.
TOP_LEVEL_AT_MOST = 40


def _packages() -> list[str]:
    """``rbac_kit`` and every package in it."""
    return sorted(
        ".".join(("rbac_kit", *init.parent.relative_to(SRC).parts))
        for init in SRC.rglob("__init__.py")
    )


def _reexporting() -> list[str]:
    return [p for p in _packages() if p not in SELF_CONTAINED]


def _private_modules() -> list[str]:
    """The private modules of the re-exporting packages, as ``package:module``."""
    return [
        f"{package}:{m.name}"
        for package in _reexporting()
        for m in pkgutil.iter_modules(importlib.import_module(package).__path__)
        if m.name[0] == "_" and not m.ispkg
    ]


def _is_sorted(names: list[str]) -> bool:
    """Constants first, then classes and functions, each sorted (isort style)."""
    return sorted(names, key=lambda n: (not n.isupper(), n)) == names


@pytest.mark.parametrize("package", _packages())
def test_all_is_sorted_and_resolves(package: str) -> None:
    """Each package's ``__all__`` is sorted (isort style), without repeats, naming what it holds."""
    names = importlib.import_module(package).__all__
    assert _is_sorted(names)
    assert len(set(names)) == len(names)
    assert [] == [n for n in names if not hasattr(importlib.import_module(package), n)]


@pytest.mark.parametrize("package", _reexporting())
def test_all_names_every_public_attribute(package: str) -> None:
    """Every public, non-module attribute of a package is in its ``__all__`` and vice versa."""
    mod = importlib.import_module(package)
    public = {
        name
        for name in dir(mod)
        if not name.startswith("_") and not isinstance(getattr(mod, name), types.ModuleType)
    }
    assert sorted(mod.__all__) == sorted(public)


@pytest.mark.parametrize("module", _private_modules())
def test_private_modules_export_their_public_names(module: str) -> None:
    """Each private module has an ``__all__``; its package re-exports those names if public."""
    package, _, name = module.partition(":")
    mod = importlib.import_module(f"{package}.{name}")
    names = getattr(mod, "__all__", None)
    assert names is not None, f"{package}.{name} has no __all__"
    assert [] == [n for n in names if not hasattr(mod, n)]
    internal = INTERNAL.get(f"{package}.{name}".removeprefix("rbac_kit."), set())
    expected = set() if internal is None else set(names) - internal
    pkg = importlib.import_module(package)
    assert [] == sorted(expected - set(pkg.__all__))
    assert [] == sorted(n for n in expected if getattr(mod, n) is not getattr(pkg, n))


def test_internal_names_private_modules_that_exist() -> None:
    """Every module :data:`INTERNAL` speaks of is a private module of a re-exporting package."""
    modules = {m.replace(":", ".").removeprefix("rbac_kit.") for m in _private_modules()}
    assert [] == sorted(set(INTERNAL) - modules)


def test_the_top_level_is_small() -> None:
    """``rbac_kit`` names what a host application needs, at most about 40 names."""
    assert len(rbac_kit.__all__) <= TOP_LEVEL_AT_MOST


def test_top_level_names_are_their_subpackages_own() -> None:
    """Each top-level name is the very object its own module or subpackage exports."""
    homes = {
        name: [
            package
            for package in SUBPACKAGES
            if getattr(importlib.import_module(package), name, None) is getattr(rbac_kit, name)
        ]
        for name in rbac_kit.__all__
    }
    own = {
        name
        for module in ("_authorizer", "_errors", "_persistent", "_reads")
        for name in importlib.import_module(f"rbac_kit.{module}").__all__
    }
    assert [] == sorted(name for name, found in homes.items() if not found and name not in own)


@pytest.mark.parametrize("package", _packages())
def test_every_public_name_has_a_docstring(package: str) -> None:
    """Every exported class and function says what it is for."""
    mod = importlib.import_module(package)
    undocumented = [
        name
        for name in mod.__all__
        if isinstance(obj := getattr(mod, name), type | types.FunctionType)
        and not (obj.__doc__ or "").strip()
    ]
    assert [] == undocumented


def test_invitations_is_imported_on_first_use() -> None:
    """``Invitations`` needs the store: the packages offering it load SQLAlchemy when asked only."""
    code = (
        "import sys, rbac_kit, rbac_kit.onboarding as o, rbac_kit.onboarding.invitations as i\n"
        "assert 'sqlalchemy' not in sys.modules, 'sqlalchemy loaded'\n"
        "assert rbac_kit.Invitations is o.Invitations is i.Invitations\n"
        "assert i.Invitations.__name__ == 'Invitations'\n"
        "assert 'sqlalchemy' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
