"""parse_peer: grpc's peer URIs, as grpc writes them and as nobody should."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from crm_host._server.peers import MAX_ADDRESS_LENGTH, Peer, parse_peer

TABLE = [
    # What grpc 1.85 reports (seen over real sockets in tests/test_peer_addresses.py).
    ("ipv4:127.0.0.1:5000", Peer("ipv4", "127.0.0.1", 5000)),
    ("ipv4:192.0.2.1:54064", Peer("ipv4", "192.0.2.1", 54064)),
    ("ipv6:%5B2001:db8::1%5D:5000", Peer("ipv6", "2001:db8::1", 5000)),
    ("ipv6:%5B::1%5D:53724", Peer("ipv6", "::1", 53724)),
    ("ipv6:%5Bfe80::1%251%5D:60594", Peer("ipv6", "fe80::1%1", 60594)),
    ("unix:", Peer("unix", "")),
    # Percent-encoding in any case; older grpc left the brackets as they are.
    ("ipv6:%5b2001:db8::1%5d:5000", Peer("ipv6", "2001:db8::1", 5000)),
    ("ipv6:[2001:db8::1]:5000", Peer("ipv6", "2001:db8::1", 5000)),
    ("ipv6:[::1]:5000", Peer("ipv6", "::1", 5000)),
    ("IPv6:%5B::1%5D:5000", Peer("ipv6", "::1", 5000)),
    # The canonical text: one spelling per address, so one throttling count.
    ("ipv6:%5B2001:0DB8:0000:0000:0000:0000:0000:0001%5D:1", Peer("ipv6", "2001:db8::1", 1)),
    ("ipv6:%5B2001:db8:0:0:1:0:0:1%5D:1", Peer("ipv6", "2001:db8::1:0:0:1", 1)),
    # Zone ids: "%25" is an encoded "%", by interface index or name.
    ("ipv6:%5Bfe80::1%25eth0%5D:5000", Peer("ipv6", "fe80::1%eth0", 5000)),
    ("ipv6:[fe80::1%25eth0]:5000", Peer("ipv6", "fe80::1%eth0", 5000)),
    # IPv4-mapped IPv6 is the IPv4 client it maps, as grpc itself reports it.
    ("ipv6:%5B::ffff:1.2.3.4%5D:5000", Peer("ipv4", "1.2.3.4", 5000)),
    ("ipv6:[::ffff:102:304]:5000", Peer("ipv4", "1.2.3.4", 5000)),
    # No port, and the edges of the port range.
    ("ipv4:10.0.0.1", Peer("ipv4", "10.0.0.1")),
    ("ipv6:%5B::1%5D", Peer("ipv6", "::1")),
    ("ipv6:2001:db8::1", Peer("ipv6", "2001:db8::1")),
    ("ipv4:10.0.0.1:0", Peer("ipv4", "10.0.0.1", 0)),
    ("ipv6:[::1]:65535", Peer("ipv6", "::1", 65535)),
    # Unix sockets: a path (percent-decoded), none, or an abstract name.
    ("unix:/run/crm/host.sock", Peer("unix", "/run/crm/host.sock")),
    ("unix:/run/crm/a%20b.sock", Peer("unix", "/run/crm/a b.sock")),
    ("unix-abstract:crm-host", Peer("unix", "@crm-host")),
    ("unix-abstract:", Peer("unix", "@")),
    # Junk: the text itself, kind "other".
    ("", Peer("other", "")),
    ("junk", Peer("other", "junk")),
    ("vsock:3:5000", Peer("other", "vsock:3:5000")),
    ("ipv4:", Peer("other", "ipv4:")),
    ("ipv6:", Peer("other", "ipv6:")),
    ("ipv4:256.0.0.1:5000", Peer("other", "ipv4:256.0.0.1:5000")),
    ("ipv4:010.0.0.1:5000", Peer("other", "ipv4:010.0.0.1:5000")),
    ("ipv4:1.2.3.4:65536", Peer("other", "ipv4:1.2.3.4:65536")),
    ("ipv4:1.2.3.4:-1", Peer("other", "ipv4:1.2.3.4:-1")),
    ("ipv4:1.2.3.4:+80", Peer("other", "ipv4:1.2.3.4:+80")),
    ("ipv4:1.2.3.4: 80", Peer("other", "ipv4:1.2.3.4: 80")),
    ("ipv4:1.2.3.4:８０", Peer("other", "ipv4:1.2.3.4:８０")),
    ("ipv4:1.2.3.4:", Peer("other", "ipv4:1.2.3.4:")),
    ("ipv6:[::1]:", Peer("other", "ipv6:[::1]:")),
    ("ipv6:[::1]5000", Peer("other", "ipv6:[::1]5000")),
    ("ipv6:[::1:5000", Peer("other", "ipv6:[::1:5000")),
    ("ipv6:[[::1]]:5000", Peer("other", "ipv6:[[::1]]:5000")),
    ("ipv6:[]:5000", Peer("other", "ipv6:[]:5000")),
    ("ipv6:[fe80::1%25]:5000", Peer("other", "ipv6:[fe80::1%25]:5000")),
    # The scheme must say the family the address is of.
    ("ipv4:[::1]:5000", Peer("other", "ipv4:[::1]:5000")),
    ("ipv6:127.0.0.1:5000", Peer("other", "ipv6:127.0.0.1:5000")),
    ("ipv6:[127.0.0.1]:5000", Peer("other", "ipv6:[127.0.0.1]:5000")),
    # int() alone would raise on this many digits.
    ("ipv4:1.2.3.4:" + "9" * 5000, Peer("other", ("ipv4:1.2.3.4:" + "9" * 5000)[:256])),
    ("x" * 1000, Peer("other", "x" * 256)),
    ("unix:/" + "x" * 1000, Peer("other", ("unix:/" + "x" * 1000)[:256])),
]


@pytest.mark.parametrize(("text", "expected"), TABLE, ids=[text[:40] for text, _ in TABLE])
def test_parse_peer(text: str, expected: Peer) -> None:
    assert parse_peer(text) == expected


def check(peer: Peer) -> None:
    assert peer.kind in ("ipv4", "ipv6", "unix", "other")
    assert len(peer.address) <= MAX_ADDRESS_LENGTH
    assert peer.port is None or 0 <= peer.port <= 65535
    if peer.kind in ("ipv4", "ipv6"):
        assert str(ipaddress.ip_address(peer.address)) == peer.address


@given(st.text())
@example("ipv6:%5B")
@example("ipv6:%5B%5D:")
@example("ipv6:[\x00]:1")
@example("unix:%")
@example("ipv4:%ZZ")
@example("ipv6:[fe80::1%25\ud800]:1")
def test_never_raises_on_any_text(text: str) -> None:
    check(parse_peer(text))


schemes = st.sampled_from(["ipv4", "ipv6", "unix", "unix-abstract", "IPV6", "vsock", ""])
# Text built from the pieces peer URIs are made of, so that it often gets
# past the scheme and into the address and port parsing.
pieces = st.lists(
    st.sampled_from(["[", "]", "%5B", "%5d", "%25", "%", ":", "::", "1", "ffff", ".", "eth0"])
    | st.text(max_size=3),
    max_size=12,
).map("".join)


@given(schemes, pieces)
def test_never_raises_on_near_misses(scheme: str, rest: str) -> None:
    check(parse_peer(f"{scheme}:{rest}"))


def bracketed(address: str, encoded: bool, upper: bool) -> str:
    if not encoded:
        return f"[{address}]"
    opening, closing = ("%5B", "%5D") if upper else ("%5b", "%5d")
    return f"{opening}{address}{closing}"


@given(st.ip_addresses(v=6), st.integers(0, 65535), st.booleans(), st.booleans())
def test_every_ipv6_address_comes_back_canonical(
    address: ipaddress.IPv6Address, port: int, encoded: bool, upper: bool
) -> None:
    text = f"ipv6:{bracketed(address.exploded, encoded, upper)}:{port}"
    if address.ipv4_mapped is not None:
        assert parse_peer(text) == Peer("ipv4", str(address.ipv4_mapped), port)
    else:
        assert parse_peer(text) == Peer("ipv6", str(address), port)


@given(st.ip_addresses(v=4), st.integers(0, 65535))
def test_every_ipv4_address_comes_back(address: ipaddress.IPv4Address, port: int) -> None:
    assert parse_peer(f"ipv4:{address}:{port}") == Peer("ipv4", str(address), port)
