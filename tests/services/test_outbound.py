"""The guarded outbound client: addresses checked and pinned, redirects checked, answers capped in size and time."""

from __future__ import annotations

import ipaddress
import time
import tracemalloc

import pytest
import requests

from hostile_servers import HostileServer
from lti_tool.services.outbound import (AddressRefused, GuardedSession, OutboundPolicy, RedirectRefused,
                                        ResponseTooLarge, TotalTimeout, address_allowed)

#: Production-like: nothing private, except the one loopback address the test servers stand in for "public" on.
PUBLIC_ON_LOOPBACK = OutboundPolicy(allowed_networks=(ipaddress.ip_network("127.0.0.1/32"),))


@pytest.mark.parametrize("ip, allowed", [
    ("93.184.216.34", True), ("2606:4700::1111", True),
    ("127.0.0.1", False), ("10.1.2.3", False), ("172.16.0.1", False), ("192.168.1.1", False),
    ("100.64.0.1", False), ("169.254.169.254", False), ("0.0.0.0", False), ("224.0.0.1", False),
    ("255.255.255.255", False), ("::1", False), ("::", False), ("fe80::1", False), ("fc00::1", False),
    ("fd12:3456::1", False), ("ff02::1", False), ("::ffff:127.0.0.1", False), ("::ffff:169.254.169.254", False),
    ("::ffff:93.184.216.34", True), ("2002:7f00:1::", False), ("64:ff9b::a9fe:a9fe", False), ("::127.0.0.1", False),
    ("2001:0:4136:e378:8000:63bf:3fff:fdd2", False),  # Teredo: no platform lives there
])
def test_address_ranges_in_production(ip, allowed):
    assert address_allowed(ip, OutboundPolicy()) is allowed


@pytest.mark.parametrize("ip, allowed", [("127.0.0.1", True), ("10.1.2.3", True), ("fd00::1", True),
                                         ("169.254.169.254", False), ("fe80::1", False), ("224.0.0.1", False),
                                         ("0.0.0.0", False)])
def test_development_allows_loopback_and_private_but_never_link_local(ip, allowed):
    assert address_allowed(ip, OutboundPolicy(allow_private=True)) is allowed


def test_operator_networks_are_allowed():
    policy = OutboundPolicy(allowed_networks=(ipaddress.ip_network("10.20.0.0/16"),))
    assert address_allowed("10.20.3.4", policy) and not address_allowed("10.21.0.1", policy)


def test_loopback_refused_in_production(hostile):
    hostile.json("/x", {"ok": True})
    with GuardedSession(OutboundPolicy()) as http, pytest.raises(AddressRefused):
        http.get(hostile.url("/x"))
    assert hostile.hits == []


def test_redirect_hops_are_checked(hostile, internal):
    hostile.redirect("/config", internal.url("/secret"))
    with GuardedSession(PUBLIC_ON_LOOPBACK) as http, pytest.raises(AddressRefused):
        http.get(hostile.url("/config"))
    assert internal.hits == []


def test_redirects_are_followed_only_for_get_without_credentials(hostile):
    hostile.json("/final", {"ok": True})
    hostile.redirect("/hop", "/final", 302)
    hostile.redirect("/post-hop", "/final", 307)
    with GuardedSession(PUBLIC_ON_LOOPBACK) as http:
        assert http.get(hostile.url("/hop")).json() == {"ok": True}
        with pytest.raises(RedirectRefused):
            http.post(hostile.url("/post-hop"), json={})
        with pytest.raises(RedirectRefused):
            http.get(hostile.url("/hop"), headers={"Authorization": "Bearer t"})
    hostile.redirect("/loop", "/loop")
    with GuardedSession(PUBLIC_ON_LOOPBACK) as http, pytest.raises(RedirectRefused):
        http.get(hostile.url("/loop"))


def test_https_required_on_every_hop_in_production(hostile):
    policy = OutboundPolicy(allowed_networks=PUBLIC_ON_LOOPBACK.allowed_networks, require_https=True)
    with GuardedSession(policy) as http, pytest.raises(requests.RequestException) as refused:
        http.get(hostile.url("/x"))
    assert refused.value.reason == "insecure_url"


def test_dns_answer_that_changes_between_check_and_connect_is_not_followed(hostile):
    """Rebinding: the first answer is checked and used; a second lookup (public → internal) never happens."""
    internal = HostileServer("127.0.0.2", hostile.port)  # the same port on the internal address
    try:
        hostile.json("/config", {"where": "public"})
        internal.json("/config", {"where": "internal"})
        answers = [["127.0.0.1"], ["127.0.0.2"]]
        calls = []

        def rebinding_resolver(host, port):
            calls.append(host)
            return answers[min(len(calls) - 1, 1)]

        url = f"http://platform.test:{hostile.port}/config"
        with GuardedSession(PUBLIC_ON_LOOPBACK, resolver=rebinding_resolver) as http:
            assert http.get(url).json() == {"where": "public"}
            assert http.get(url).json() == {"where": "public"}  # the pinned connection is reused
        assert calls == ["platform.test"]  # resolved once: checked and connected to the same address
        # A new connection asks again, gets the internal address, and is refused before connecting.
        with GuardedSession(PUBLIC_ON_LOOPBACK, resolver=rebinding_resolver) as http, pytest.raises(AddressRefused):
            http.get(url)
        assert internal.hits == []
    finally:
        internal.close()


def test_a_name_with_one_internal_address_among_public_ones_is_refused(hostile):
    hostile.json("/x", {})
    with GuardedSession(PUBLIC_ON_LOOPBACK, resolver=lambda h, p: ["127.0.0.1", "169.254.169.254"]) as http:
        with pytest.raises(AddressRefused):
            http.get(f"http://platform.test:{hostile.port}/x")
    assert hostile.hits == []


@pytest.mark.parametrize("declare_length", [False, True])
def test_50_mb_answer_is_cut_off_at_the_limit(hostile, declare_length):
    hostile.huge("/big", 50, declare_length=declare_length)
    tracemalloc.start()
    started = time.monotonic()
    try:
        with GuardedSession(PUBLIC_ON_LOOPBACK) as http, pytest.raises(ResponseTooLarge):
            http.get(hostile.url("/big"), max_bytes=512 * 1024)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.monotonic() - started < 5
    assert peak < 4 * 1024 * 1024, peak  # never the whole 50 MB in memory


def test_gzip_bomb_is_cut_off_after_decompression(hostile):
    hostile.huge("/bomb", 50, gzipped=True)
    with GuardedSession(PUBLIC_ON_LOOPBACK) as http, pytest.raises(ResponseTooLarge):
        http.get(hostile.url("/bomb"), max_bytes=512 * 1024)


@pytest.mark.parametrize("in_headers", [False, True])
def test_drip_fed_answer_is_cut_off_at_the_total_time(hostile, in_headers):
    hostile.drip("/slow", every=0.2, in_headers=in_headers)
    started = time.monotonic()
    with GuardedSession(PUBLIC_ON_LOOPBACK) as http, pytest.raises(TotalTimeout):
        http.get(hostile.url("/slow"), timeout=(1, 1), total_seconds=1.5)
    assert 1.4 < time.monotonic() - started < 3.0


def test_connections_are_reused_and_answers_read_in_full(hostile):
    hostile.json("/x", {"n": 1})
    with GuardedSession(PUBLIC_ON_LOOPBACK) as http:
        for _ in range(5):
            resp = http.get(hostile.url("/x"))
            assert resp.status_code == 200 and resp.json() == {"n": 1}
