"""The caller's address, from the URI grpc gives as ``context.peer()``.

grpc writes peers as ``ipv4:127.0.0.1:5000``, ``ipv6:%5B2001:db8::1%5D:5000``
(the brackets percent-encoded, and a zone id's ``%`` as ``%25``) or ``unix:``
(an unnamed client socket, as most are). Splitting such text on colons gives
one key per connection or per encoding, so anything that counts callers by
address (login throttling) must parse it first.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote

# Peer.address is never longer: it ends up in database keys and log lines,
# and a real address or socket path is far shorter.
MAX_ADDRESS_LENGTH = 256

PeerKind = Literal["ipv4", "ipv6", "unix", "other"]


@dataclass(frozen=True)
class Peer:
    """A caller's address.

    ``address`` is the canonical IP text (``2001:db8::1``, ``fe80::1%eth0``;
    an IPv4-mapped IPv6 address is its IPv4 address), the unix socket path
    (``""`` for an unnamed socket, ``@name`` for an abstract one), or, for
    kind ``"other"``, the text grpc gave.
    """

    kind: PeerKind
    address: str
    port: int | None = None


def parse_peer(peer: str) -> Peer:
    """What ``peer`` (``context.peer()``) says; never raises, whatever the text."""
    scheme, colon, rest = peer.partition(":")
    scheme = scheme.lower()
    parsed: Peer | None = None
    if colon and scheme in ("ipv4", "ipv6"):
        parsed = _ip_peer(scheme, unquote(rest))
    elif colon and scheme == "unix":
        parsed = Peer("unix", unquote(rest))
    elif colon and scheme == "unix-abstract":
        # "@" marks an abstract name the way ss and /proc/net/unix do, so it
        # cannot be mistaken for a path.
        parsed = Peer("unix", "@" + unquote(rest))
    if parsed is None or len(parsed.address) > MAX_ADDRESS_LENGTH:
        return Peer("other", peer[:MAX_ADDRESS_LENGTH])
    return parsed


def _ip_peer(scheme: str, host_port: str) -> Peer | None:
    port_text: str | None
    if host_port.startswith("["):
        host, bracket, after = host_port[1:].partition("]")
        if not bracket or (after and not after.startswith(":")):
            return None
        port_text = after[1:] if after else None
    elif scheme == "ipv6" and _ip(host_port) is not None:
        # An unbracketed IPv6 address has colons of its own: only without a
        # port can it be told apart.
        host, port_text = host_port, None
    else:
        host, colon, after = host_port.rpartition(":")
        host, port_text = (host, after) if colon else (after, None)
    address = _ip(host)
    port = None if port_text is None else _port(port_text)
    if address is None or (port_text is not None and port is None):
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        # A dual-stack listener may see an IPv4 client this way; it is the
        # same client as when it arrives over IPv4.
        return Peer("ipv4", str(address.ipv4_mapped), port)
    kind: PeerKind = "ipv4" if address.version == 4 else "ipv6"
    if kind != scheme:
        return None
    return Peer(kind, str(address), port)


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _port(text: str) -> int | None:
    # int() would take "+1", " 1" and non-ASCII digits too, and raise on
    # thousands of digits.
    if not (len(text) <= 5 and text.isascii() and text.isdigit()):
        return None
    port = int(text)
    return port if port <= 65535 else None
