"""Invitations: values, tokens, offers, the service, acceptance and delivery."""
