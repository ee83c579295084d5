"""Every bad launch gets its own 4xx with a specific code — never a 500, never a stack trace.

The platform signs real id_tokens over HTTP; a one-shot hook changes the claims or the header (or
replaces the whole token) just before the platform signs, as a forger or a broken platform would.
"""

from __future__ import annotations

import logging
import time

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from lti_tool.devplatform.driver import Browser, find_autosubmit_form

LTI = "https://purl.imsglobal.org/spec/lti/claim/"


def _drop(name):
    def hook(claims, headers):
        claims.pop(name, None)
        return claims, headers
    return hook


def _set(name, value):
    def hook(claims, headers):
        claims[name] = value
        return claims, headers
    return hook


def _header(**changes):
    def hook(claims, headers):
        headers = dict(headers)
        for key, value in changes.items():
            if value is None:
                headers.pop(key, None)
            else:
                headers[key] = value
        return claims, headers
    return hook


def _resign(platform, **kwargs):
    def hook(claims, headers):
        return platform.sign_jwt(claims, **kwargs)
    return hook


def _raw(token):
    return lambda claims, headers: token


_OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)

# (case id, hook factory taking the platform, expected status, expected code)
CASES = [
    ("bad signature", lambda p: _resign(p, key=_OTHER_KEY), 401, "bad_signature"),
    ("unknown kid", lambda p: _header(kid="no-such-key"), 401, "unknown_kid"),
    ("missing kid", lambda p: _resign(p, headers={}), 401, "missing_kid"),
    ("alg none", lambda p: _resign(p, alg="none"), 401, "alg_not_allowed"),
    ("alg HS256 key confusion", lambda p: _resign(p, key=b"public-key-as-secret-" * 2, alg="HS256"), 401,
     "alg_not_allowed"),
    ("expired", lambda p: _set("exp", int(time.time()) - 600), 401, "expired"),
    ("issued in the future", lambda p: _set("iat", int(time.time()) + 3600), 401, "not_yet_valid"),
    ("too old", lambda p: (lambda c, h: (dict(c, iat=int(time.time()) - 3600, exp=int(time.time()) + 60), h)),
     401, "too_old"),
    ("exp missing", lambda p: _drop("exp"), 400, "missing_exp"),
    ("iat missing", lambda p: _drop("iat"), 400, "missing_iat"),
    ("wrong aud", lambda p: (lambda c, h: ({k: v for k, v in c.items() if k != "azp"} | {"aud": "someone-else"}, h)),
     403, "unknown_platform"),
    ("wrong aud, azp still ours", lambda p: _set("aud", "someone-else"), 401, "azp_mismatch"),
    ("extra untrusted aud", lambda p: (lambda c, h: (dict(c, aud=[c["aud"], "untrusted"], azp=c["aud"]), h)),
     401, "untrusted_audience"),
    ("several aud without azp", lambda p: (lambda c, h: ({k: v for k, v in c.items() if k != "azp"}
                                                        | {"aud": [c["aud"], "x"]}, h)),
     401, "azp_required"),
    ("azp not ours", lambda p: _set("azp", "another-client"), 401, "azp_mismatch"),
    ("unknown issuer", lambda p: _set("iss", "https://evil.example"), 403, "unknown_platform"),
    # A well-signed token from a deployment never seen: under the default "approve" policy it waits (pending).
    ("unknown deployment", lambda p: _set(LTI + "deployment_id", "999999"), 403, "deployment_pending"),
    ("nonce of another login", lambda p: _set("nonce", "not-our-nonce"), 401, "nonce_mismatch"),
    ("nonce missing", lambda p: _drop("nonce"), 400, "missing_nonce"),
    ("message_type missing", lambda p: _drop(LTI + "message_type"), 400, "missing_message_type"),
    ("unknown message type", lambda p: _set(LTI + "message_type", "LtiSubmissionReviewRequest"), 400,
     "unsupported_message_type"),
    ("version missing", lambda p: _drop(LTI + "version"), 400, "missing_version"),
    ("wrong version", lambda p: _set(LTI + "version", "1.1.0"), 400, "wrong_version"),
    ("roles missing", lambda p: _drop(LTI + "roles"), 400, "missing_roles"),
    ("sub missing", lambda p: _drop("sub"), 400, "missing_sub"),
    ("deployment_id missing", lambda p: _drop(LTI + "deployment_id"), 400, "missing_deployment_id"),
    ("resource_link id missing", lambda p: _set(LTI + "resource_link", {"title": "x"}), 400, "missing_resource_link"),
    ("target_link_uri missing", lambda p: _drop(LTI + "target_link_uri"), 400, "missing_target_link_uri"),
    ("target_link_uri foreign", lambda p: _set(LTI + "target_link_uri", "https://elsewhere.example/x"), 401,
     "foreign_target_link_uri"),
    ("malformed JWT", lambda p: _raw("not-a-jwt"), 401, "malformed_jwt"),
    ("garbage JWT parts", lambda p: _raw("aaa.bbb.ccc"), 401, "malformed_jwt"),
    ("JWT body not an object", lambda p: _raw("eyJhbGciOiJSUzI1NiJ9.WzFd.c2ln"), 401, "malformed_jwt"),
]


@pytest.mark.parametrize("case, hook_factory, status, code", CASES, ids=[c[0] for c in CASES])
def test_bad_launch_is_refused(connected, browser, case, hook_factory, status, code):
    tool, platform, cid, dep = connected
    platform.next_id_token_hook = hook_factory(platform)
    resp = browser.launch(platform.base_url, cid, dep)
    assert resp.status_code == status, f"{case}: {resp.status_code} {resp.text[-700:]}"
    assert f"<code>{code}</code>" in resp.text
    assert "Traceback" not in resp.text


def test_deep_link_request_without_return_url(connected, browser):
    tool, platform, cid, dep = connected
    platform.next_id_token_hook = _set("https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings",
                                       {"accept_types": ["ltiResourceLink"]})
    resp = browser.launch(platform.base_url, cid, dep, user="instructor", message="deeplink")
    assert resp.status_code == 400 and "missing_deep_link_return_url" in resp.text


def _launch_form(browser, platform, cid, dep):
    """Run the flow up to the form the platform would post to the tool; return (action, fields)."""
    first = browser.get(platform.base_url + "/launch", params={"client_id": cid, "deployment_id": dep,
                                                               "course": "course-101", "user": "learner"})
    _method, action, pairs = find_autosubmit_form(first.text)
    return action, dict(pairs)


def test_replayed_id_token_is_refused_in_the_same_and_a_fresh_browser(connected, browser):
    tool, platform, cid, dep = connected
    action, fields = _launch_form(browser, platform, cid, dep)
    assert browser.post(action, data=fields).status_code == 200
    again = browser.post(action, data=fields)
    assert again.status_code == 401 and "<code>replayed</code>" in again.text
    with Browser() as attacker:
        stolen = attacker.post(action, data=fields)
    assert stolen.status_code == 401 and "<code>replayed</code>" in stolen.text


def test_fresh_browser_cannot_use_someone_elses_login(connected, browser):
    """Login CSRF: the state is bound to the browser that started the login."""
    tool, platform, cid, dep = connected
    action, fields = _launch_form(browser, platform, cid, dep)
    with Browser() as other:
        resp = other.post(action, data=fields)
    assert resp.status_code == 401 and "Open in a new window" in resp.text
    # The rightful browser can still complete its launch afterwards.
    assert browser.post(action, data=fields).status_code == 200


@pytest.mark.parametrize("change, code", [({"state": "made-up"}, "unknown_state"), ({"state": ""}, "missing_state"),
                                           ({"id_token": ""}, "missing_id_token")])
def test_wrong_or_missing_state(connected, browser, change, code):
    tool, platform, cid, dep = connected
    action, fields = _launch_form(browser, platform, cid, dep)
    resp = browser.post(action, data={**fields, **change})
    assert resp.status_code in (400, 401) and f"<code>{code}</code>" in resp.text


def test_oversized_payload(connected, browser):
    tool, platform, cid, dep = connected
    action, fields = _launch_form(browser, platform, cid, dep)
    resp = browser.post(action, data={**fields, "id_token": "a" * 300_000})
    assert resp.status_code == 413
    big_token = browser.post(action, data={**fields, "id_token": "a." + "b" * 70_000 + ".c"})
    assert big_token.status_code == 413 and "token_too_large" in big_token.text


def test_errors_answer_json_when_asked(connected, browser):
    tool, platform, cid, dep = connected
    action, fields = _launch_form(browser, platform, cid, dep)
    resp = browser.post(action, data={**fields, "state": "made-up"}, headers={"Accept": "application/json"})
    assert resp.status_code == 401
    assert resp.json() == {"error": "unknown_state", "title": "We could not match this launch to your browser",
                           "detail": "The launch state is unknown or expired."}


def test_refusals_are_logged_without_personal_data(connected, browser, caplog):
    tool, platform, cid, dep = connected
    platform.next_id_token_hook = _set("exp", int(time.time()) - 600)
    with caplog.at_level(logging.INFO):
        resp = browser.launch(platform.base_url, cid, dep)
    assert resp.status_code == 401
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "expired" in text
    learner = platform.resolve_user("course-101", "learner")
    for personal in (learner.user_id, learner.given_name, learner.family_name, "eyJ"):
        assert personal not in text
