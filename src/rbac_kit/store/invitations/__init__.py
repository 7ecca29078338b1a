"""Invitations in the database: rows, reads, writes and the email outbox."""

from ._outbox import LEASE, MAX_ATTEMPTS, Claimed, Scope
from ._reads import COLUMNS
from ._records import InvitationStore

__all__ = ["COLUMNS", "LEASE", "MAX_ATTEMPTS", "Claimed", "InvitationStore", "Scope"]
