"""AGS: line items, Moodle's score rules, results and fault injection."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import requests

from lti_tool.devplatform import DevPlatform
from lti_tool.devplatform.app import gradebook_rows
from lti_tool.devplatform.constants import MediaType, Scope

from .conftest import FakeTool

LEARNER = "1003"  # first learner of course-101
INSTRUCTOR = "1001"
TA = "1002"


def _now(offset_ms: int = 0) -> str:
    """Return an ISO 8601 UTC timestamp with microseconds."""
    return (datetime.now(timezone.utc) + timedelta(milliseconds=offset_ms)).isoformat()


def _score(**overrides: Any) -> dict[str, Any]:
    """Return a valid FullyGraded score body."""
    body = {
        "userId": LEARNER,
        "scoreGiven": 8,
        "scoreMaximum": 10,
        "activityProgress": "Completed",
        "gradingProgress": "FullyGraded",
        "timestamp": _now(),
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


@pytest.fixture
def item_url(platform: DevPlatform, registered: FakeTool) -> str:
    """Return the URL of the seeded line item of course-101's default link."""
    (item,) = platform.line_items_for("course-101", registered.client_id)
    return platform.url(f"/api/ags/course-101/lineitems/{item.item_id}")


@pytest.fixture
def auth(registered: FakeTool) -> dict[str, str]:
    """Return Authorization headers with every scope."""
    return registered.access_token()


def _post_score(url: str, auth: dict[str, str], body: dict[str, Any], **kwargs: Any) -> requests.Response:
    """POST a score with the AGS score media type."""
    headers = {**auth, "Content-Type": MediaType.SCORE.value}
    return requests.post(url + "/scores", json=body, headers=headers, timeout=kwargs.pop("timeout", 5), **kwargs)


def test_valid_score_is_stored(platform: DevPlatform, item_url: str, auth: dict[str, str]) -> None:
    """A valid score lands in the gradebook and the results."""
    body = _score()
    assert _post_score(item_url, auth, body).status_code == 200
    (record,) = platform.scores
    assert record.received == body
    assert record.score_given == 8.0
    assert gradebook_rows(platform)[0]["grading_progress"] == "FullyGraded"
    results = requests.get(item_url + "/results", headers=auth, timeout=5)
    assert results.headers["Content-Type"].startswith(MediaType.RESULT_CONTAINER.value)
    assert results.json()[0]["resultScore"] == 8
    assert results.json()[0]["userId"] == LEARNER


@pytest.mark.parametrize("missing", ["userId", "timestamp", "activityProgress", "gradingProgress"])
def test_missing_field_is_400(item_url: str, auth: dict[str, str], missing: str) -> None:
    """Moodle requires userId, timestamp, activityProgress and gradingProgress."""
    response = _post_score(item_url, auth, _score(**{missing: None}))
    assert response.status_code == 400
    assert missing in response.json()["error_description"]


@pytest.mark.parametrize(
    "overrides",
    [
        {"activityProgress": "Done"},
        {"gradingProgress": "Graded"},
        {"timestamp": "yesterday"},
        {"timestamp": "2026-01-01T10:00:00"},  # no time zone
        {"scoreMaximum": None},
        {"scoreGiven": "8"},
    ],
)
def test_invalid_score_is_400(item_url: str, auth: dict[str, str], overrides: dict[str, Any]) -> None:
    """Enum values, ISO 8601 timestamps and numeric scores are checked."""
    assert _post_score(item_url, auth, _score(**overrides)).status_code == 400


def test_earlier_or_equal_timestamp_is_409(item_url: str, auth: dict[str, str]) -> None:
    """A score not newer than the last accepted one is refused, with sub-second precision."""
    first = _now()
    assert _post_score(item_url, auth, _score(timestamp=first)).status_code == 200
    same = _post_score(item_url, auth, _score(timestamp=first))
    assert same.status_code == 409
    assert "Refusing score with an earlier timestamp" in same.text
    assert _post_score(item_url, auth, _score(timestamp=_now(-5000))).status_code == 409
    later = (datetime.fromisoformat(first) + timedelta(milliseconds=1)).isoformat()
    assert _post_score(item_url, auth, _score(timestamp=later)).status_code == 200


def test_other_learner_is_independent(item_url: str, auth: dict[str, str]) -> None:
    """The timestamp rule is per user."""
    stamp = _now()
    assert _post_score(item_url, auth, _score(timestamp=stamp)).status_code == 200
    assert _post_score(item_url, auth, _score(userId="1004", timestamp=stamp)).status_code == 200


@pytest.mark.parametrize("user_id", [INSTRUCTOR, TA, "2002", "no-such-user"])
def test_non_learner_is_400_empty_list(item_url: str, auth: dict[str, str], user_id: str) -> None:
    """Instructors, TAs and people outside the course cannot be graded: 400 with body []."""
    response = _post_score(item_url, auth, _score(userId=user_id))
    assert response.status_code == 400
    assert response.json() == []


def test_score_given_kept_only_when_fully_graded(platform: DevPlatform, item_url: str, auth: dict[str, str]) -> None:
    """scoreGiven is dropped unless gradingProgress is FullyGraded (Moodle)."""
    assert _post_score(item_url, auth, _score(gradingProgress="Pending")).status_code == 200
    assert platform.scores[0].score_given is None
    assert platform.scores[0].received["scoreGiven"] == 8


def test_content_type_and_scopes(registered: FakeTool, item_url: str) -> None:
    """The score media type, a bearer token and the score scope are required."""
    auth = registered.access_token()
    wrong_type = requests.post(item_url + "/scores", json=_score(), headers=auth, timeout=5)
    assert wrong_type.status_code == 415
    assert _post_score(item_url, {}, _score()).status_code == 401
    assert _post_score(item_url, {"Authorization": "Bearer nope"}, _score()).status_code == 401
    read_only = registered.access_token([Scope.RESULT_READONLY.value])
    assert _post_score(item_url, read_only, _score()).status_code == 403


def test_fault_500_for_count_requests(platform: DevPlatform, item_url: str, auth: dict[str, str]) -> None:
    """Mode 500 fails ``count`` score POSTs and then clears itself."""
    platform.ags_fault = {"mode": "500", "count": 2}
    assert _post_score(item_url, auth, _score(timestamp=_now())).status_code == 500
    assert _post_score(item_url, auth, _score(timestamp=_now(1))).status_code == 500
    assert _post_score(item_url, auth, _score(timestamp=_now(2))).status_code == 200
    assert platform.ags_fault is None
    assert platform.score_posts == 3


def test_fault_429_with_retry_after_over_http(platform: DevPlatform, item_url: str, auth: dict[str, str]) -> None:
    """Mode 429 set through the control endpoint answers with Retry-After until cleared."""
    control = platform.url("/control/ags-fault")
    assert requests.post(control, json={"mode": "429", "retry_after": 7}, timeout=5).status_code == 204
    for _ in range(3):
        response = _post_score(item_url, auth, _score(timestamp=_now()))
        assert response.status_code == 429
        assert response.headers["Retry-After"] == "7"
    assert requests.post(control, json=None, timeout=5).status_code == 204
    assert _post_score(item_url, auth, _score(timestamp=_now())).status_code == 200


def test_fault_hang_then_proceeds(platform: DevPlatform, item_url: str, auth: dict[str, str]) -> None:
    """Mode hang delays the answer (a client timeout fires) and then handles the request."""
    platform.ags_fault = {"mode": "hang", "count": 1, "hang_seconds": 0.6}
    with pytest.raises(requests.Timeout):
        _post_score(item_url, auth, _score(), timeout=0.2)
    deadline = time.time() + 5
    while not platform.scores and time.time() < deadline:
        time.sleep(0.05)
    assert len(platform.scores) == 1


def test_control_endpoint_disabled_by_default(platform: DevPlatform) -> None:
    """Without allow_control the control endpoint does not exist."""
    platform.allow_control = False
    assert requests.post(platform.url("/control/ags-fault"), json={"mode": "500"}, timeout=5).status_code == 404
    assert platform.ags_fault is None


def test_line_item_crud_filters_and_paging(platform: DevPlatform, registered: FakeTool, auth: dict[str, str]) -> None:
    """Create, filter, page, update and delete line items."""
    base = platform.url("/api/ags/course-101/lineitems")
    headers = {**auth, "Content-Type": MediaType.LINEITEM.value}
    for number in range(3):
        body = {"label": f"Quiz {number}", "scoreMaximum": 10, "tag": "quiz", "resourceId": f"q{number}"}
        created = requests.post(base, json=body, headers=headers, timeout=5)
        assert created.status_code == 201, created.text
    assert requests.post(base, json={"label": "x", "scoreMaximum": 0}, headers=headers, timeout=5).status_code == 400
    bad_link = {"label": "x", "scoreMaximum": 1, "resourceLinkId": "course-102-link-1"}
    assert requests.post(base, json=bad_link, headers=headers, timeout=5).status_code == 400
    tagged = requests.get(base, params={"tag": "quiz"}, headers=auth, timeout=5).json()
    assert [item["label"] for item in tagged] == ["Quiz 0", "Quiz 1", "Quiz 2"]
    assert len(requests.get(base, params={"resource_id": "q1"}, headers=auth, timeout=5).json()) == 1
    linked = requests.get(base, params={"resource_link_id": "course-101-link-1"}, headers=auth, timeout=5).json()
    assert len(linked) == 1
    first = requests.get(base, params={"limit": 2}, headers=auth, timeout=5)
    assert len(first.json()) == 2
    second = requests.get(first.links["next"]["url"], headers=auth, timeout=5)
    assert len(second.json()) == 2 and "next" not in second.links
    url = tagged[0]["id"]
    updated = requests.put(url, json={"label": "Renamed", "scoreMaximum": 20}, headers=headers, timeout=5)
    assert updated.json()["label"] == "Renamed"
    assert requests.delete(url, headers=auth, timeout=5).status_code == 204
    assert requests.get(url, headers=auth, timeout=5).status_code == 404


def test_other_clients_items_are_hidden(platform: DevPlatform, registered: FakeTool, tool_factory: Any) -> None:
    """A client sees only its own line items."""
    other = tool_factory()
    other.register()
    mine = registered.access_token()
    (their_item,) = platform.line_items_for("course-101", other.client_id)
    url = platform.url(f"/api/ags/course-101/lineitems/{their_item.item_id}")
    assert requests.get(url, headers=mine, timeout=5).status_code == 404
