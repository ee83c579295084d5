"""The AGS HTTP client: Link-header paging, URLs kept exactly, media types; and the answer policy."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from email.utils import format_datetime
from typing import Any

import pytest
import requests
from flask import Flask, jsonify, request

from lti_tool.devplatform.server import Running, serve
from lti_tool.services.ags import SCORE_MEDIA_TYPE, AgsClient, scores_url, with_query
from lti_tool.services.policy import backoff_seconds, judge, retry_after_seconds


class Recorder:
    """A fake AGS server whose URLs have mixed case and query strings, paging three items per page."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.items = [{"id": f"ITEM-{n}", "label": f"Item {n}", "scoreMaximum": 10,
                       "resourceLinkId": f"Link-{n}"} for n in range(8)]
        self.running: Running | None = None
        app = Flask("fake_ags")

        @app.get("/Course/LineItems")
        def items() -> Any:
            self.requests.append({"url": request.url, "args": request.args.to_dict(flat=False)})
            start = int(request.args.get("Page", "0"))
            page = self.items[start:start + 3]
            response = jsonify(page)
            if start + 3 < len(self.items):
                response.headers["Link"] = (f'<{request.host_url}Course/LineItems?Page={start + 3}&Token=AbC>; '
                                            'rel="next", <http://elsewhere/First>; rel="first"')
            return response

        @app.post("/Course/LineItems/Item-1/lineitem/scores")
        def score() -> Any:
            self.requests.append({"url": request.url, "content_type": request.content_type,
                                  "auth": request.headers.get("Authorization"), "body": request.get_json()})
            return "", 204

        self.app = app

    @property
    def url(self) -> str:
        assert self.running is not None
        return self.running.url


@pytest.fixture
def fake_ags() -> Iterator[Recorder]:
    recorder = Recorder()
    recorder.running = serve(recorder.app)
    yield recorder
    recorder.running.stop()


def test_paging_follows_link_headers_without_lowercasing(fake_ags: Recorder) -> None:
    client = AgsClient(requests.Session())
    found = client.find_line_item(fake_ags.url + "/Course/LineItems?Token=AbC", "tok", resource_link_id="Link-7")
    assert found is not None and found["id"] == "ITEM-7"
    urls = [r["url"] for r in fake_ags.requests]
    assert len(urls) == 3
    assert urls[0] == fake_ags.url + "/Course/LineItems?Token=AbC&resource_link_id=Link-7"
    assert urls[1] == fake_ags.url + "/Course/LineItems?Page=3&Token=AbC"


def test_find_checks_the_filter_itself(fake_ags: Recorder) -> None:
    client = AgsClient(requests.Session())
    assert client.find_line_item(fake_ags.url + "/Course/LineItems", "tok", resource_id="nothing") is None


def test_score_post_keeps_the_query_string_and_media_type(fake_ags: Recorder) -> None:
    client = AgsClient(requests.Session())
    response = client.post_score(fake_ags.url + "/Course/LineItems/Item-1/lineitem?type_id=3", "tok", {"userId": "u"})
    assert response.status_code == 204
    sent = fake_ags.requests[-1]
    assert sent["url"].endswith("/Course/LineItems/Item-1/lineitem/scores?type_id=3")
    assert sent["content_type"] == SCORE_MEDIA_TYPE and sent["auth"] == "Bearer tok"


def test_url_helpers() -> None:
    assert scores_url("https://M.example/mod/lti/services.php/2/lineitems/7/lineitem?type_id=1") == \
        "https://M.example/mod/lti/services.php/2/lineitems/7/lineitem/scores?type_id=1"
    assert scores_url("https://c.example/api/lti/courses/1/line_items/5/") == \
        "https://c.example/api/lti/courses/1/line_items/5/scores"
    assert with_query("https://x/Items?A=1", resource_id="Quiz 1", tag=None) == "https://x/Items?A=1&resource_id=Quiz+1"
    assert with_query("https://x/Items?A=1") == "https://x/Items?A=1"


def _response(status: int, body: str = "", **headers: str) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = body.encode()
    response.headers.update(headers)
    return response


def test_policy_classifies_answers() -> None:
    assert judge(_response(200)).kind == "done"
    assert judge(_response(409, '{"error":"conflict"}')).kind == "done"
    moodle = judge(_response(400, "[]"))
    assert moodle.kind == "permanent" and "cannot grade this person" in moodle.reason
    assert judge(_response(400, '{"error":"invalid"}')).kind == "permanent"
    for status in (403, 404, 415):
        assert judge(_response(status)).kind == "permanent"
    assert judge(_response(422)).kind == "waiting"  # Canvas: the assignment is not published yet
    for status in (500, 502, 503, 408, 401):
        assert judge(_response(status)).kind == "transient"
    limited = judge(_response(429, "", **{"Retry-After": "7"}))
    assert limited.kind == "transient" and limited.retry_after == 7


def test_retry_after_accepts_seconds_and_http_dates() -> None:
    now = dt.datetime(2025, 1, 1, 12, 0, tzinfo=dt.timezone.utc)
    assert retry_after_seconds("120", now) == 120
    assert retry_after_seconds(format_datetime(now + dt.timedelta(seconds=90), usegmt=True), now) == 90
    assert retry_after_seconds(format_datetime(now - dt.timedelta(seconds=90), usegmt=True), now) == 0
    assert retry_after_seconds("soon", now) is None
    assert retry_after_seconds(None) is None


def test_backoff_grows_with_jitter_up_to_the_cap() -> None:
    for attempts, middle in ((0, 5), (1, 10), (3, 40)):
        values = [backoff_seconds(attempts, 5, 3600) for _ in range(200)]
        assert middle * 0.5 <= min(values) and max(values) <= middle * 1.5
        assert len(set(values)) > 1
    assert max(backoff_seconds(30, 5, 60) for _ in range(50)) <= 90
