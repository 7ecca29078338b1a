"""Invitations in the database: rows, reads, writes and the email outbox."""
