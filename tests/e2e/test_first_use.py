"""First real use: what real platforms send that our own development platform did not.

- Moodle's site administrators launch with the course role ``Instructor`` *and* institution and system
  ``Administrator``; Canvas's account administrators with institution ``Administrator``. They must be able to
  open the organisation's settings, allow casework and grant the first roles, while the course role still
  decides what a course shows them.
- Canvas registers the tool without a deployment id; each install brings its own id in its first launch.
- Canvas observers (``membership#Mentor``) follow a learner and are never graded.

Every launch here is a real LTI 1.3 flow over HTTP with the development platform's own keys; a one-shot hook
changes the claims a real Moodle or Canvas would send differently.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from lti_tool.assessment.models import Organisation, OrgRole
from lti_tool.extensions import db
from lti_tool.lti.models import Deployment, LaunchSession, LtiUser, Platform

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
CONTEXT = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
INSTITUTION = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#"
SYSTEM = "http://purl.imsglobal.org/vocab/lis/v2/system/person#"

#: What Moodle 4.5 sends for its site administrator inside a course (LTI-NOTES section 11).
MOODLE_SITE_ADMIN = [CONTEXT + "Instructor", INSTITUTION + "Administrator", SYSTEM + "Administrator"]
#: A Canvas account administrator who is enrolled as a student in the course.
CANVAS_ACCOUNT_ADMIN_AS_STUDENT = [CONTEXT + "Learner", INSTITUTION + "Administrator", INSTITUTION + "Student"]
#: Canvas sends institution roles such as Instructor even where the person is a student in the course.
CANVAS_STUDENT_WITH_INSTITUTION_ROLE = [CONTEXT + "Learner", INSTITUTION + "Instructor"]


def _roles(roles):
    def hook(claims, headers):
        claims[LTI + "roles"] = roles
        return claims, headers
    return hook


def _deployment(deployment_id):
    def hook(claims, headers):
        claims[LTI + "deployment_id"] = deployment_id
        return claims, headers
    return hook


def _ltik(response) -> str:
    return parse_qs(urlsplit(response.url).query)["ltik"][0]


def _session(tool, token: str) -> LaunchSession:
    """The launch session a token names (``<session id>.<timestamp>.<signature>``)."""
    with tool.app.app_context():
        return db.session.get(LaunchSession, token.rsplit(".", 2)[0])


def _set_product(tool, product: str, policy: str | None = None) -> None:
    with tool.app.app_context():
        platform = db.session.execute(select(Platform)).scalar_one()
        platform.product = product
        if policy:
            platform.deployment_policy = policy
        db.session.commit()
        tool.app.extensions["r2com"]["platforms"].invalidate()


def _launch_as(browser, connected, roles, user="instructor"):
    tool, platform, cid, dep = connected
    platform.next_id_token_hook = _roles(roles)
    resp = browser.launch(platform.base_url, cid, dep, user=user)
    assert resp.status_code == 200, resp.text[-500:]
    return resp, _ltik(resp)


# -- platform administrators -----------------------------------------------------------------------------
def test_moodle_site_admin_opens_settings_allows_casework_and_grants_the_first_roles(connected, browser):
    tool, platform, cid, dep = connected
    _set_product(tool, "moodle")
    # A practitioner-to-be opens the tool once, so that the administrator can find them in the list.
    practitioner = browser.launch(platform.base_url, cid, dep, user="learner")
    assert practitioner.status_code == 200
    resp, token = _launch_as(browser, connected, MOODLE_SITE_ADMIN)
    # The course role still decides what the course shows: a trainer's set-up page, not a learner's.
    assert "/training/" in resp.url or "Set up" in resp.text
    session = _session(tool, token)
    assert session.role == "instructor" and session.data["platform_admin"] is True

    start = browser.get(tool.url + "/assessment/organisation/start", params={"ltik": token})
    assert start.status_code == 200
    assert "Getting started with casework" in start.text and "To do:" in start.text
    casework = browser.get(tool.url + "/assessment/", params={"ltik": token})
    assert casework.url.startswith(tool.url + "/assessment/organisation/start")

    settings = browser.get(tool.url + "/assessment/organisation", params={"ltik": token})
    assert settings.status_code == 200 and "Allow real-client casework" in settings.text
    saved = browser.post(tool.url + "/assessment/organisation",
                         data={"ltik": token, "casework_enabled": "1", "retention_months": "24",
                               "privacy_notice_version": "2026-1"})
    assert saved.status_code == 200 and "Settings saved." in saved.text
    learner_id = re.search(r'<option value="(\d+)">[^<]*</option>', saved.text)
    assert learner_id, "the person who launched must be offered in the role form"
    granted = browser.post(tool.url + "/assessment/organisation/roles",
                           data={"ltik": token, "user_id": learner_id.group(1), "role": "practitioner"})
    assert granted.status_code == 200 and "Role granted." in granted.text
    with tool.app.app_context():
        org = db.session.execute(select(Organisation)).scalar_one()
        assert org.casework_enabled and org.retention_months == 24
        assert db.session.execute(select(OrgRole.role)).scalars().all() == ["practitioner"]
    done = browser.get(tool.url + "/assessment/organisation/start", params={"ltik": token})
    # The privacy notice and consent text the person is given need the organisation's name and a contact.
    assert "3 of 5 steps done." in done.text
    assert "Add your organisation&#39;s name and a contact for questions about data" in done.text
    named = browser.post(tool.url + "/assessment/organisation",
                         data={"ltik": token, "casework_enabled": "1", "retention_months": "24",
                               "privacy_notice_version": "2026-1", "public_name": "NGO X",
                               "privacy_contact": "privacy@ngo-x.example"})
    assert named.status_code == 200 and "Settings saved." in named.text
    done = browser.get(tool.url + "/assessment/organisation/start", params={"ltik": token})
    # Registered, roles, retention and casework are done; the referral directory is the one step left.
    assert "4 of 5 steps done." in done.text
    assert done.text.count("To do:") == 1


def test_platform_admin_flag_opens_only_the_organisation_not_the_casework(connected, browser):
    tool, platform, cid, dep = connected
    _set_product(tool, "canvas")
    resp, token = _launch_as(browser, connected, CANVAS_ACCOUNT_ADMIN_AS_STUDENT, user="learner")
    session = _session(tool, token)
    assert session.role == "learner" and session.data["platform_admin"] is True
    assert browser.get(tool.url + "/assessment/organisation", params={"ltik": token}).status_code == 200
    # No case role: no client records, whatever the LMS role.
    refused = browser.post(tool.url + "/assessment/clients/new", data={"ltik": token, "pseudonym": "K-1"})
    assert refused.status_code == 403
    # Trainer pages stay closed: the course role (learner) decides.
    assert browser.get(tool.url + "/training/dashboard", params={"ltik": token}).status_code == 403


def test_institution_instructor_role_of_a_student_opens_nothing(connected, browser):
    tool, platform, cid, dep = connected
    _set_product(tool, "canvas")
    resp, token = _launch_as(browser, connected, CANVAS_STUDENT_WITH_INSTITUTION_ROLE, user="learner")
    page = browser.get(tool.url + "/assessment/organisation", params={"ltik": token})
    assert page.status_code == 403 and "not_org_admin" in page.text
    # The page names who can help on this platform, not a "course administrator".
    assert "course administrator" not in page.text


def test_error_pages_name_who_runs_the_platform(connected, browser):
    tool, platform, cid, dep = connected
    _set_product(tool, "moodle")
    with tool.app.app_context():
        db.session.execute(select(Deployment)).scalar_one().active = False
        db.session.commit()
        tool.app.extensions["r2com"]["platforms"].invalidate()
    resp = browser.launch(platform.base_url, cid, dep)
    assert resp.status_code == 403 and "your Moodle site administrator" in resp.text


def test_observer_is_never_graded_and_sees_learner_pages(connected, browser):
    tool, platform, cid, dep = connected
    resp, token = _launch_as(browser, connected, [CONTEXT + "Mentor"], user="learner")
    assert _session(tool, token).role == "observer"
    assert browser.get(tool.url + "/training/dashboard", params={"ltik": token}).status_code == 403


# -- deployments that real platforms create after registration ------------------------------------------
def test_new_deployment_under_auto_policy_opens_the_tool(connected, browser):
    tool, platform, cid, dep = connected
    _set_product(tool, "canvas", policy="auto")
    platform.next_id_token_hook = _deployment("7:8865aa05b4b79b64a91a86042e43af5ea8ae79eb")
    resp = browser.launch(platform.base_url, cid, dep)
    assert resp.status_code == 200 and "ltik=" in resp.url
    with tool.app.app_context():
        rows = {d.deployment_id: d for d in db.session.execute(select(Deployment)).scalars()}
        new = rows["7:8865aa05b4b79b64a91a86042e43af5ea8ae79eb"]
        assert new.active and not new.pending and new.source == "launch"


def test_new_deployment_under_approve_policy_waits_then_opens_once_approved(connected, browser, caplog):
    tool, platform, cid, dep = connected
    _set_product(tool, "canvas", policy="approve")
    new_id = "12:b7c0a1f3"
    platform.next_id_token_hook = _deployment(new_id)
    with caplog.at_level("WARNING"):
        resp = browser.launch(platform.base_url, cid, dep)
    assert resp.status_code == 403 and "<code>deployment_pending</code>" in resp.text
    assert new_id in resp.text and "lti deployment approve" in resp.text
    assert any(new_id in r.getMessage() for r in caplog.records), "the operator finds the id in the log too"
    # Again: still pending, not a second row.
    platform.next_id_token_hook = _deployment(new_id)
    assert browser.launch(platform.base_url, cid, dep).status_code == 403
    runner = tool.app.test_cli_runner()
    with tool.app.app_context():
        platform_id = db.session.execute(select(Platform.id)).scalar_one()
    listed = runner.invoke(args=["lti", "deployment", "list", "--pending"])
    assert new_id in listed.output and "[pending]" in listed.output
    approved = runner.invoke(args=["lti", "deployment", "approve", str(platform_id), new_id])
    assert approved.exit_code == 0, approved.output
    platform.next_id_token_hook = _deployment(new_id)
    assert "ltik=" in browser.launch(platform.base_url, cid, dep).url
    # Switched off again: refused, and it never becomes pending again.
    assert runner.invoke(args=["lti", "deployment", "disable", str(platform_id), new_id]).exit_code == 0
    platform.next_id_token_hook = _deployment(new_id)
    off = browser.launch(platform.base_url, cid, dep)
    assert off.status_code == 403 and "deployment_disabled" in off.text


def test_canvas_registration_policy_defaults(app):
    from lti_tool.lti.registration import add_platform

    with app.test_request_context():
        common = dict(auth_login_url="https://c/auth", auth_token_url="https://c/token", key_set_url="https://c/jwks")
        canvas = add_platform(name="c", issuer="https://canvas.instructure.com", client_id="1", deployment_ids=[],
                              product="canvas", source="dynamic", **common)
        moodle = add_platform(name="m", issuer="https://moodle.example", client_id="2", deployment_ids=["4"],
                              product="moodle", source="dynamic", **common)
        by_hand = add_platform(name="h", issuer="https://canvas.instructure.com", client_id="3", deployment_ids=[],
                               product="canvas", **common)
        assert (canvas.deployment_policy, moodle.deployment_policy, by_hand.deployment_policy) == \
            ("auto", "approve", "approve")
        assert moodle.deployments[0].source == "registration"


def test_registration_messages_give_canvas_the_right_placements(app):
    from lti_tool.lti.registration import registration_messages

    messages = registration_messages("https://tool.example")
    # Canvas: a message without placements becomes link_selection, and the first message per placement wins.
    assert all(m.get("placements") for m in messages)
    first_by_placement: dict[str, str] = {}
    for message in messages:
        for placement in message["placements"]:
            first_by_placement.setdefault(placement, message["type"])
    assert first_by_placement == {"link_selection": "LtiDeepLinkingRequest",
                                  "assignment_selection": "LtiDeepLinkingRequest",
                                  "course_navigation": "LtiResourceLinkRequest"}
    nav = next(m for m in messages if "course_navigation" in m["placements"])
    assert nav["custom_parameters"] == {"r2com_item": "dashboard"}


# -- the operator's way in ---------------------------------------------------------------------------------
def test_operator_grants_the_first_org_admin_from_the_command_line(connected, browser):
    tool, platform, cid, dep = connected
    runner = tool.app.test_cli_runner()
    with tool.app.app_context():
        platform_id = db.session.execute(select(Platform.id)).scalar_one()
    nobody = runner.invoke(args=["assessment", "org", "grant", str(platform_id), "no-such-user", "--role", "org_admin"])
    assert nobody.exit_code != 0 and "open the tool once" in nobody.output
    resp = browser.launch(platform.base_url, cid, dep, user="learner")
    token = _ltik(resp)
    with tool.app.app_context():
        sub = db.session.execute(select(LtiUser.sub)).scalar_one()
    people = runner.invoke(args=["assessment", "org", "people", str(platform_id)])
    assert sub in people.output
    granted = runner.invoke(args=["assessment", "org", "grant", str(platform_id), sub, "--role", "org_admin"])
    assert granted.exit_code == 0, granted.output
    assert browser.get(tool.url + "/assessment/organisation", params={"ltik": token}).status_code == 200
    assert "org_admin" in runner.invoke(args=["assessment", "org", "people", str(platform_id)]).output
    revoked = runner.invoke(args=["assessment", "org", "revoke", str(platform_id), sub, "--role", "org_admin"])
    assert revoked.exit_code == 0
    assert browser.get(tool.url + "/assessment/organisation", params={"ltik": token}).status_code == 403


@pytest.mark.parametrize("roles, admin", [
    (MOODLE_SITE_ADMIN, True),
    (CANVAS_ACCOUNT_ADMIN_AS_STUDENT, True),
    ([SYSTEM + "SysAdmin"], True),
    (CANVAS_STUDENT_WITH_INSTITUTION_ROLE, False),
    ([CONTEXT + "Administrator"], False),  # a course administrator is not a platform administrator
    ([], False),
])
def test_platform_admin_roles(roles, admin):
    from lti_tool.lti.constants import is_platform_admin

    assert is_platform_admin(roles) is admin


# -- error pages people can read -------------------------------------------------------------------------
#: Words a learner should never meet outside the closed technical details.
JWT_WORDS = re.compile(r"\b(id_token|JWT|kid|aud|azp|nonce|JWKS)\b")


def _visible_part(html: str) -> str:
    """The page without its closed <details> section (what a person sees without opening it)."""
    return re.sub(r"<details.*?</details>", "", html, flags=re.S)


def test_a_broken_launch_speaks_plainly_and_keeps_the_technical_words_folded(connected, browser):
    tool, platform, cid, dep = connected

    def garbage(claims, headers):
        return "not.a-valid.token"
    platform.next_id_token_hook = garbage
    resp = browser.launch(platform.base_url, cid, dep)
    assert resp.status_code in (400, 401)
    assert "<details" in resp.text and "Details for your administrator" in resp.text
    assert not JWT_WORDS.search(_visible_part(resp.text)), _visible_part(resp.text)


def test_launch_address_opened_directly_and_unknown_pages(tool, browser):
    direct = browser.get(tool.url + "/lti/launch")
    assert direct.status_code == 405 and "This address only works from your course" in direct.text
    missing = browser.get(tool.url + "/no/such/page")
    assert missing.status_code == 404 and "Go back to your course" in missing.text
    assert "The requested URL was not found on the server" not in _visible_part(missing.text)


def test_error_page_offers_the_way_back_to_the_course(connected, browser):
    tool, platform, cid, dep = connected
    resp = browser.launch(platform.base_url, cid, dep, user="learner")
    token = _ltik(resp)
    with tool.app.app_context():
        return_url = _session(tool, token).data["return_url"]
    assert return_url
    refused = browser.get(tool.url + "/training/dashboard", params={"ltik": token})
    assert refused.status_code == 403 and f'href="{return_url}"' in refused.text.replace("&amp;", "&")


def test_unset_link_offers_the_case_exercises_too(connected, browser):
    tool, platform, cid, dep = connected
    page = browser.launch(platform.base_url, cid, dep, user="learner")
    assert "This activity is not set up yet" in page.text
    for link in ("/training/course", "/training/manual", "/assessment/training"):
        assert link in page.text, link


# -- the same, against the Moodle and Canvas profiles of the development platform ---------------------------
def test_the_platform_administrator_sets_up_casework_on_each_profile(platform_profile, connected, browser):
    tool, platform, cid, dep = connected
    resp = browser.launch_as_admin(platform.base_url, cid, dep)
    assert resp.status_code == 200, resp.text[-400:]
    token = _ltik(resp)
    assert _session(tool, token).data["platform_admin"] is True
    start = browser.get(tool.url + "/assessment/", params={"ltik": token})
    assert start.url.startswith(tool.url + "/assessment/organisation/start"), start.url
    saved = browser.post(tool.url + "/assessment/organisation",
                         data={"ltik": token, "casework_enabled": "1", "retention_months": "12",
                               "privacy_notice_version": "1.1"})
    assert saved.status_code == 200 and "Settings saved." in saved.text
    # Everyone else in the course: no organisation settings.
    for user in ("learner", "instructor"):
        other = _ltik(browser.launch(platform.base_url, cid, dep, user=user))
        assert browser.get(tool.url + "/assessment/organisation", params={"ltik": other}).status_code == 403, user


@pytest.mark.parametrize("platform_profile", ["canvas"], indirect=True)
def test_canvas_observer_is_an_observer(platform_profile, connected, browser):
    tool, platform, cid, dep = connected
    token = _ltik(browser.launch_as_observer(platform.base_url, cid, dep))
    assert _session(tool, token).role == "observer"


def _register_by_invite(tool, platform, browser):
    runner = tool.app.test_cli_runner()
    invite = runner.invoke(args=["lti", "platform", "invite", "--note", f"{platform.profile.name} of NGO"])
    url = re.search(r"https?://\S+/lti/register/\S+", invite.output).group(0)
    page = browser.get(platform.url("/register-tool"), params={"url": url})
    assert page.status_code == 200, page.text[:500]
    (client,) = platform.clients.values()
    return client.client_id


def test_dynamic_registration_ends_with_a_working_launch_on_each_profile(platform_profile, tool, platform, browser):
    cid = _register_by_invite(tool, platform, browser)
    if platform_profile == "moodle":
        # Moodle returns the deployment id and keeps the tool pending until the administrator activates it.
        browser.activate(platform.base_url, cid)
        opened = browser.launch(platform.base_url, cid, user="learner")
        assert opened.status_code == 200 and "ltik=" in opened.url, opened.text[-400:]
        return
    # Canvas: no deployment id at registration; every install brings its own at its first launch.
    with tool.app.app_context():
        stored = db.session.execute(select(Platform)).scalar_one()
        assert stored.product == "canvas" and stored.deployment_policy == "auto" and not stored.deployments
    account = browser.install(platform.base_url, cid, "account")
    first = browser.launch(platform.base_url, cid, user="learner")
    assert first.status_code == 200 and "ltik=" in first.url, first.text[-400:]
    course = browser.install(platform.base_url, cid, "course", "course-101")
    second = browser.launch(platform.base_url, cid, user="instructor")  # the course install is the closest
    assert second.status_code == 200 and "ltik=" in second.url, second.text[-400:]
    with tool.app.app_context():
        recorded = {d.deployment_id: d for d in db.session.execute(select(Deployment)).scalars()}
    assert {account, course} <= set(recorded) and all(d.active and d.source == "launch" for d in recorded.values())
    # The registration asked Canvas for the picker in link and assignment selection and a course navigation entry.
    placements = {p["placement"]: p["message_type"] for p in browser.tool(platform.base_url, cid)["placements"]}
    assert placements.get("link_selection") == "LtiDeepLinkingRequest"
    assert placements.get("assignment_selection") == "LtiDeepLinkingRequest"
    assert placements.get("course_navigation") == "LtiResourceLinkRequest"
    nav = browser.launch(platform.base_url, cid, user="instructor", placement="course_navigation")
    assert nav.status_code == 200 and "/training/dashboard" in nav.url, nav.url


def test_pending_deployments_per_platform_are_capped(connected, browser, caplog, monkeypatch):
    from lti_tool.lti import cli_deployments, tool_config

    tool, platform, cid, dep = connected
    _set_product(tool, "canvas", policy="approve")
    monkeypatch.setattr(tool_config, "MAX_PENDING_DEPLOYMENTS", 2)
    monkeypatch.setattr(cli_deployments, "MAX_PENDING_DEPLOYMENTS", 2)
    for new_id in ("1:a", "2:b", "3:c"):
        platform.next_id_token_hook = _deployment(new_id)
        with caplog.at_level("WARNING"):
            resp = browser.launch(platform.base_url, cid, dep)
        assert resp.status_code == 403 and "<code>deployment_pending</code>" in resp.text
    assert any("'3:c' not recorded: 2 deployments already wait" in r.getMessage() for r in caplog.records)
    with tool.app.app_context():
        stored = {d.deployment_id for d in db.session.execute(select(Deployment)).scalars()}
        platform_id = db.session.execute(select(Platform.id)).scalar_one()
    assert {"1:a", "2:b"} <= stored and "3:c" not in stored
    # The operator approves the one that was not recorded, as the page tells them; it opens the tool.
    approved = tool.app.test_cli_runner().invoke(args=["lti", "deployment", "approve", str(platform_id), "3:c"])
    assert approved.exit_code == 0 and "approved and added" in approved.output, approved.output
    platform.next_id_token_hook = _deployment("3:c")
    assert "ltik=" in browser.launch(platform.base_url, cid, dep).url
