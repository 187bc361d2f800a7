"""The client behind trusted proxies: X-Forwarded-For and Forwarded, believed only from them.

A proxy (a load balancer, an ingress, Envoy) makes every client look like
the proxy itself, so anything that counts callers by address (the login
throttle) would lump them all together. The proxy names the client in a
header; anybody else can send the same header to pose as another client.
So the header is read only when the direct peer is in a configured trusted
network, and then from the right: each hop appended it, the rightmost entry
was written by the trusted proxy itself, and the first entry (from the
right) that is not itself a trusted proxy is the client. An entry that is
not an IP address (``unknown``, an obfuscated name) stops the walk at the
hop that wrote it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from typing import Any

from crm_host._server.peers import parse_peer

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Hops examined from the right; a real chain is a handful.
MAX_HOPS = 16


class TrustedProxies:
    """Works out a call's client peer from its direct peer and its metadata."""

    def __init__(self, networks: Sequence[IPNetwork]) -> None:
        self._networks = tuple(networks)

    def __bool__(self) -> bool:
        return bool(self._networks)

    def trusts(self, address: IPAddress) -> bool:
        return any(address in network for network in self._networks)

    def client_peer(self, peer: str, metadata: Sequence[tuple[str, Any]] | None) -> str:
        """``peer`` (grpc's peer text), or the client a trusted proxy names, as peer text."""
        direct = parse_peer(peer)
        if direct.kind not in ("ipv4", "ipv6"):
            return peer
        current = ipaddress.ip_address(direct.address.partition("%")[0])
        if not self.trusts(current):
            return peer
        hops = _hops(metadata)
        for hop in reversed(hops[-MAX_HOPS:]):
            address = _address(hop)
            if address is None:
                break
            current = address
            if not self.trusts(current):
                break
        if str(current) == direct.address:
            return peer
        if current.version == 6:
            return f"ipv6:[{current}]"
        return f"ipv4:{current}"


def _hops(metadata: Sequence[tuple[str, Any]] | None) -> list[str]:
    """The addresses proxies appended, oldest first: Forwarded's ``for=``, else X-Forwarded-For."""
    forwarded: list[str] = []
    forwarded_for: list[str] = []
    for key, value in metadata or ():
        if not isinstance(value, str):
            continue
        if key == "forwarded":
            for element in value.split(","):
                for pair in element.split(";"):
                    name, equals, text = pair.strip().partition("=")
                    if equals and name.strip().lower() == "for":
                        forwarded.append(text.strip().strip('"'))
        elif key == "x-forwarded-for":
            forwarded_for.extend(item.strip() for item in value.split(","))
    return forwarded or forwarded_for


def _address(hop: str) -> IPAddress | None:
    """The IP address of one hop: ``192.0.2.1``, ``192.0.2.1:4711``, ``[2001:db8::1]:4711``."""
    text = hop
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address
