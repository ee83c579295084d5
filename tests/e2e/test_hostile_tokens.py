"""Each malformed token the tool once answered with a 500 now gets its own 4xx (issue #10, item 3).

The development platform signs real id_tokens with its own key, so every claim below reaches the
checks after the signature; header fields are checked before the key is even looked up.
"""

from __future__ import annotations

import base64
import json

import pytest

from fuzzing import sign
from lti_tool.devplatform.driver import find_autosubmit_form

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _set(path, value):
    def hook(claims, headers):
        target = claims
        for key in path[:-1]:
            target = target.setdefault(key, {})
        target[path[-1]] = value
        return claims, headers
    return hook


def _hand_signed(platform, header_changes=None, body=None):
    """Sign with the platform key but build the header (and maybe body bytes) by hand."""
    def hook(claims, headers):
        header = {"typ": "JWT", "alg": "RS256", "kid": platform.kid, **(header_changes or {})}
        raw = body(claims) if body else json.dumps(claims).encode()
        return sign(header, raw, platform.key.private_key)
    return hook


CASES = [
    ("kid is a list", lambda p: _hand_signed(p, {"kid": [p.kid]}), 401, "invalid_kid"),
    ("kid is an object", lambda p: _hand_signed(p, {"kid": {"id": p.kid}}), 401, "invalid_kid"),
    ("kid is a number", lambda p: _hand_signed(p, {"kid": 7}), 401, "invalid_kid"),
    ("kid is very long", lambda p: _hand_signed(p, {"kid": "k" * 5000}), 401, "invalid_kid"),
    ("alg is a list", lambda p: _hand_signed(p, {"alg": ["RS256"]}), 401, "alg_not_allowed"),
    ("unknown crit", lambda p: _hand_signed(p, {"crit": ["exp"], "exp": 1}), 401, "unsupported_crit"),
    ("typ is an object", lambda p: _hand_signed(p, {"typ": {}}), 401, "invalid_header"),
    ("message_type is a list", lambda p: _set([LTI + "message_type"], ["LtiResourceLinkRequest"]), 400,
     "invalid_message_type"),
    ("message_type is an object", lambda p: _set([LTI + "message_type"], {"a": 1}), 400, "invalid_message_type"),
    ("version is a list", lambda p: _set([LTI + "version"], ["1.3.0"]), 400, "wrong_version"),
    ("AGS lineitems is an object", lambda p: _set([AGS, "lineitems"], {"url": "x"}), 400, "invalid_ags_claim"),
    ("AGS lineitem is a list", lambda p: _set([AGS, "lineitem"], ["https://x.example/1"]), 400, "invalid_ags_claim"),
    ("numbers in AGS scope", lambda p: _set([AGS, "scope"], [1, 2]), 400, "invalid_ags_claim"),
    ("AGS claim is a list", lambda p: _set([AGS], []), 400, "invalid_ags_claim"),
    ("AGS URL not a web address", lambda p: _set([AGS, "lineitems"], "javascript:alert(1)"), 400,
     "invalid_ags_claim"),
    ("NRPS claim is a string", lambda p: _set([NRPS], "https://x.example"), 400, "invalid_nrps_claim"),
    ("NRPS URL is an object", lambda p: _set([NRPS, "context_memberships_url"], {"u": 1}), 400,
     "invalid_nrps_claim"),
    ("non-ASCII nonce", lambda p: _set(["nonce"], "n\u00f6nce"), 401, "invalid_nonce"),
    ("nonce is a number", lambda p: _set(["nonce"], 12345), 401, "invalid_nonce"),
    ("azp is a list", lambda p: (lambda c, h: (dict(c, azp=[c["aud"]]), h)), 401, "azp_mismatch"),
    ("nbf is text", lambda p: _set(["nbf"], "soon"), 401, "invalid_jwt"),
    ("exp is NaN", lambda p: _hand_signed(p, body=lambda c: json.dumps(dict(c, exp=float("nan"))).encode()), 401,
     "malformed_jwt"),
    ("exp is too large to be a number", lambda p: _hand_signed(
        p, body=lambda c: json.dumps(c).encode()[:-1] + b',"exp":1' + b"0" * 400 + b"}"), 401, "invalid_jwt"),
    ("NUL in sub", lambda p: _set(["sub"], "a\x00b"), 401, "malformed_jwt"),
    ("lone surrogate in a name", lambda p: _set(["name"], "x\ud800"), 401, "malformed_jwt"),
    ("deeply nested claim", lambda p: _hand_signed(
        p, body=lambda c: json.dumps(c).encode()[:-1] + b',"x":' + b"[" * 20000 + b"]" * 20000 + b"}"), 401,
     "malformed_jwt"),
    ("given_name is a list", lambda p: _set(["given_name"], ["Ann"]), 400, "invalid_user_claim"),
    ("context is a list", lambda p: _set([LTI + "context"], ["course"]), 400, "invalid_context"),
    ("context id is an object", lambda p: _set([LTI + "context", "id"], {"x": 1}), 400, "invalid_context"),
    ("resource link id is a list", lambda p: _set([LTI + "resource_link", "id"], ["a"]), 400,
     "invalid_resource_link"),
    ("resource link id too long", lambda p: _set([LTI + "resource_link", "id"], "r" * 256), 400,
     "invalid_resource_link"),
    ("custom is a list", lambda p: _set([LTI + "custom"], ["a"]), 400, "invalid_claim"),
    ("deployment id too long", lambda p: _set([LTI + "deployment_id"], "d" * 401), 401, "invalid_deployment_id"),
]


@pytest.mark.parametrize("case, hook_factory, status, code", CASES, ids=[c[0] for c in CASES])
def test_malformed_token_gets_a_specific_4xx(connected, browser, case, hook_factory, status, code):
    tool, platform, cid, dep = connected
    platform.next_id_token_hook = hook_factory(platform)
    resp = browser.launch(platform.base_url, cid, dep)
    assert resp.status_code == status, f"{case}: {resp.status_code} {resp.text[-600:]}"
    assert f"<code>{code}</code>" in resp.text


@pytest.mark.parametrize("length, status", [(1000, 200), (1001, 400)])
def test_service_urls_longer_than_the_columns_are_refused_before_the_database(connected, browser, length, status):
    """On PostgreSQL a 1,001-character AGS URL used to fail the insert with a 500 (run this file on PG too)."""
    tool, platform, cid, dep = connected
    lineitems = platform.url("/api/ags/course-101/lineitems?pad=")
    lineitems += "p" * (length - len(lineitems))
    platform.next_id_token_hook = _set([AGS], {"lineitems": lineitems, "scope": []})
    resp = browser.launch(platform.base_url, cid, dep)
    assert resp.status_code == status, resp.text[-500:]
    if status == 400:
        assert "<code>invalid_ags_claim</code>" in resp.text


def _token_and_fields(browser, platform, cid, dep):
    first = browser.get(platform.base_url + "/launch", params={"client_id": cid, "deployment_id": dep,
                                                               "course": "course-101", "user": "learner"})
    _method, action, pairs = find_autosubmit_form(first.text)
    return action, dict(pairs)


@pytest.mark.parametrize("where, change", [
    ("signature", lambda s: s[:10] + "!" + s[10:]),     # a character the old decoder dropped
    ("signature", lambda s: s + "=="),                  # padding
    ("signature", lambda s: s[:10] + "\n" + s[10:]),
    ("signature", lambda s: s[:-1] + "+"),              # base64, not base64url
    ("signature", lambda s: s[:-1] + B64URL[B64URL.index(s[-1]) + 1]),  # same bytes, spare bits set
    ("header", lambda s: s + "A"),                      # a length base64 cannot have
])
def test_signature_segments_are_decoded_strictly(connected, browser, where, change):
    tool, platform, cid, dep = connected
    action, fields = _token_and_fields(browser, platform, cid, dep)
    header, body, signature = fields["id_token"].split(".")
    if where == "signature":
        signature = change(signature)
    else:
        header = change(header)
    resp = browser.post(action, data=dict(fields, id_token=".".join([header, body, signature])))
    assert resp.status_code == 401 and "<code>malformed_jwt</code>" in resp.text, resp.text[-400:]
    # The untouched token still works afterwards: nothing was consumed by the refused one.
    assert browser.post(action, data=fields).status_code == 200


@pytest.mark.parametrize("state", ["a\x00b", "\u00fc" * 10, "s" * 65, "a b"])
def test_states_the_tool_never_issues_never_reach_the_database(connected, browser, state):
    tool, platform, cid, dep = connected
    action, fields = _token_and_fields(browser, platform, cid, dep)
    resp = browser.post(action, data=dict(fields, state=state, lti_binding=state))
    assert resp.status_code == 401 and "<code>unknown_state</code>" in resp.text


def test_b64_helper_matches_the_fuzzer():
    assert base64.urlsafe_b64encode(b"\xff\xfe").rstrip(b"=") == b"__4"
