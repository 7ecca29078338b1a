"""The one error tree of rbac_kit.

Every exception the library raises on purpose inherits from
:class:`RbacKitError`::

    RbacKitError
    ├── InvalidInput          a value is malformed or outside what is allowed
    │   ├── UnknownAction     an action name that is not in the permission catalog
    │   ├── InvalidPolicy     policy lines the decision index cannot interpret
    │   └── ImportRejected    a CSV import with bad rows (``.errors``: every RowError)
    ├── NotFound              an id that names nothing
    ├── Conflict              the change collides with existing data
    ├── StoreUnavailable      the store cannot be opened or reached (no server, no driver,
    │                         a file that cannot be opened)
    └── AuthorizationError    a decision said no
        ├── Forbidden         the subject may not perform the action
        └── InvalidToken      an invitation token that is unknown, expired, revoked or used

Messages name the offending value and, where it helps, what would be valid.
A failed operation leaves every piece of data exactly as it was.
"""

from __future__ import annotations

import attrs

__all__ = [
    "INVALID_TOKEN_MESSAGE",
    "AuthorizationError",
    "Conflict",
    "Forbidden",
    "ImportRejected",
    "InvalidInput",
    "InvalidPolicy",
    "InvalidToken",
    "NotFound",
    "RbacKitError",
    "RowError",
    "StoreUnavailable",
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


@attrs.frozen(kw_only=True)
class RowError:
    """One problem with one row of a CSV import.

    Attributes:
        line: the line of the file the row starts on (the header is line 1).
        column: the column at fault, as the header names it; ``None`` when
            the row as a whole is wrong (e.g. a wrong number of cells).
        reason: what is wrong, naming the offending value (never a password).
    """

    line: int
    column: str | None
    reason: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.reason}"


class ImportRejected(InvalidInput):
    """A CSV import refused because of bad rows; nothing was changed.

    ``errors`` lists every bad row (a row may appear once per bad column),
    in file order. The message names how many and shows the first few.
    """

    #: How many row errors the message itself shows (all are in ``errors``).
    SHOWN = 10

    def __init__(self, errors: tuple[RowError, ...], *, summary: str) -> None:
        self.errors = errors
        shown = "".join(f"\n  {error}" for error in errors[: self.SHOWN])
        more = len(errors) - self.SHOWN
        tail = f"\n  ... and {more} more" if more > 0 else ""
        super().__init__(f"{summary}{shown}{tail}")


class NotFound(RbacKitError, LookupError):
    """An id names no entity."""


class Conflict(RbacKitError):
    """The change collides with existing data (a duplicate, a role in use, ...)."""


class StoreUnavailable(RbacKitError):
    """The store cannot be opened or reached; the message names the URL (password hidden)."""


class AuthorizationError(RbacKitError):
    """A decision denied an operation."""


class Forbidden(AuthorizationError):
    """The subject may not perform the action."""


class InvalidToken(AuthorizationError):
    """An invitation token that cannot be accepted: unknown, tampered, expired, revoked or used.

    Every such token gets the same message, :data:`INVALID_TOKEN_MESSAGE`, so
    the answer reveals neither which of these it was nor whether an account
    exists for any email address.
    """

    def __init__(self) -> None:
        super().__init__(INVALID_TOKEN_MESSAGE)


#: The one message of :class:`InvalidToken`.
INVALID_TOKEN_MESSAGE = "this invitation link is invalid or has expired"
