"""The WSGI fast path answers logins and launches exactly as the Flask views do, and hands the rest over."""

from __future__ import annotations

import logging
import re
from urllib.parse import parse_qs, urlsplit

import requests
from flask import request_started
from werkzeug.test import Client

from lti_tool.devplatform.driver import find_autosubmit_form


def _cookie_shape(header: str) -> str:
    """A Set-Cookie header with its name suffix and value blanked out."""
    return re.sub(r"^r2com-lti-[^=]+=[^;]*", "r2com-lti-X=V", header)


def _walk(tool, platform, cid, dep, client: Client) -> dict:
    """Platform launch → tool login (through ``client``) → platform auth → tool launch (through ``client``)."""
    lms = requests.Session()
    start = lms.get(platform.base_url + "/launch", params={"client_id": cid, "deployment_id": dep,
                                                           "course": "course-101", "user": "learner"},
                    allow_redirects=False, timeout=10)
    login_url = urlsplit(start.headers["Location"])
    login = client.get(login_url.path, query_string=login_url.query)
    auth = lms.get(login.headers["Location"], timeout=10)
    _method, action, pairs = find_autosubmit_form(auth.text)
    cookies = "; ".join(c.split(";", 1)[0] for c in login.headers.getlist("Set-Cookie"))
    launch = client.post(urlsplit(action).path, data=dict(pairs), headers={"Cookie": cookies})
    return {"login": login, "launch": launch}


def test_fast_path_answers_like_the_flask_views(connected):
    tool, platform, cid, dep = connected
    flask_requests: list[str] = []

    def seen(sender, **extra):
        from flask import request

        flask_requests.append(request.path)

    request_started.connect(seen, tool.app)
    try:
        fast = _walk(tool, platform, cid, dep, Client(tool.app))
        assert flask_requests == []  # neither request went through Flask's request machinery
        views = _walk(tool, platform, cid, dep, Client(tool.app.wsgi_app.wsgi_app))  # Flask alone
        assert flask_requests == ["/lti/login", "/lti/launch"]
    finally:
        request_started.disconnect(seen, tool.app)

    for step in ("login", "launch"):
        a, b = fast[step], views[step]
        assert a.status_code == b.status_code, step
        assert sorted(map(_cookie_shape, a.headers.getlist("Set-Cookie"))) == \
            sorted(map(_cookie_shape, b.headers.getlist("Set-Cookie"))), step
        for header in ("Cache-Control", "Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy"):
            assert a.headers.get(header) == b.headers.get(header), (step, header)
    assert fast["login"].status_code == 302 and fast["launch"].status_code == 303
    auth_a, auth_b = urlsplit(fast["login"].headers["Location"]), urlsplit(views["login"].headers["Location"])
    assert auth_a[:3] == auth_b[:3]
    qa, qb = parse_qs(auth_a.query), parse_qs(auth_b.query)
    assert qa.keys() == qb.keys() and all(qa[k] == qb[k] for k in qa if k not in ("state", "nonce"))
    for result in (fast, views):  # both land straight on the page the link opens: here, not set up yet
        location = result["launch"].headers["Location"]
        assert location.startswith("/training/not-set-up?ltik=")
        page = Client(tool.app).get(location)
        assert page.status_code == 200 and "not set up" in page.get_data(as_text=True), \
            page.get_data(as_text=True)[:300]


def test_refusals_are_answered_by_flask(connected):
    tool, platform, cid, dep = connected
    client = Client(tool.app)
    unknown = client.get("/lti/login", query_string={"iss": "https://nobody.example", "login_hint": "x",
                                                     "target_link_uri": tool.url + "/lti/launch"})
    assert unknown.status_code == 403 and "unknown_platform" in unknown.get_data(as_text=True)
    assert "text/html" in unknown.headers["Content-Type"]
    as_json = client.post("/lti/launch", data={"id_token": "not.a.jwt!", "state": "s"},
                          headers={"Accept": "application/json"})
    assert as_json.status_code == 401 and as_json.json["error"] == "malformed_jwt"
    multipart = client.post("/lti/launch", data={"id_token": "a.b.c"}, content_type="multipart/form-data")
    assert multipart.status_code == 401 and "malformed_jwt" in multipart.get_data(as_text=True)
    assert client.get("/lti/launch").status_code == 405


def test_unexpected_failure_is_a_logged_500_and_nothing_is_opened(connected, monkeypatch, caplog):
    tool, platform, cid, dep = connected

    def broken(launch):
        raise RuntimeError("database went away")

    monkeypatch.setattr(tool.app.extensions["r2com"]["recorder"], "prepare_session", broken)
    with caplog.at_level(logging.ERROR):
        result = _walk(tool, platform, cid, dep, Client(tool.app))
    launch = result["launch"]
    assert launch.status_code == 500
    body = launch.get_data(as_text=True)
    assert "internal_error" in body and "database went away" not in body and "Traceback" not in body
    assert any("unexpected error on POST /lti/launch" in r.getMessage() for r in caplog.records)
