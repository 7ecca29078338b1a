"""Names: subjects, access-list targets and policy pieces, parsed in this one place.

A person is named ``<kind>:<id>``: ``user:ann`` or ``customer:c-1`` (so a user
and a customer never collide); an API's access list also names groups,
``group:ops``; a gateway asks by Customer ID as ``cid:<Customer ID>``.
Everywhere else these names travel as the plain strings decisions take; a
name that comes from outside is parsed with :meth:`Subject.parse`, and code
that needs the kind or the id of a name it already trusts asks
:func:`split_name`. Nothing else splits names.

A :class:`PolicyOwner` names one piece of the compiled policy: the lines of
one role, subject, group or API of a workspace (see ``policy/_compiler.py``).

Inside the compiled policy every name carries its kind as a prefix too:
``role:owner`` a role, ``group:ops`` a group, ``env:production`` an
environment, ``traffic:<Customer ID>`` a Customer ID as seen in traffic. An
API's object is ``<workspace>/<api id>``; a workspace's object is its id.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, NamedTuple, TypeAlias
from urllib.parse import quote

import attrs

from .._errors import InvalidInput
from . import _validate as v

__all__ = [
    "PERSON_KINDS",
    "TARGET_KINDS",
    "OwnerKind",
    "PolicyOwner",
    "Subject",
    "api_object",
    "customer_id_subject",
    "encode_customer_id",
    "env_node",
    "group_node",
    "role_node",
    "split_name",
    "subject_name",
    "traffic_node",
]

#: The kinds of a person's name.
PERSON_KINDS = ("user", "customer")
#: The kinds an API's access list names.
TARGET_KINDS = ("user", "customer", "group")

#: What a piece of the compiled policy belongs to.
OwnerKind: TypeAlias = Literal["role", "subject", "group", "api"]


class PolicyOwner(NamedTuple):
    """One piece of the compiled policy: ``PolicyOwner("subject", "acme", "user:ann")``."""

    #: ``role``, ``subject``, ``group`` or ``api``.
    kind: OwnerKind
    #: The workspace the piece belongs to.
    workspace: str
    #: The role, group or API id, or the subject's name.
    id: str


def split_name(name: str) -> tuple[str, str]:
    """``("user", "ann")`` for ``"user:ann"``; ``("", name)`` for a name without a kind."""
    kind, sep, ident = name.partition(":")
    return (kind, ident) if sep else ("", name)


def _alternatives(kinds: Sequence[str]) -> str:
    names = [f"'{kind}:<id>'" for kind in kinds]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


@attrs.frozen
class Subject:
    """A name of a person (or, as an access-list target, of a group), parsed."""

    #: ``user``, ``customer`` or ``group``.
    kind: str
    #: The id within its kind.
    id: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}"

    @classmethod
    def parse(
        cls, name: object, *, kinds: Sequence[str] = PERSON_KINDS, what: str = "subject"
    ) -> Subject:
        """Parse ``name`` (``"user:ann"``) as one of ``kinds``.

        Raises:
            InvalidInput: naming ``what`` the name was for and the forms allowed.
        """
        kind, ident = split_name(name) if isinstance(name, str) else ("", "")
        if kind not in kinds or not ident:
            shown = repr(name) if isinstance(name, str) else type(name).__name__
            raise InvalidInput(f"{what} {shown} must be {_alternatives(kinds)}")
        return cls(kind, ident)


def subject_name(kind: str, id: str) -> str:
    """The name a person goes by in policies and decisions, e.g. ``user:u-1``."""
    return f"{kind}:{id}"


def customer_id_subject(customer_id: str) -> str:
    """The subject name a gateway uses to ask about a customer by its Customer ID.

    The Customer ID is percent-encoded (only characters outside
    ``A-Z a-z 0-9 - _ . ~ @ :`` change, and ``%`` itself), so any Customer ID is
    safe inside a Casbin CSV line, and two different Customer IDs never share
    a name. The answer applies within the workspace of the object asked about.
    """
    return "cid:" + encode_customer_id(v.customer_id("customer_id", customer_id))


#: Characters kept as they are when a Customer ID is written into a name.
_SAFE = "-_.~@:"


def encode_customer_id(customer_id: str) -> str:
    """Percent-encode a Customer ID so it is safe in a Casbin CSV line."""
    return quote(customer_id, safe=_SAFE)


def role_node(role_id: str) -> str:
    """``role:<id>``."""
    return f"role:{role_id}"


def group_node(group_id: str) -> str:
    """``group:<id>``."""
    return f"group:{group_id}"


def env_node(environment: str) -> str:
    """``env:<environment>``."""
    return f"env:{environment}"


def traffic_node(customer_id: str) -> str:
    """``traffic:<encoded Customer ID>``: the Customer ID as recorded on APIs."""
    return f"traffic:{encode_customer_id(customer_id)}"


def api_object(workspace: str, api_id: str) -> str:
    """``<workspace>/<api id>``: the object decisions name an API by."""
    return f"{workspace}/{api_id}"
