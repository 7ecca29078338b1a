"""Bringing people in: invitations by email and by link, CSV import and export, mail, passwords."""
