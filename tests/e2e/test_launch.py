"""Full OIDC login + launch over real HTTP between the development platform and the tool."""

from __future__ import annotations

import re
import threading
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from lti_tool.devplatform.driver import Browser
from lti_tool.devplatform.server import start_platform
from lti_tool.extensions import db
from lti_tool.lti.models import Context, Deployment, LtiUser, Membership, Platform
from support import connect


def _ltik(response) -> str:
    return parse_qs(urlsplit(response.url).query)["ltik"][0]


def test_learner_and_instructor_launch(connected, browser):
    tool, platform, cid, dep = connected
    learner = browser.launch(platform.base_url, cid, dep, user="learner")
    assert learner.status_code == 200, learner.text[:500]
    assert learner.url.startswith(tool.url) and "ltik=" in learner.url
    with Browser() as other:
        instructor = other.launch(platform.base_url, cid, dep, user="instructor")
    assert instructor.status_code == 200 and "ltik=" in instructor.url
    with tool.app.app_context():
        roles = {m.role for m in db.session.execute(select(Membership)).scalars()}
        assert roles == {"learner", "instructor"}
        ctx = db.session.execute(select(Context)).scalar_one()
        assert ctx.context_id == "course-101"
        users = db.session.execute(select(LtiUser)).scalars().all()
        assert len(users) == 2 and all(u.sub for u in users)


def test_session_token_is_checked(connected, browser):
    tool, platform, cid, dep = connected
    landed = browser.launch(platform.base_url, cid, dep)
    token = _ltik(landed)
    ok = browser.get(tool.url + "/lti/home", params={"ltik": token})
    assert ok.status_code == 200
    forged = browser.get(tool.url + "/lti/home", params={"ltik": token[:-3] + "abc"})
    assert forged.status_code == 401 and "bad_session" in forged.text
    missing = browser.get(tool.url + "/lti/home")
    assert missing.status_code == 401 and "no_session" in missing.text
    as_json = browser.get(tool.url + "/lti/home", headers={"Accept": "application/json"})
    assert as_json.json()["error"] == "no_session"
    bearer = browser.get(tool.url + "/lti/home", headers={"Authorization": "Bearer " + token})
    assert bearer.status_code == 200


def test_disabled_platform_ends_sessions_and_launches(connected, browser):
    tool, platform, cid, dep = connected
    token = _ltik(browser.launch(platform.base_url, cid, dep))
    runner = tool.app.test_cli_runner()
    with tool.app.app_context():
        pid = db.session.execute(select(Platform.id)).scalar_one()
    assert runner.invoke(args=["lti", "platform", "disable", str(pid)]).exit_code == 0
    assert browser.get(tool.url + "/lti/home", params={"ltik": token}).status_code == 401
    refused = Browser().launch(platform.base_url, cid, dep)
    assert refused.status_code == 403 and "platform_disabled" in refused.text


def test_two_platforms_two_deployments_and_shared_issuer(tool):
    plat_a, run_a = start_platform()
    plat_b, run_b = start_platform()
    try:
        cid_a, deps_a = connect(tool, plat_a, name="Moodle A", deployments=2)
        cid_b, deps_b = connect(tool, plat_b, name="Moodle B", deployments=2)
        # Canvas-style: one issuer, a second client id (another school's developer key).
        cid_c, deps_c = connect(tool, plat_a, name="Canvas school 2", client_id="school-two-key", deployments=2)
        launches = [(plat_a, cid_a, d) for d in deps_a] + [(plat_b, cid_b, d) for d in deps_b] + \
                   [(plat_a, cid_c, d) for d in deps_c]
        for plat, cid, dep in launches:
            with Browser() as b:
                resp = b.launch(plat.base_url, cid, dep, user="learner")
                assert resp.status_code == 200, (cid, dep, resp.text[:300])
        with tool.app.app_context():
            platforms = db.session.execute(select(Platform)).scalars().all()
            assert len(platforms) == 3
            assert len({p.issuer for p in platforms}) == 2
            # Every (platform, deployment) pair got its own context for the same course id.
            contexts = db.session.execute(select(Context)).scalars().all()
            assert len(contexts) == 6
            assert len({c.deployment_id for c in contexts}) == 6
            # The same platform user id under two client ids is two different users.
            users = db.session.execute(select(LtiUser)).scalars().all()
            assert len({(u.platform_id, u.sub) for u in users}) == len(users) == 3
    finally:
        run_a.stop()
        run_b.stop()


def test_login_rejects_unknown_platform_and_deployment(connected, browser):
    tool, platform, cid, dep = connected
    params = {"iss": "https://unknown.example", "login_hint": "1", "target_link_uri": tool.url + "/lti/launch",
              "client_id": cid}
    unknown = browser.get(tool.url + "/lti/login", params=params, allow_redirects=False)
    assert unknown.status_code == 403 and "unknown_platform" in unknown.text
    params.update(iss=platform.issuer, lti_deployment_id="nope")
    # Login parameters are not signed: an unknown deployment goes on to the signed launch, which alone can say
    # that the platform really created it (a new Canvas install). See test_first_use.py for what happens there.
    assert browser.get(tool.url + "/lti/login", params=params, allow_redirects=False).status_code == 302
    params.pop("lti_deployment_id")
    params["target_link_uri"] = "https://elsewhere.example/launch"
    foreign = browser.get(tool.url + "/lti/login", params=params)
    assert foreign.status_code == 401 and "foreign_target_link_uri" in foreign.text
    missing = browser.post(tool.url + "/lti/login", data={"iss": platform.issuer})
    assert missing.status_code == 400 and "missing_login_hint" in missing.text


def test_login_accepts_post_and_canvas_parameters(tool, platform, browser):
    cid, deps = connect(tool, platform, canvas_mode=True)
    first = browser.get(platform.base_url + "/launch",
                        params={"client_id": cid, "deployment_id": deps[0], "course": "course-101", "user": "learner"})
    # Canvas sends lti_storage_target: the tool answers with the platform-storage page, not a redirect.
    assert first.status_code == 200 and "lti.put_data" in first.text
    assert "lti1p3" not in first.text  # no pylti1p3 cookie-check page


def _auth_url_and_binding(page: str) -> tuple[str, str]:
    auth = re.search(r'var authUrl = "([^"]+)"', page).group(1).encode().decode("unicode_escape")
    binding = re.search(r'value = "([^"]+)"', page).group(1)
    return auth, binding


def test_platform_storage_binds_state_without_cookies(tool, platform):
    """Canvas in an iframe with third-party cookies blocked: the state is bound through platform storage."""
    cid, deps = connect(tool, platform, canvas_mode=True)
    with Browser() as b:
        page = b.get(platform.base_url + "/launch", params={"client_id": cid, "deployment_id": deps[0],
                                                             "course": "course-101", "user": "learner"})
        auth_url, binding = _auth_url_and_binding(page.text)
        b.session.cookies.clear()  # the iframe never kept the tool's cookie
        form_page = b.get(auth_url)
        from lti_tool.devplatform.driver import find_autosubmit_form

        _method, action, pairs = find_autosubmit_form(form_page.text)
        fields = dict(pairs)
        assert fields.get("lti_storage_target")
        check = b.post(action, data=fields)
        assert check.status_code == 200 and "lti.get_data" in check.text
        proof = re.search(r'proof = "([0-9a-f]+)"', check.text).group(1)
        # What the page's script sends: the binding it read from platform storage, with its proof header.
        page_headers = {"X-R2COM-Storage-Proof": proof, "Origin": tool.url, "Accept": "application/json"}
        wrong = b.post(action, data=dict(fields, lti_binding="not-the-binding"), headers=page_headers)
        assert wrong.status_code == 401 and wrong.json()["error"] == "state_not_bound"
        done = b.post(action, data=dict(fields, lti_binding=binding), headers=page_headers)
        assert done.status_code == 200 and done.json()["location"].startswith("/lti/home?ltik=")
        home = b.get(tool.url + done.json()["location"])
        assert home.status_code == 200


def test_blocked_cookies_offer_a_new_window(connected):
    tool, platform, cid, dep = connected

    class NoCookies(Browser):
        def _request(self, method, url, **kwargs):
            self.session.cookies.clear()
            return super()._request(method, url, **kwargs)

    with NoCookies() as iframe:
        resp = iframe.launch(platform.base_url, cid, dep)
    assert resp.status_code == 401 and "Open in a new window" in resp.text
    link = re.search(r'href="(/lti/login\?[^"]+)"', resp.text).group(1).replace("&amp;", "&")
    assert 'target="_blank"' in resp.text
    with Browser() as window:
        reopened = window.follow_forms(window.get(tool.url + link))
    assert reopened.status_code == 200 and "ltik=" in reopened.url


def test_launch_get_is_refused_cleanly(connected, browser):
    tool, *_ = connected
    resp = browser.get(tool.url + "/lti/launch")
    assert resp.status_code == 405 and "launch_requires_post" in resp.text


def test_deep_linking_request_is_accepted(connected, browser):
    tool, platform, cid, dep = connected
    resp = browser.launch(platform.base_url, cid, dep, user="instructor", message="deeplink")
    assert resp.status_code == 200
    with tool.app.app_context():
        from lti_tool.lti.models import LaunchSession

        session = db.session.execute(select(LaunchSession)).scalar_one()
        assert session.message_type == "LtiDeepLinkingRequest"
        assert session.data["deep_linking_settings"]["deep_link_return_url"].startswith(platform.base_url)


def test_deployment_disable_is_enforced(connected, browser):
    tool, platform, cid, dep = connected
    with tool.app.app_context():
        deployment = db.session.execute(select(Deployment)).scalar_one()
        deployment.active = False
        db.session.commit()
        tool.app.extensions["r2com"]["platforms"].invalidate()
    resp = browser.launch(platform.base_url, cid, dep)
    assert resp.status_code == 403 and "deployment_disabled" in resp.text
    params = {"iss": platform.issuer, "login_hint": "1", "client_id": cid, "target_link_uri": tool.url + "/lti/launch"}
    for name in ("lti_deployment_id", "deployment_id"):  # the spec's name and Canvas's
        login = browser.get(tool.url + "/lti/login", params=params | {name: dep}, allow_redirects=False)
        assert login.status_code == 403 and "deployment_disabled" in login.text


def test_unfinished_logins_do_not_pile_up_cookies(connected, browser):
    tool, platform, cid, dep = connected
    params = {"iss": platform.issuer, "login_hint": "1", "client_id": cid, "target_link_uri": tool.url + "/lti/launch"}
    for _ in range(30):
        assert browser.get(tool.url + "/lti/login", params=params, allow_redirects=False).status_code == 302
    names = [c.name for c in browser.session.cookies if c.name.startswith("r2com-lti-")]
    assert 1 <= len(names) <= 4
    # A launch started after all that still works.
    assert browser.launch(platform.base_url, cid, dep).status_code == 200


def test_secure_requests_get_cross_site_cookie_attributes(connected):
    tool, platform, cid, dep = connected
    client = tool.app.test_client()
    resp = client.get("/lti/login", base_url="https://127.0.0.1", query_string={
        "iss": platform.issuer, "login_hint": "1", "client_id": cid, "target_link_uri": tool.url + "/lti/launch"})
    cookie = resp.headers["Set-Cookie"]
    assert "Secure" in cookie and "SameSite=None" in cookie and "Partitioned" in cookie and "HttpOnly" in cookie


def test_concurrent_first_launches_of_one_new_user_give_one_row_and_no_error(connected):
    """Two workers seeing a new user (course, link) at once: both open the tool, one row each (issue #15)."""
    tool, platform, cid, dep = connected
    users = [u.user_id for u, _role in platform.members("course-101")][:3]
    for user in users:
        barrier = threading.Barrier(6)
        statuses: list[int] = []

        def one() -> None:
            with Browser() as b:
                barrier.wait()
                statuses.append(b.launch(platform.base_url, cid, dep, user=user).status_code)

        threads = [threading.Thread(target=one) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert statuses == [200] * 6, statuses
    with tool.app.app_context():
        assert db.session.query(LtiUser).count() == len(users)
        assert db.session.query(Context).count() == 1


def test_login_keys_no_registration_could_hold_never_reach_the_database(connected, browser):
    """NUL bytes (PostgreSQL refuses them in text) and over-long issuers are unknown platforms, not 500s."""
    tool, platform, cid, dep = connected
    for iss, client_id in (("https://lms.example\x00", cid), (platform.issuer, "c\x00"), ("https://" + "x" * 500, cid)):
        params = {"iss": iss, "login_hint": "1", "target_link_uri": tool.url + "/lti/launch", "client_id": client_id}
        refused = browser.get(tool.url + "/lti/login", params=params, allow_redirects=False)
        assert refused.status_code == 403 and "unknown_platform" in refused.text, (repr(iss), refused.status_code)
