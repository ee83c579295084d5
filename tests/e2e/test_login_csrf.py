"""Login CSRF: a launch is bound to the browser that started the login, never to a value another site posts.

The attack (issue #10): an attacker starts a login in their own browser, lets their platform sign their
own launch, and makes the victim's browser post that id_token, state and the attacker's binding value
(``lti_binding``) to the tool — which used to open the attacker's session in the victim's tab.
"""

from __future__ import annotations

import re

import pytest

from lti_tool.devplatform.driver import Browser, find_autosubmit_form
from support import connect


def _attacker_launch(tool, platform, canvas_mode):
    """The attacker's own login: (launch form action, form fields, their binding)."""
    cid, deps = connect(tool, platform, canvas_mode=canvas_mode)
    with Browser() as attacker:
        first = attacker.get(platform.base_url + "/launch", params={"client_id": cid, "deployment_id": deps[0],
                                                                    "course": "course-101", "user": "learner"})
        if canvas_mode:  # the platform-storage page carries the auth URL and the binding
            auth_url = re.search(r'var authUrl = "([^"]+)"', first.text).group(1).encode().decode("unicode_escape")
            binding = re.search(r'value = "([^"]+)"', first.text).group(1)
            form_page = attacker.get(auth_url)
        else:
            binding = next(c.value for c in attacker.session.cookies if c.name.startswith("r2com-lti-"))
            form_page = first
        _method, action, pairs = find_autosubmit_form(form_page.text)
    return action, dict(pairs), binding


@pytest.mark.parametrize("canvas_mode", [False, True])
def test_cross_site_post_of_the_attackers_binding_is_refused(tool, platform, canvas_mode):
    action, fields, binding = _attacker_launch(tool, platform, canvas_mode)
    with Browser() as victim:
        # A form on the attacker's site, auto-submitted in the victim's browser.
        resp = victim.post(action, data=dict(fields, lti_binding=binding),
                           headers={"Origin": "https://attacker.example", "Sec-Fetch-Site": "cross-site"})
        assert resp.status_code == 401 and "ltik=" not in resp.url
        assert not any("ltik=" in r.headers.get("Location", "") for r in resp.history)
        # Without an Origin header at all (an old browser): still no session.
        again = victim.post(action, data=dict(fields, lti_binding=binding))
        assert again.status_code == 401 and "ltik=" not in again.url


def test_a_proof_header_from_another_origin_is_refused(tool, platform):
    action, fields, binding = _attacker_launch(tool, platform, True)
    with Browser() as victim:
        page = victim.post(action, data=fields)  # the attacker can read a proof for their own state…
        proof = re.search(r'proof = "([0-9a-f]+)"', page.text).group(1)
        # …but a browser sends it from another origin only after a CORS preflight the tool never answers;
        # and if one did arrive, the Origin gives it away.
        resp = victim.post(action, data=dict(fields, lti_binding=binding),
                           headers={"X-R2COM-Storage-Proof": proof, "Origin": "https://attacker.example",
                                    "Accept": "application/json"})
        assert resp.status_code == 401
        wrong_proof = victim.post(action, data=dict(fields, lti_binding=binding),
                                  headers={"X-R2COM-Storage-Proof": "0" * 64, "Origin": tool.url,
                                           "Accept": "application/json"})
        assert wrong_proof.status_code == 401


def test_the_tool_never_answers_a_cors_preflight_for_the_launch(tool):
    with Browser() as b:
        resp = b.session.options(tool.url + "/lti/launch", headers={
            "Origin": "https://attacker.example", "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "x-r2com-storage-proof"}, timeout=5)
    assert "Access-Control-Allow-Origin" not in resp.headers
