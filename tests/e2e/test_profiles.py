"""The real tool against the Moodle and Canvas platform profiles, over real HTTP.

These check that the ``platform_profile`` fixture gives end-to-end tests a working platform of each
profile; what the tool should *do* with each platform's quirks is tested by the tool's own tests.
"""

from __future__ import annotations

import requests

from lti_tool.devplatform.constants import TOOL_CONFIGURATION


def test_learner_and_instructor_launch_on_each_profile(platform_profile, connected, browser):
    tool, platform, cid, dep = connected
    assert platform.profile.name == platform_profile
    learner = browser.launch(platform.base_url, cid, dep, user="learner")
    assert learner.status_code == 200 and learner.url.startswith(tool.url) and "ltik=" in learner.url
    instructor = browser.launch(platform.base_url, cid, user="instructor")  # the platform picks the deployment
    assert instructor.status_code == 200 and "ltik=" in instructor.url


def test_dynamic_registration_answers_per_profile(platform_profile, tool, platform, browser):
    """Registering the real tool dynamically: Moodle pending with a deployment id, Canvas no deployment."""
    tool.app.config["R2COM"]["OPEN_REGISTRATION"] = True
    page = browser.get(platform.url("/register-tool"), params={"url": tool.url + "/lti/register"})
    assert page.status_code == 200, page.text[:500]
    (client,) = platform.clients.values()
    answer_has_deployment = bool(client.deployment_ids)
    if platform_profile == "moodle":
        assert answer_has_deployment and client.active is False
        refused = browser.launch(platform.base_url, client.client_id)
        assert refused.status_code == 400 and "pending" in refused.text
        assert browser.activate(platform.base_url, client.client_id)["active"] is True
    else:
        assert not answer_has_deployment
        placements = browser.tool(platform.base_url, client.client_id)["placements"]
        assert "link_selection" in {p["placement"] for p in placements}  # which message wins is the tool's choice
        deployment_id = browser.install(platform.base_url, client.client_id, "course", "course-101")
        assert ":" in deployment_id
    body = client.registration or {}
    assert isinstance(body.get(TOOL_CONFIGURATION), dict)
    config = requests.get(platform.url("/.well-known/openid-configuration"), timeout=5).json()
    assert config["issuer"] == platform.issuer
