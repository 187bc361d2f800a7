"""Who is calling: the principal of the call being served.

Plugins never parse tokens. An authenticator (contributed through the
``register_authenticators`` hook) turns the bearer token of a call into a
:class:`Principal`; the host resolves it once per call, enforces the RPC's
declared access policy, and handlers read the caller with :func:`principal`.

Policies, declared per RPC at registration (``register(policies=...)``):

- ``public``: anyone; a valid token still yields a principal;
- ``authenticated``: any caller with a valid token;
- ``role:<name>``: a caller holding that role.

An RPC without a declared policy requires authentication (default deny).
"""

from __future__ import annotations

import contextvars
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from crm_host._server.peers import parse_peer

__all__ = [
    "AUTHENTICATED",
    "PUBLIC",
    "Authenticator",
    "Principal",
    "client_address",
    "principal",
    "role",
]


@dataclass(frozen=True)
class Principal:
    """An authenticated caller."""

    account_id: str
    roles: frozenset[str] = frozenset()
    # The credential the caller used (e.g. a session id), for logout.
    credential_id: str = ""

    def has_role(self, role: str) -> bool:
        return role in self.roles


Authenticator = Callable[[str], Awaitable[Principal | None]]
"""Resolves a bearer token to a principal, or None when the token is not valid."""

PUBLIC = "public"
AUTHENTICATED = "authenticated"
ROLE_PREFIX = "role:"


def role(name: str) -> str:
    """The policy that admits callers holding the role ``name``: ``"role:<name>"``."""
    return ROLE_PREFIX + name


_current: contextvars.ContextVar[Principal | None] = contextvars.ContextVar(
    "crm_host_principal", default=None
)


def principal(context: object) -> Principal | None:
    """The caller of the RPC that ``context`` belongs to; None when anonymous.

    Call it from the handler (or code it calls) while the RPC runs.
    """
    return _current.get()


def client_address(context: object) -> str:
    """Where the RPC that ``context`` belongs to comes from, for counting callers.

    The canonical IP address of the client (``192.0.2.1``, ``2001:db8::1``;
    an IPv4-mapped IPv6 address is its IPv4 address), ``unix:<path>`` for a
    unix socket client, or grpc's own text for anything else. Use it, not
    ``context.peer()``, whose text differs by encoding and includes the port.
    """
    peer_text = getattr(context, "peer", None)
    peer = parse_peer(str(peer_text()) if callable(peer_text) else "")
    return f"unix:{peer.address}" if peer.kind == "unix" else peer.address


def act_as(caller: Principal | None) -> contextvars.Token[Principal | None]:
    """Make ``caller`` what :func:`principal` returns until :func:`stop_acting` (host only)."""
    return _current.set(caller)


def stop_acting(token: contextvars.Token[Principal | None]) -> None:
    _current.reset(token)
