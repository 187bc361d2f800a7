"""Which client a trusted proxy names: X-Forwarded-For and Forwarded, read from the right."""

from __future__ import annotations

import ipaddress

import pytest

from crm_host._server.proxies import TrustedProxies

PROXIES = TrustedProxies(
    [ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("2001:db8:1::/48")]
)


@pytest.mark.parametrize(
    ("peer", "metadata", "client"),
    [
        # Not from a trusted proxy: the headers are the caller's own words.
        ("ipv4:192.0.2.1:5000", [("x-forwarded-for", "203.0.113.9")], "ipv4:192.0.2.1:5000"),
        ("unix:/tmp/s", [("x-forwarded-for", "203.0.113.9")], "unix:/tmp/s"),
        # From one: the rightmost address that is not itself a trusted proxy.
        ("ipv4:10.1.2.3:5000", [("x-forwarded-for", "203.0.113.9")], "ipv4:203.0.113.9"),
        (
            "ipv4:10.1.2.3:5000",
            [("x-forwarded-for", "198.51.100.1, 203.0.113.9, 10.9.9.9")],
            "ipv4:203.0.113.9",
        ),
        # Several headers are one list, in order.
        (
            "ipv4:10.1.2.3:5000",
            [("x-forwarded-for", "198.51.100.1"), ("x-forwarded-for", "203.0.113.9")],
            "ipv4:203.0.113.9",
        ),
        # Forwarded wins over X-Forwarded-For; quotes, ports and IPv6 brackets.
        (
            "ipv6:[2001:db8:1::5]:443",
            [
                ("x-forwarded-for", "198.51.100.1"),
                ("forwarded", 'for="[2001:db8:2::7]:4711";proto=https, for=10.0.0.1'),
            ],
            "ipv6:[2001:db8:2::7]",
        ),
        ("ipv4:10.1.2.3:5000", [("forwarded", "for=203.0.113.9:80")], "ipv4:203.0.113.9"),
        # A hop that is no address stops the walk at the proxy that wrote it.
        (
            "ipv4:10.1.2.3:5000",
            [("x-forwarded-for", "203.0.113.9, unknown, 10.2.2.2")],
            "ipv4:10.2.2.2",
        ),
        # Only trusted proxies all the way: the leftmost of them.
        ("ipv4:10.1.2.3:5000", [("x-forwarded-for", "10.4.4.4")], "ipv4:10.4.4.4"),
        # No header: the proxy itself.
        ("ipv4:10.1.2.3:5000", [], "ipv4:10.1.2.3:5000"),
        # An IPv4-mapped address is the IPv4 client.
        ("ipv4:10.1.2.3:5000", [("x-forwarded-for", "::ffff:203.0.113.9")], "ipv4:203.0.113.9"),
    ],
)
def test_the_client_is_read_from_the_right_and_only_from_trusted_peers(
    peer: str, metadata: list[tuple[str, str]], client: str
) -> None:
    assert PROXIES.client_peer(peer, metadata) == client


def test_a_long_chain_is_read_only_so_far() -> None:
    chain = ", ".join(["10.0.0.1"] * 100 + ["203.0.113.9"] + ["10.0.0.2"] * 100)
    # 16 hops are examined, all trusted: the client is the last of them.
    assert PROXIES.client_peer("ipv4:10.1.2.3:1", [("x-forwarded-for", chain)]) == "ipv4:10.0.0.2"


def test_no_networks_trust_nobody() -> None:
    assert not TrustedProxies([])
    assert PROXIES
