"""What the guards ask of the state they check: decisions and the directory.

The guards of ``_guards.py`` need to ask ``can`` (with its explanation for
the message) and to read entities; they do not need the rest of the
:class:`~rbac_kit.Authorizer`. :class:`Decider` is that much, so a guard can
be run (and tested) against anything that answers it.
"""

from __future__ import annotations

from typing import Final, Protocol, TypeAlias, final

from ..model._directory import Directory
from ..policy._explain import Explanation

__all__ = ["SYSTEM", "Actor", "Decider", "SystemActor"]


@final
class SystemActor:
    """The type of :data:`SYSTEM`; there is one instance."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "SYSTEM"

    def __str__(self) -> str:
        return "system"


#: The trusted actor: the host itself, for bootstrapping, loading and recording
#: traffic. Operations called with it skip every "who may" check (permission,
#: escalation, own role) and keep every rule of the data (existence, uniqueness,
#: the Owner role, the last Owner). It is an object, not a string: no name that
#: reaches the host from outside (a form, a header, ``--as system``) can become
#: it, and ``"system"`` as an actor is an unknown subject like any other. The
#: audit log names it ``system``. Never pass it on behalf of a signed-in person.
SYSTEM: Final = SystemActor()

#: Who makes a change: a subject name (``"user:ann"``) or :data:`SYSTEM`.
Actor: TypeAlias = str | SystemActor


class Decider(Protocol):
    """Decisions with their reasons, and the entities they are made on."""

    @property
    def directory(self) -> Directory:
        """The entities."""
        ...

    def can(self, subject: str, action: str, obj: str) -> bool:
        """True if ``subject`` may perform ``action`` on ``obj``."""
        ...

    def explain(self, subject: str, action: str, obj: str) -> Explanation:
        """The decision with its reasons."""
        ...
