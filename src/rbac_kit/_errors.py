"""The one error tree of rbac_kit.

Every exception the library raises on purpose inherits from
:class:`RbacKitError`::

    RbacKitError
    ├── InvalidInput          a value is malformed or outside what is allowed
    │   ├── UnknownAction     an action name that is not in the permission catalog
    │   └── InvalidPolicy     policy lines the decision index cannot interpret
    ├── NotFound              an id that names nothing
    ├── Conflict              the change collides with existing data
    └── AuthorizationError    a decision said no
        └── Forbidden         the subject may not perform the action

Messages name the offending value and, where it helps, what would be valid.
A failed operation leaves every piece of data exactly as it was.
"""

from __future__ import annotations

__all__ = [
    "AuthorizationError",
    "Conflict",
    "Forbidden",
    "InvalidInput",
    "InvalidPolicy",
    "NotFound",
    "RbacKitError",
    "UnknownAction",
]


class RbacKitError(Exception):
    """Root of every error rbac_kit raises."""


class InvalidInput(RbacKitError, ValueError):
    """A value is malformed or outside what is allowed."""


class UnknownAction(InvalidInput):
    """An action (permission) name that the catalog does not hold.

    Asking about an unknown action is a programming error, never a silent deny.
    """


class InvalidPolicy(InvalidInput):
    """Policy lines that do not have the shape the compiler writes."""


class NotFound(RbacKitError, LookupError):
    """An id names no entity."""


class Conflict(RbacKitError):
    """The change collides with existing data (a duplicate, a role in use, ...)."""


class AuthorizationError(RbacKitError):
    """A decision denied an operation."""


class Forbidden(AuthorizationError):
    """The subject may not perform the action."""
