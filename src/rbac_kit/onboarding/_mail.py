"""Sending invitation emails: a small :class:`Sender` protocol and its implementations.

A sender sends (:meth:`Sender.send`) and names its configuration
(:attr:`Sender.channel`, e.g. ``smtp://mail.example.com:587/mailer``): each
queued email records the channel of the service that queued it, and only a
deliverer with the same channel sends it (see ``docs/onboarding.md``,
"Delivery and channels").

- :class:`SmtpSender`: the standard library's SMTP client, with STARTTLS (or
  implicit TLS) and login, for real use; it never logs in over a plain
  connection unless told to (``allow_plaintext_login``, for a local relay);
- :class:`OutboxFolderSender`: writes each message as an ``.eml`` file into a
  folder, the embedded default (open the files with any mail client);
- :class:`ConsoleSender`: prints each message to a stream (standard error by
  default), for trying things out with no mail set up;
- :class:`MemorySender`: keeps messages in a list, the in-memory twin for tests.

The message itself is built here too (:func:`invitation_message`), with the
accept link made from the configured base URL (:func:`accept_url`) and never
from anything a request carried, so a forged Host header cannot redirect a
token to someone else's server.
"""

from __future__ import annotations

import datetime as dt
import os
import smtplib
import ssl
import sys
import threading
import uuid
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import IO, Any, Literal, Protocol, runtime_checkable
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import attrs

from .._errors import InvalidInput
from ..model._convert import structure

__all__ = ["ConsoleSender", "MemorySender", "OutboxFolderSender", "Sender", "SmtpSender"]

#: How an :class:`SmtpSender` secures its connection.
Security = Literal["starttls", "tls", "none"]
_SECURITY = ("starttls", "tls", "none")


@runtime_checkable
class Sender(Protocol):
    """Sends one email message; raises if it could not (the outbox retries it later).

    :attr:`channel` names the configuration the messages go through. It is
    stored with every email queued through this sender, and a retry goes
    through a sender with the same channel only, so two configurations (two
    SMTP accounts, two outbox folders) never send each other's mail.
    """

    @property
    def channel(self) -> str:
        """A stable, non-empty name of this sender's configuration, never holding a secret.

        Two senders with the same channel must deliver to the same place
        (``smtp://<host>:<port>/<user>``, ``outbox:<absolute folder>``, ...).
        """

    def send(self, message: EmailMessage) -> None:
        """Hand ``message`` on for delivery."""


def check_channel(sender: object) -> str:
    """The channel of ``sender``, checked: a non-empty string without control characters.

    Raises:
        InvalidInput: naming the sender and what a channel must be.
    """
    channel = getattr(sender, "channel", None)
    if (
        not isinstance(channel, str)
        or not channel.strip()
        or any(ord(ch) < 32 or ord(ch) == 127 for ch in channel)
    ):
        raise InvalidInput(
            f"sender {sender!r} has channel {channel!r}: a sender's channel must be a "
            "non-empty string without control characters naming its configuration, "
            "e.g. 'smtp://mail.example.com:587/mailer'"
        )
    return channel


class SmtpSender:
    """Sends through an SMTP server with :mod:`smtplib`.

    Args:
        host: the server's name or address.
        port: 587 for STARTTLS, 465 for implicit TLS, 25 for none.
        security: ``starttls`` (upgrade the connection; the default), ``tls``
            (TLS from the first byte) or ``none`` (a plain connection, e.g. a
            relay on localhost).
        username, password: log in when both are given (after TLS is up).
        timeout: seconds to wait for the server.
        ssl_context: the TLS settings (default: the system's trusted CAs, with
            certificate and host name checks).
        allow_plaintext_login: with ``security="none"``, log in anyway, the
            password crossing the network in clear text. Only for a relay on
            localhost; without it, a username with ``security="none"`` is refused.

    Raises:
        InvalidInput: an empty host, a port outside 1 to 65535, an unknown
            security mode, half a login, or a login over a plain connection
            not explicitly allowed.
    """

    def __init__(
        self,
        host: str,
        port: int = 587,
        *,
        security: Security = "starttls",
        username: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
        ssl_context: ssl.SSLContext | None = None,
        allow_plaintext_login: bool = False,
    ) -> None:
        if not isinstance(host, str) or not host.strip():
            raise InvalidInput(f"SMTP host must be a non-empty string, got {host!r}")
        if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
            raise InvalidInput(f"SMTP port must be a number from 1 to 65535, got {port!r}")
        if security not in _SECURITY:
            raise InvalidInput(f"SMTP security {security!r} is not one of: {', '.join(_SECURITY)}")
        if (username is None) != (password is None):
            raise InvalidInput("give both an SMTP username and a password, or neither")
        if username is not None and security == "none" and allow_plaintext_login is not True:
            raise InvalidInput(
                f"SMTP login as {username!r} over a plain connection (security='none') would "
                "send the password in clear text: use security='starttls' or 'tls', or, only "
                "for a relay on localhost, pass allow_plaintext_login=True "
                "(--smtp-allow-plaintext-login)"
            )
        self.host = host.strip()
        self.port = port
        self.security: Security = security
        self.username = username
        self._password = password
        self.timeout = timeout
        self._context = ssl_context

    def __repr__(self) -> str:
        return f"SmtpSender({self.host!r}, {self.port}, security={self.security!r})"

    @property
    def channel(self) -> str:
        """``smtp://<host>:<port>/<user>`` (the user percent-encoded; empty without a login)."""
        host = self.host.lower()
        if ":" in host:  # an IPv6 address
            host = f"[{host}]"
        return f"smtp://{host}:{self.port}/{quote(self.username or '', safe='')}"

    def send(self, message: EmailMessage) -> None:
        """Connect, secure the connection, log in if configured, and send ``message``."""
        context = self._context or ssl.create_default_context()
        smtp: smtplib.SMTP
        if self.security == "tls":
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with smtp:
            if self.security == "starttls":
                smtp.starttls(context=context)
            if self.username is not None and self._password is not None:
                smtp.login(self.username, self._password)
            smtp.send_message(message)


class OutboxFolderSender:
    """Writes each message as an ``.eml`` file into ``folder`` (created when missing).

    Files are named ``<UTC time>-<random>.eml``, so they list in the order
    they were written, and appear whole: each is written to a hidden
    temporary file first and renamed into place. The folder is resolved to
    an absolute path when the sender is made: that is where the files go,
    and what its channel (``outbox:<path>``) names.
    """

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)
        # Resolved once: a relative folder names the same place however the
        # working directory changes later, and so does the channel.
        self._absolute = self.folder.resolve()

    def __repr__(self) -> str:
        return f"OutboxFolderSender({str(self.folder)!r})"

    @property
    def channel(self) -> str:
        """``outbox:<the folder's absolute path>``, as resolved when the sender was made."""
        return f"outbox:{self._absolute}"

    def send(self, message: EmailMessage) -> None:
        """Write ``message`` into the folder."""
        folder = self._absolute  # the place the channel names
        folder.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
        name = f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
        temporary = folder / f".{name}.tmp"
        temporary.write_bytes(message.as_bytes())
        os.replace(temporary, folder / name)


class ConsoleSender:
    """Prints each message, its headers and decoded text, to ``stream`` (standard error
    when None).

    Standard error by default, so a command's own output (a table, JSON) on
    standard output stays clean. Each message ends with a separator line.
    """

    SEPARATOR = "-" * 72

    def __init__(self, stream: IO[str] | None = None) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return "ConsoleSender()"

    @property
    def channel(self) -> str:
        """``console``."""
        return "console"

    def send(self, message: EmailMessage) -> None:
        """Write ``message`` as text to the stream."""
        stream = self._stream if self._stream is not None else sys.stderr
        headers = [
            f"{name}: {value}"
            for name, value in message.items()
            if not name.lower().startswith(("content-", "mime-"))
        ]
        part = message.get_body(preferencelist=("plain",))
        body = part.get_content() if part is not None else str(message.get_payload())
        with self._lock:
            stream.write("\n".join(headers) + f"\n\n{body.rstrip()}\n{self.SEPARATOR}\n")
            stream.flush()


class MemorySender:
    """Keeps every message sent in :attr:`messages` (the in-memory twin, for tests)."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self._lock = threading.Lock()

    @property
    def channel(self) -> str:
        """``memory:<id of this sender>``: another MemorySender never sends its mail."""
        return f"memory:{id(self)}"

    def send(self, message: EmailMessage) -> None:
        """Append ``message`` to :attr:`messages`."""
        with self._lock:
            self.messages.append(message)


# -- the message -------------------------------------------------------------------


def check_base_url(value: object) -> str:
    """Check the base URL accept links are built from: absolute http(s), no fragment.

    Raises:
        InvalidInput: naming what is wrong.
    """
    if not isinstance(value, str):
        raise InvalidInput(f"base URL must be a string, got {type(value).__name__}")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidInput(
            f"base URL {value!r} must be an absolute http(s) URL, e.g. "
            "https://app.example.com/invitations/accept"
        )
    if parts.fragment or any(ch.isspace() for ch in value):
        raise InvalidInput(f"base URL {value!r} must have no fragment and no spaces")
    return value


def accept_url(base_url: str, token: str) -> str:
    """``base_url`` with ``token=<token>`` added to its query (other parameters kept)."""
    parts = urlsplit(base_url)
    query = [(k, val) for k, val in parse_qsl(parts.query, keep_blank_values=True) if k != "token"]
    query.append(("token", token))
    return urlunsplit(parts._replace(query=urlencode(query)))


def check_sender_address(value: object) -> str:
    """Check a From address: ``name@host`` with no spaces or control characters.

    Looser than an invitee's address (``rbac-kit@localhost`` is fine), but
    never anything that could add a header line.
    """
    if not isinstance(value, str) or "@" not in value.strip("@"):
        raise InvalidInput(f"From address {value!r} must look like name@host")
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise InvalidInput(f"From address {value!r} must have no spaces or control characters")
    return value


#: What a message says for a name its stored context lacks.
_PLACEHOLDERS = {"workspace_name": "a workspace", "inviter": "Someone", "role_name": "a member"}


@attrs.frozen(kw_only=True)
class MessageContext:
    """What an invitation email says besides its link: who invited, to what, as what.

    An outbox row keeps it as ``to_jsonable(context)`` writes it (the library's
    one converter, ``model/_convert.py``): ``{"workspace_name", "inviter",
    "role_name"}``; :meth:`from_dict` reads it back.
    """

    workspace_name: str
    inviter: str
    role_name: str

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> MessageContext:
        """The context an outbox row keeps.

        A missing, empty or non-text name reads as a placeholder ("a
        workspace", "Someone", "a member"), so a damaged row still gets its email.
        """
        filled = {
            field: value if isinstance(value := values.get(field), str) and value else placeholder
            for field, placeholder in _PLACEHOLDERS.items()
        }
        return structure(filled, cls)


def invitation_message(
    *,
    sender: str,
    to: str,
    context: MessageContext,
    url: str,
    expires_at: dt.datetime,
) -> EmailMessage:
    """The email inviting ``to``: plain text, with the accept link and when it expires."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = f"You are invited to join {context.workspace_name}"
    message["Date"] = format_datetime(dt.datetime.now(dt.UTC))
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2])
    when = expires_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    message.set_content(
        f"{context.inviter} invited you to join {context.workspace_name} "
        f"as {context.role_name}.\n\n"
        f"Accept the invitation here:\n{url}\n\n"
        f"The link works until {when}, for you only.\n"
        "If you were not expecting this invitation, you can ignore this email.\n"
    )
    return message
