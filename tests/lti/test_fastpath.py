"""The WSGI fast path's own parsing: it must read forms, queries and cookies exactly as Flask would."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict
from werkzeug.http import parse_cookie
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from lti_tool.lti.fastpath import MAX_FIELDS, _parse, _state_cookies

FORMS = [
    "",
    "a=1",
    "id_token=eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln&state=abc-_DEF",
    "a=1&a=2&b=",
    "a&b=&=c",
    "&&a=1&&",
    "login_hint=J%C3%BCrgen+M%C3%BCller&iss=https%3A%2F%2Flms.example.org%2F",
    "lti_message_hint=%7B%22cmid%22%3A42%7D&x=%E2%9C%93",
    "broken=%ZZ%&plus=a+b+c&pct=100%25",
    "n%61me=v%61lue",
    "emoji=%F0%9F%98%80&bad_utf8=%C3%28",
    "raw=\u00fc\u2713&mixed=\u00fc%C3%BC",
]


def _environ(**kwargs):
    return EnvironBuilder(**kwargs).get_environ()


@pytest.mark.parametrize("body", FORMS)
def test_form_parsing_matches_werkzeug(app, body):
    kwargs = {"method": "POST", "data": body.encode(), "content_type": "application/x-www-form-urlencoded"}
    request = Request(_environ(**kwargs))
    parsed = app.wsgi_app._params(_environ(**kwargs), "POST")
    assert parsed == {key: request.form.get(key) for key in request.form}


@pytest.mark.parametrize("query", FORMS)
def test_query_parsing_matches_werkzeug(app, query):
    raw = query.encode("utf-8").decode("latin-1")  # WSGI hands the raw query bytes over as latin-1
    request = Request(_environ(method="GET") | {"QUERY_STRING": raw})
    parsed = app.wsgi_app._params(_environ(method="GET") | {"QUERY_STRING": raw}, "GET")
    assert parsed == {key: request.args.get(key) for key in request.args}


def test_bodies_the_fast_path_leaves_to_flask(app):
    fast = app.wsgi_app
    multipart = _environ(method="POST", data={"a": "1"}, content_type="multipart/form-data")
    assert fast._params(multipart, "POST") is None
    chunked = _environ(method="POST", data=b"a=1", content_type="application/x-www-form-urlencoded")
    del chunked["CONTENT_LENGTH"]
    assert fast._params(chunked, "POST") is None
    huge = _environ(method="POST", content_type="application/x-www-form-urlencoded",
                    data=b"a=" + b"x" * app.config["MAX_CONTENT_LENGTH"])
    assert fast._params(huge, "POST") is None
    read = _environ(method="POST", data=b"a=1&b=2", content_type="application/x-www-form-urlencoded")
    assert fast._params(read, "POST") == {"a": "1", "b": "2"}
    assert Request(read).form.to_dict() == {"a": "1", "b": "2"}  # Flask can read the body again


def test_too_many_fields_is_left_to_flask():
    assert _parse("&".join(f"f{i}=1" for i in range(MAX_FIELDS + 1))) is None
    assert _parse("&".join(f"f{i}=1" for i in range(MAX_FIELDS))) == MultiDict(
        [(f"f{i}", "1") for i in range(MAX_FIELDS)]).to_dict()


def test_state_cookies_in_browser_order_first_wins():
    header = "other=1; r2com-lti-bbb=2; r2com-lti-aaa=3;r2com-lti-bbb=4; junk; r2com-lti-ccc="
    cookies = _state_cookies(header)
    assert list(cookies) == ["r2com-lti-bbb", "r2com-lti-aaa", "r2com-lti-ccc"]
    werkzeug = parse_cookie(header)
    assert all(cookies[name] == werkzeug[name] for name in cookies)
    assert _state_cookies("session=abc") == {}
