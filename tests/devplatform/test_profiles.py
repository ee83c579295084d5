"""Platform profiles: the dev platform behaves like real Moodle and Canvas where they differ from us.

Each test names its profile through the ``platform_profile`` fixture (``tests/conftest.py``), which makes
the ``platform`` fixture a platform of that profile.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from lti_tool.devplatform import Browser, DevPlatform
from lti_tool.devplatform.constants import TOOL_CONFIGURATION, Claim, InstitutionRole, MediaType, Role, Scope
from lti_tool.devplatform.profiles import derive_placements, get_profile, privacy_level
from lti_tool.devplatform.registration import new_registration_token

from .conftest import FakeTool

generic = pytest.mark.parametrize("platform_profile", ["generic"], indirect=True)
moodle = pytest.mark.parametrize("platform_profile", ["moodle"], indirect=True)
canvas = pytest.mark.parametrize("platform_profile", ["canvas"], indirect=True)

ADMIN = "9001"
LEARNER = "1003"
CANVAS_DEPLOYMENT = re.compile(r"^\d+:[0-9a-f]{40}$")


def _claims(response: requests.Response) -> dict[str, Any]:
    """Return the verified id_token claims the fake tool echoes."""
    assert response.status_code == 200, response.text
    claims: dict[str, Any] = response.json()["claims"]
    return claims


def _login_params(platform: DevPlatform, client_id: str, **query: str) -> dict[str, str]:
    """Return the login initiation parameters, whether sent by redirect or by an auto-submitted form."""
    from lti_tool.devplatform.driver import find_autosubmit_form

    response = requests.get(platform.url("/launch"), params={"client_id": client_id, **query},
                            allow_redirects=False, timeout=5)
    assert response.status_code in (200, 302), response.text
    if response.status_code == 302:
        return {k: v[0] for k, v in parse_qs(urlsplit(response.headers["Location"]).query).items()}
    found = find_autosubmit_form(response.text)
    assert found is not None
    return dict(found[2])


def _register(platform: DevPlatform, body: Any) -> requests.Response:
    """POST a Dynamic Registration request with a fresh token."""
    token = new_registration_token(platform)
    return requests.post(platform.url("/register"), json=body, headers={"Authorization": f"Bearer {token}"},
                         timeout=5)


def _registered_dynamically(platform: DevPlatform, tool: FakeTool, **tool_config: Any) -> dict[str, Any]:
    """Register the fake tool dynamically, remember its client id, and return the answer."""
    response = _register(platform, tool.registration_body(**tool_config))
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    tool.client_id = answer["client_id"]
    tool.deployment_id = answer[TOOL_CONFIGURATION].get("deployment_id", "")
    return answer


def _now(offset_ms: int = 0) -> str:
    """Return an ISO 8601 UTC timestamp with microseconds."""
    return (datetime.now(timezone.utc) + timedelta(milliseconds=offset_ms)).isoformat()


def _score(user: str = LEARNER, **overrides: Any) -> dict[str, Any]:
    """Return a FullyGraded score of 8/10 for ``user``."""
    body = {"userId": user, "scoreGiven": 8, "scoreMaximum": 10, "activityProgress": "Completed",
            "gradingProgress": "FullyGraded", "timestamp": _now()}
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def _post(platform: DevPlatform, item_id: str, auth: dict[str, str], body: dict[str, Any]) -> requests.Response:
    """POST a score to a line item of course-101."""
    item = platform.line_items[item_id]
    url = platform.url(f"/api/ags/{item.course_id}/lineitems/{item_id}/scores")
    return requests.post(url, json=body, headers={**auth, "Content-Type": MediaType.SCORE.value}, timeout=5)


def _seeded_item(platform: DevPlatform, tool: FakeTool, course: str = "course-101") -> str:
    """Return the id of the seeded line item of a course's default link."""
    (item,) = platform.line_items_for(course, tool.client_id, f"{course}-link-1")
    return item.item_id


# -- choosing a profile ---------------------------------------------------------------------------


def test_unknown_profile_is_refused() -> None:
    """Only generic, moodle and canvas exist."""
    with pytest.raises(ValueError, match="moodle"):
        DevPlatform(profile="blackboard")
    assert get_profile("canvas").name == "canvas"


def test_platform_profile_fixture_runs_both(platform_profile: str, platform: DevPlatform) -> None:
    """The fixture yields moodle, then canvas, and the platform fixture follows it."""
    assert platform.profile.name == platform_profile in ("moodle", "canvas")
    config = requests.get(platform.url("/.well-known/openid-configuration"), timeout=5).json()
    assert config["https://purl.imsglobal.org/spec/lti-platform-configuration"]["product_family_code"] == \
        platform_profile


# -- administrator and observer roles -------------------------------------------------------------


@generic
def test_generic_admin_has_institution_administrator(
    platform_profile: str, platform: DevPlatform, registered: FakeTool, browser: Browser) -> None:
    """The generic administrator: institution Administrator, plus the course role once enrolled."""
    claims = _claims(browser.launch_as_admin(platform.base_url, registered.client_id))
    assert claims["sub"] == ADMIN
    assert claims[Claim.ROLES.value] == [InstitutionRole.ADMINISTRATOR.value]
    platform.enrol("course-102", ADMIN, "instructor")
    claims = _claims(browser.launch_as_admin(platform.base_url, registered.client_id, course="course-102"))
    assert claims[Claim.ROLES.value] == [Role.INSTRUCTOR.value, InstitutionRole.ADMINISTRATOR.value]


@moodle
def test_moodle_admin_roles_and_token(
    platform_profile: str, platform: DevPlatform, registered: FakeTool, browser: Browser) -> None:
    """Moodle's site admin: Instructor AND system AND institution Administrator; 60 s token, plain aud."""
    claims = _claims(browser.launch_as_admin(platform.base_url, registered.client_id))
    assert claims[Claim.ROLES.value] == [Role.INSTRUCTOR.value, InstitutionRole.SYSTEM_ADMINISTRATOR.value,
                                         InstitutionRole.ADMINISTRATOR.value]
    assert claims["exp"] - claims["iat"] == 60
    assert claims["aud"] == registered.client_id  # a plain string
    assert claims[Claim.TOOL_PLATFORM.value]["product_family_code"] == "moodle"
    assert claims[Claim.EXT.value]["user_username"]
    learner = _claims(browser.launch(platform.base_url, registered.client_id))
    assert learner[Claim.ROLES.value] == [Role.LEARNER.value]
    ta = _claims(browser.launch(platform.base_url, registered.client_id, user="ta"))
    assert ta[Claim.ROLES.value] == [Role.INSTRUCTOR.value]  # Moodle has no TA role


@moodle
def test_moodle_logs_in_by_post_with_lti_deployment_id(
    platform_profile: str, platform: DevPlatform, registered: FakeTool) -> None:
    """Moodle posts the login initiation with the spec's ``lti_deployment_id``."""
    params = _login_params(platform, registered.client_id)
    assert params["lti_deployment_id"] == registered.deployment_id
    assert "deployment_id" not in params and "canvas_region" not in params


@canvas
def test_canvas_roles(platform_profile: str, platform: DevPlatform, registered: FakeTool, browser: Browser) -> None:
    """Canvas: account admin, institution roles for a student who teaches elsewhere, observers as Mentor."""
    admin = _claims(browser.launch_as_admin(platform.base_url, registered.client_id))
    assert admin[Claim.ROLES.value] == [InstitutionRole.ADMINISTRATOR.value, InstitutionRole.SYSTEM_USER.value]
    platform.enrol("course-102", ADMIN, "instructor")
    enrolled = _claims(browser.launch_as_admin(platform.base_url, registered.client_id, course="course-102"))
    assert {Role.INSTRUCTOR.value, InstitutionRole.ADMINISTRATOR.value, InstitutionRole.INSTRUCTOR.value} <= \
        set(enrolled[Claim.ROLES.value])
    student = _claims(browser.launch(platform.base_url, registered.client_id, user="1004"))
    assert student[Claim.ROLES.value] == sorted([Role.LEARNER.value, InstitutionRole.INSTRUCTOR.value,
                                                 InstitutionRole.STUDENT.value, InstitutionRole.SYSTEM_USER.value])
    observer = _claims(browser.launch_as_observer(platform.base_url, registered.client_id))
    assert Role.MENTOR.value in observer[Claim.ROLES.value]
    assert Role.LEARNER.value not in observer[Claim.ROLES.value]
    assert observer[Claim.ROLE_SCOPE_MENTOR.value] == [LEARNER]
    ta = _claims(browser.launch(platform.base_url, registered.client_id, user="ta"))
    assert {Role.TEACHING_ASSISTANT.value, Role.INSTRUCTOR.value} <= set(ta[Claim.ROLES.value])
    assert admin["exp"] - admin["iat"] == 3600


@pytest.mark.parametrize("platform_profile", ["generic", "moodle"], indirect=True)
def test_observer_exists_only_in_canvas(
    platform_profile: str, platform: DevPlatform, registered: FakeTool, browser: Browser) -> None:
    """There is no observer outside the canvas profile: the launch is refused by the platform."""
    response = browser.launch_as_observer(platform.base_url, registered.client_id)
    assert response.status_code == 400 and "not a member" in response.text


@pytest.mark.parametrize("platform_profile", ["generic", "moodle", "canvas"], indirect=True)
def test_home_page_offers_admin_and_observer_launches(
    platform_profile: str, platform: DevPlatform, registered: FakeTool) -> None:
    """Every profile has "Launch as administrator"; only Canvas has "Launch as observer"."""
    html = requests.get(platform.url("/"), timeout=5).text
    assert "Launch as administrator" in html
    assert ("Launch as observer" in html) == (platform.profile.name == "canvas")
    assert f"Profile <strong>{platform.profile.name}</strong>" in html


# -- dynamic registration: Moodle pending until activated -------------------------------------------


@moodle
def test_moodle_registration_is_pending_until_activated(
    platform_profile: str, platform: DevPlatform, tool: FakeTool, browser: Browser) -> None:
    """Moodle answers a deployment_id, but launches fail until an admin activates the tool."""
    answer = _registered_dynamically(platform, tool)
    deployment_id = answer[TOOL_CONFIGURATION]["deployment_id"]
    assert deployment_id == platform.clients[tool.client_id].deployment_ids[0]
    pending = browser.launch(platform.base_url, tool.client_id)
    assert pending.status_code == 400 and "pending" in pending.text
    assert browser.tool(platform.base_url, tool.client_id)["active"] is False
    assert "Activate" in requests.get(platform.url("/"), timeout=5).text
    details = browser.activate(platform.base_url, tool.client_id)
    assert details["active"] is True
    claims = _claims(browser.launch(platform.base_url, tool.client_id))
    assert claims[Claim.DEPLOYMENT_ID.value] == deployment_id


@moodle
@pytest.mark.parametrize("case", ["no_domain", "other_port", "response_types", "auth_method", "application_type"])
def test_moodle_registration_rules(platform_profile: str, platform: DevPlatform, tool: FakeTool, case: str) -> None:
    """Moodle refuses: no domain, domain ≠ target host, no id_token, not private_key_jwt, not web."""
    body = tool.registration_body()
    config = body[TOOL_CONFIGURATION]
    if case == "no_domain":
        del config["domain"]
    elif case == "other_port":
        config["domain"] = "127.0.0.1:1"
    elif case == "response_types":
        body["response_types"] = ["code"]
    elif case == "auth_method":
        body["token_endpoint_auth_method"] = "client_secret_basic"
    else:
        body["application_type"] = "native"
    response = _register(platform, body)
    assert response.status_code == 400 and response.json()["error"] == "invalid_client_metadata"


@moodle
def test_pending_form_activates_from_home_page(
    platform_profile: str, platform: DevPlatform, tool: FakeTool, browser: Browser) -> None:
    """The home page's Activate button is a plain form post that answers a page."""
    _registered_dynamically(platform, tool)
    page = browser.post(platform.url(f"/tools/{tool.client_id}/activate"))
    assert page.status_code == 200 and "Tool activated" in page.text
    assert platform.clients[tool.client_id].active


# -- dynamic registration: Canvas, no deployment until installed ------------------------------------


@canvas
def test_canvas_registration_has_no_deployment_until_installed(
    platform_profile: str, platform: DevPlatform, tool: FakeTool, browser: Browser) -> None:
    """Canvas answers a client_id and no deployment_id; each install creates a new deployment."""
    answer = _registered_dynamically(platform, tool)
    assert answer["client_id"].isdigit()
    assert "deployment_id" not in answer[TOOL_CONFIGURATION]
    assert platform.clients[tool.client_id].deployment_ids == []
    refused = browser.launch(platform.base_url, tool.client_id)
    assert refused.status_code == 400 and "not installed" in refused.text
    first = browser.install(platform.base_url, tool.client_id)
    assert CANVAS_DEPLOYMENT.match(first)
    claims = _claims(browser.launch(platform.base_url, tool.client_id))
    assert claims[Claim.DEPLOYMENT_ID.value] == first
    again = browser.install(platform.base_url, tool.client_id)
    assert again != first and again.split(":")[1] == first.split(":")[1]  # same context, new install
    details = browser.tool(platform.base_url, tool.client_id)
    assert [i["scope"] for i in details["installs"]] == ["account", "account"]


@canvas
def test_canvas_installs_pick_the_most_specific_deployment(
    platform_profile: str, platform: DevPlatform, tool: FakeTool, browser: Browser) -> None:
    """Course installs beat sub-account installs beat the account; a deployment stays in its context."""
    _registered_dynamically(platform, tool)
    sub = browser.install(platform.base_url, tool.client_id, "sub_account")
    assert platform.deployment_for(tool.client_id, "course-101") == sub
    assert platform.deployment_for(tool.client_id, "course-102") is None  # course-102 is not in the sub-account
    course = browser.install(platform.base_url, tool.client_id, "course", "course-102")
    claims = _claims(browser.launch(platform.base_url, tool.client_id, course="course-102", user="instructor"))
    assert claims[Claim.DEPLOYMENT_ID.value] == course
    wrong = browser.launch(platform.base_url, tool.client_id, course, course="course-101")
    assert wrong.status_code == 400 and "not for course-101" in wrong.text
    with pytest.raises(requests.HTTPError):
        browser.install(platform.base_url, tool.client_id, "course", "course-999")


@canvas
def test_canvas_login_parameters(
    platform_profile: str, platform: DevPlatform, registered: FakeTool, browser: Browser) -> None:
    """Canvas sends deployment_id (not lti_deployment_id), region, environment and the storage target."""
    params = _login_params(platform, registered.client_id)
    assert params["deployment_id"] == registered.deployment_id
    assert "lti_deployment_id" not in params
    assert params["canvas_region"] and params["canvas_environment"]
    assert params["lti_storage_target"] == "post_message_forwarding"
    assert browser.launch(platform.base_url, registered.client_id).json()["form"]["lti_storage_target"]
    platform.platform_storage = False
    assert "lti_storage_target" not in _login_params(platform, registered.client_id)
    assert "lti_storage_target" not in browser.launch(platform.base_url, registered.client_id).json()["form"]


@pytest.mark.parametrize("platform_profile", ["generic"], indirect=True)
def test_install_is_canvas_only(
    platform_profile: str, platform: DevPlatform, registered: FakeTool, browser: Browser) -> None:
    """Other profiles have no installs: the action answers 400."""
    with pytest.raises(requests.HTTPError):
        browser.install(platform.base_url, registered.client_id)


def test_placements_follow_canvas_rules() -> None:
    """No placements → link_selection; first message per placement wins; course_navigation only if asked."""
    plain_first = {"messages": [
        {"type": "LtiResourceLinkRequest", "target_link_uri": "https://t.example/launch"},
        {"type": "LtiDeepLinkingRequest", "target_link_uri": "https://t.example/dl",
         "placements": ["ContentArea", "link_selection", "assignment_selection"]},
    ]}
    assert [(p["placement"], p["message_type"]) for p in derive_placements(plain_first)] == [
        ("link_selection", "LtiResourceLinkRequest"), ("assignment_selection", "LtiDeepLinkingRequest")]
    with_nav = {"messages": [
        {"type": "LtiDeepLinkingRequest", "placements": ["link_selection", "assignment_selection"]},
        {"type": "LtiResourceLinkRequest", "placements": ["course_navigation"], "label": "Training progress",
         "https://canvas.instructure.com/lti/course_navigation/default_enabled": False},
    ], "target_link_uri": "https://t.example/launch"}
    placements = derive_placements(with_nav)
    assert [p["placement"] for p in placements] == ["link_selection", "assignment_selection", "course_navigation"]
    assert placements[2]["text"] == "Training progress" and placements[2]["default"] == "disabled"
    assert placements[0]["target_link_uri"] == "https://t.example/launch"


@canvas
def test_canvas_records_placements_and_launches_from_them(
    platform_profile: str, platform: DevPlatform, tool: FakeTool, browser: Browser) -> None:
    """A plain resource-link message listed first takes link_selection: "add to module" never opens the picker."""
    messages = [
        {"type": "LtiResourceLinkRequest", "target_link_uri": tool.url + "/launch"},
        {"type": "LtiDeepLinkingRequest", "target_link_uri": tool.url + "/launch?dl=1",
         "placements": ["ContentArea", "assignment_selection"]},
    ]
    _registered_dynamically(platform, tool, messages=messages)
    details = browser.tool(platform.base_url, tool.client_id)
    assert [(p["placement"], p["message_type"]) for p in details["placements"]] == [
        ("link_selection", "LtiResourceLinkRequest"), ("assignment_selection", "LtiDeepLinkingRequest")]
    tool.deployment_id = browser.install(platform.base_url, tool.client_id)
    bare = browser.launch(platform.base_url, tool.client_id, user="instructor", message="deeplink",
                          placement="link_selection")
    assert bare.status_code == 400 and "never opens the tool's picker" in bare.text
    no_nav = browser.launch(platform.base_url, tool.client_id, placement="course_navigation")
    assert no_nav.status_code == 400 and "no course_navigation placement" in no_nav.text
    picker = _claims(browser.launch(platform.base_url, tool.client_id, user="instructor", message="deeplink",
                                    placement="assignment_selection"))
    assert picker[Claim.MESSAGE_TYPE.value] == "LtiDeepLinkingRequest"
    assert picker[Claim.CANVAS_PLACEMENT.value] == "assignment_selection"
    assert picker[Claim.TARGET_LINK_URI.value] == tool.url + "/launch?dl=1"
    html = requests.get(platform.url("/"), timeout=5).text
    assert "Add content from assignment_selection" in html and "Open from link_selection" in html


@canvas
def test_canvas_course_navigation_placement(
    platform_profile: str, platform: DevPlatform, tool: FakeTool, browser: Browser) -> None:
    """With placements on every message, course navigation exists and launches its own target."""
    messages = [
        {"type": "LtiDeepLinkingRequest", "target_link_uri": tool.url + "/launch?dl=1",
         "placements": ["link_selection", "assignment_selection"]},
        {"type": "LtiResourceLinkRequest", "target_link_uri": tool.url + "/launch?progress=1",
         "placements": ["course_navigation"], "label": "Training progress"},
    ]
    _registered_dynamically(platform, tool, messages=messages)
    assert [p["placement"] for p in platform.clients[tool.client_id].placements] == [
        "link_selection", "assignment_selection", "course_navigation"]
    browser.install(platform.base_url, tool.client_id)
    claims = _claims(browser.launch(platform.base_url, tool.client_id, user="instructor",
                                    placement="course_navigation"))
    assert claims[Claim.CANVAS_PLACEMENT.value] == "course_navigation"
    assert claims[Claim.TARGET_LINK_URI.value] == tool.url + "/launch?progress=1"


@canvas
@pytest.mark.parametrize("case", ["grant_types", "placement", "claims"])
def test_canvas_registration_rules(platform_profile: str, platform: DevPlatform, tool: FakeTool, case: str) -> None:
    """Canvas refuses missing implicit/client_credentials grants, unknown placements and missing claims."""
    body = tool.registration_body()
    if case == "grant_types":
        body["grant_types"] = ["client_credentials"]
    elif case == "placement":
        body[TOOL_CONFIGURATION]["messages"][0]["placements"] = ["nowhere"]
    else:
        del body[TOOL_CONFIGURATION]["claims"]
    assert _register(platform, body).status_code == 400


@canvas
def test_canvas_does_not_compare_domain_and_privacy_decides_names(
    platform_profile: str, platform: DevPlatform, tool: FakeTool, browser: Browser) -> None:
    """Canvas accepts a domain on another port (Moodle would not) and sends names by privacy level."""
    _registered_dynamically(platform, tool, domain="127.0.0.1:1",
                            **{"https://canvas.instructure.com/lti/privacy_level": "name_only"})
    browser.install(platform.base_url, tool.client_id)
    claims = _claims(browser.launch(platform.base_url, tool.client_id))
    assert claims["name"] == "Aiko Tanaka" and "email" not in claims
    assert privacy_level({"claims": ["sub", "name", "email"]}) == "public"
    assert privacy_level({"claims": ["sub"]}) == "anonymous"


# -- AGS --------------------------------------------------------------------------------------------


def _deep_link_item(platform: DevPlatform, tool: FakeTool, browser: Browser) -> str:
    """Place one graded item through a real Deep Linking round trip; return its line item id."""
    response = browser.launch(platform.base_url, tool.client_id, user="instructor", message="deeplink")
    settings = _claims(response)[Claim.DL_SETTINGS.value]
    item = {"type": "ltiResourceLink", "title": "Quiz", "url": tool.url + "/launch?q=1",
            "custom": {"activity": "quiz"}, "lineItem": {"scoreMaximum": 10, "label": "Quiz"}}
    answer = requests.post(settings["deep_link_return_url"], data={"JWT": tool.deep_link_response(settings, [item])},
                           timeout=5)
    assert answer.status_code == 200, answer.text
    (link,) = platform.deep_linked_items()
    (line_item,) = platform.line_items_for("course-101", tool.client_id, link.link_id)
    return line_item.item_id


@canvas
def test_canvas_refuses_scores_until_published(
    platform_profile: str, platform: DevPlatform, registered: FakeTool, browser: Browser) -> None:
    """Deep-linked assignments start unpublished: 422 until a teacher publishes, then accepted."""
    item_id = _deep_link_item(platform, registered, browser)
    assert platform.line_items[item_id].published is False
    assert "Unpublished assignments" in requests.get(platform.url("/"), timeout=5).text
    auth = registered.access_token()
    refused = _post(platform, item_id, auth, _score())
    assert refused.status_code == 422 and "unpublished" in refused.json()["errors"]["message"]
    assert browser.publish(platform.base_url, item_id)["published"] is True
    accepted = _post(platform, item_id, auth, _score())
    assert accepted.status_code == 200 and accepted.json()["resultUrl"].endswith(f"/results/{LEARNER}")
    assert platform.grade_state(item_id, LEARNER).grade == 8.0


@canvas
@pytest.mark.parametrize("user", ["3001", "1001", "1002", ADMIN, "2002"])
def test_canvas_refuses_scores_for_non_students(
    platform_profile: str, platform: DevPlatform, registered: FakeTool, user: str) -> None:
    """Observers, teachers, TAs, admins and non-members get 422."""
    response = _post(platform, _seeded_item(platform, registered), registered.access_token(), _score(user))
    assert response.status_code == 422
    assert response.json()["errors"]["message"] == "User not found in course or is not a student"


@canvas
def test_canvas_timestamps_and_not_ready(platform_profile: str, platform: DevPlatform, registered: FakeTool) -> None:
    """Older timestamp: 400; equal: accepted; NotReady clears the score and leaves it needing grading."""
    item_id, auth = _seeded_item(platform, registered), registered.access_token()
    stamp = _now()
    assert _post(platform, item_id, auth, _score(timestamp=stamp)).status_code == 200
    state = platform.grade_state(item_id, LEARNER)
    assert (state.grade, state.needs_grading, state.submissions) == (8.0, False, 1)
    older = _post(platform, item_id, auth, _score(timestamp=_now(-5000)))
    assert older.status_code == 400 and "before last updated timestamp" in older.json()["errors"]["message"]
    assert _post(platform, item_id, auth, _score(timestamp=stamp)).status_code == 200
    not_ready = _score(timestamp=_now(1000), gradingProgress="NotReady", scoreGiven=None, scoreMaximum=None)
    assert _post(platform, item_id, auth, not_ready).status_code == 200
    state = platform.grade_state(item_id, LEARNER)
    assert (state.grade, state.needs_grading, state.submissions) == (None, True, 3)
    pending = _score(timestamp=_now(2000), gradingProgress="Pending")
    assert _post(platform, item_id, auth, pending).status_code == 200
    assert platform.grade_state(item_id, LEARNER).grade is None  # scoreGiven ignored
    no_max = _post(platform, item_id, auth, _score(timestamp=_now(3000), scoreMaximum=None))
    assert no_max.status_code == 422
    nrps_only = registered.access_token([Scope.NRPS.value])
    assert _post(platform, item_id, nrps_only, _score(timestamp=_now(4000))).status_code == 401  # not 403


@moodle
@pytest.mark.parametrize("user", ["1001", "1002", ADMIN])
def test_moodle_refuses_non_gradable_users_with_empty_list(
    platform_profile: str, platform: DevPlatform, registered: FakeTool, user: str) -> None:
    """Teachers and admins cannot be graded: 400 with body ``[]``."""
    response = _post(platform, _seeded_item(platform, registered), registered.access_token(), _score(user))
    assert response.status_code == 400 and response.text == "[]"


@moodle
def test_moodle_one_second_resolution(platform_profile: str, platform: DevPlatform, registered: FakeTool) -> None:
    """Two scores within the same second: the second gets 409; the next second is accepted."""
    item_id, auth = _seeded_item(platform, registered), registered.access_token()
    assert _post(platform, item_id, auth, _score(timestamp="2026-01-05T10:00:00.100+00:00")).status_code == 200
    same_second = _post(platform, item_id, auth, _score(timestamp="2026-01-05T10:00:00.900+00:00"))
    assert same_second.status_code == 409
    assert _post(platform, item_id, auth, _score(timestamp="2026-01-05T10:00:01.000+00:00")).status_code == 200


@generic
def test_generic_keeps_sub_second_timestamps(
    platform_profile: str, platform: DevPlatform, registered: FakeTool) -> None:
    """The generic profile still compares exact timestamps."""
    item_id, auth = _seeded_item(platform, registered), registered.access_token()
    assert _post(platform, item_id, auth, _score(timestamp="2026-01-05T10:00:00.100+00:00")).status_code == 200
    assert _post(platform, item_id, auth, _score(timestamp="2026-01-05T10:00:00.900+00:00")).status_code == 200


@moodle
def test_moodle_stores_grade_and_completion_only_when_fully_graded(
    platform_profile: str, platform: DevPlatform, registered: FakeTool) -> None:
    """Completed + NotReady is a null grade and no completion; FullyGraded is a grade and completes."""
    item_id, auth = _seeded_item(platform, registered), registered.access_token()
    completion_only = _score(gradingProgress="NotReady", scoreGiven=None, scoreMaximum=None)
    assert _post(platform, item_id, auth, completion_only).status_code == 200
    state = platform.grade_state(item_id, LEARNER)
    assert (state.grade, state.completed) == (None, False)
    assert _post(platform, item_id, auth, _score(timestamp=_now(1500), scoreGiven=1, scoreMaximum=1)).status_code == 200
    state = platform.grade_state(item_id, LEARNER)
    assert (state.grade, state.completed) == (100.0, True)  # rescaled to the grade item's 100
    assert "What the gradebook holds" in requests.get(platform.url("/"), timeout=5).text


@moodle
def test_moodle_completion_needs_the_grade_rule(
    platform_profile: str, platform: DevPlatform, registered: FakeTool) -> None:
    """Without the "receive a grade" completion rule, a grade does not complete the activity."""
    item_id, auth = _seeded_item(platform, registered), registered.access_token()
    platform.set_completion_rule(item_id, None)
    assert _post(platform, item_id, auth, _score()).status_code == 200
    state = platform.grade_state(item_id, LEARNER)
    assert (state.grade, state.completed) == (80.0, False)


# -- NRPS -------------------------------------------------------------------------------------------


def _roster(platform: DevPlatform, auth: dict[str, str], **params: Any) -> list[requests.Response]:
    """Follow ``rel="next"`` through every page of course-101's roster."""
    pages: list[requests.Response] = []
    url: str | None = platform.url("/api/nrps/course-101/memberships")
    while url:
        response = requests.get(url, params=params if not pages else None, headers=auth, timeout=5)
        assert response.status_code == 200, response.text
        pages.append(response)
        url = response.links.get("next", {}).get("url")
    return pages


@canvas
def test_canvas_nrps_caps_at_50_and_links_pages(
    platform_profile: str, platform: DevPlatform, registered: FakeTool) -> None:
    """Canvas: default and maximum 50 per page; numbered pages with current/next/first/last links."""
    auth = registered.access_token([Scope.NRPS.value])
    (only,) = _roster(platform, auth, limit=500)
    members = only.json()["members"]
    assert len(members) == 27  # 26 plus the observer
    assert {"current", "first", "last"} <= set(only.links) and "next" not in only.links
    pages = _roster(platform, auth, limit=10)
    assert [len(p.json()["members"]) for p in pages] == [10, 10, 7]
    assert "page=2" in pages[0].links["next"]["url"] and "per_page=10" in pages[0].links["next"]["url"]
    roles = {m["user_id"]: m["roles"] for p in pages for m in p.json()["members"]}
    assert roles["3001"] == [Role.MENTOR.value]
    assert roles["1002"] == [Role.TEACHING_ASSISTANT.value, Role.INSTRUCTOR.value]
    assert ADMIN not in roles


@moodle
def test_moodle_nrps_short_roles_and_all_members(
    platform_profile: str, platform: DevPlatform, registered: FakeTool) -> None:
    """Moodle: everyone when limit is absent or ≤ 0; short role names; from-based next links."""
    auth = registered.access_token([Scope.NRPS.value])
    (everyone,) = _roster(platform, auth)
    members = everyone.json()["members"]
    assert len(members) == 26 and "next" not in everyone.links
    assert {tuple(m["roles"]) for m in members} == {("Learner",), ("Instructor",)}
    assert len(_roster(platform, auth, limit=0)[0].json()["members"]) == 26
    pages = _roster(platform, auth, limit=10)
    assert [len(p.json()["members"]) for p in pages] == [10, 10, 6]
    assert "from=10" in pages[0].links["next"]["url"]


# -- the development setting --------------------------------------------------------------------------


def test_development_setting_picks_the_profile(tmp_path: Any) -> None:
    """LTI_TOOL_DEV_PLATFORM_PROFILE chooses the platform mounted at /platform; a bad value is refused."""
    from lti_tool import ConfigError
    from lti_tool.config import load_settings

    from support import drop_app, make_app

    app = make_app(tmp_path, ENV="development", DEV_PLATFORM=True, DEV_PLATFORM_PROFILE="canvas")
    try:
        platform = app.extensions["r2com"]["dev_platform"]
        assert platform.profile.name == "canvas"
        page = app.test_client().get("/platform/")
        assert page.status_code == 200 and b"Launch as observer" in page.data
    finally:
        drop_app(app)
    assert load_settings(env={"LTI_TOOL_DEV_PLATFORM_PROFILE": "moodle"})["DEV_PLATFORM_PROFILE"] == "moodle"
    with pytest.raises(ConfigError, match="DEV_PLATFORM_PROFILE"):
        load_settings(env={"LTI_TOOL_DEV_PLATFORM_PROFILE": "sakai"})


@canvas
def test_canvas_frames_launches_beside_the_storage_frame(
    platform_profile: str, platform: DevPlatform, registered: FakeTool) -> None:
    """With platform storage, the home page launches into a course page framing the tool and the forwarder."""
    assert 'action="/course-frame"' in requests.get(platform.url("/"), timeout=5).text
    page = requests.get(platform.url("/course-frame"), params={"client_id": registered.client_id,
                                                               "course": "course-101", "user": "learner"}, timeout=5)
    assert 'name="post_message_forwarding"' in page.text and 'name="tool_content"' in page.text
    assert "lti.get_data" in requests.get(platform.url("/post_message_forwarding"), timeout=5).text
    assert requests.get(platform.url("/course-frame"), params={"client_id": "nope"}, timeout=5).status_code == 400
    platform.platform_storage = False
    assert 'action="/course-frame"' not in requests.get(platform.url("/"), timeout=5).text
