"""NRPS: paging with case-sensitive page tokens, roles and requested names."""

from __future__ import annotations

import requests

from lti_tool.devplatform import DevPlatform
from lti_tool.devplatform.constants import MediaType, Role, Scope

from .conftest import FakeTool


def _url(platform: DevPlatform, course: str = "course-101") -> str:
    """Return the memberships URL of a course."""
    return platform.url(f"/api/nrps/{course}/memberships")


def test_26_members_in_three_pages(platform: DevPlatform, registered: FakeTool) -> None:
    """Page size 10 over 26 members gives pages of 10, 10 and 6 linked by rel=next."""
    auth = registered.access_token([Scope.NRPS.value])
    url: str | None = _url(platform)
    sizes, members = [], []
    while url:
        response = requests.get(url, headers=auth, timeout=5)
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith(MediaType.MEMBERSHIP_CONTAINER.value)
        body = response.json()
        sizes.append(len(body["members"]))
        members.extend(body["members"])
        url = response.links.get("next", {}).get("url")
    assert sizes == [10, 10, 6]
    assert len({m["user_id"] for m in members}) == 26
    roles = [m["roles"][0] for m in members]
    assert roles.count(Role.INSTRUCTOR.value) == 1
    assert roles.count(Role.TEACHING_ASSISTANT.value) == 1
    assert roles.count(Role.LEARNER.value) == 24
    assert all(m["status"] == "Active" and m["name"] and m["email"] for m in members)
    assert body["context"]["id"] == "course-101"


def test_lowercased_next_url_is_rejected(platform: DevPlatform, registered: FakeTool) -> None:
    """A client that lowercases the Link URL (pylti1p3 2.0.0) gets 400, not a silent restart."""
    auth = registered.access_token([Scope.NRPS.value])
    first = requests.get(_url(platform), headers=auth, timeout=5)
    next_url = first.links["next"]["url"]
    assert next_url != next_url.lower()
    assert requests.get(next_url.lower(), headers=auth, timeout=5).status_code == 400
    assert requests.get(next_url, headers=auth, timeout=5).status_code == 200


def test_limit_is_capped_at_50(platform: DevPlatform, registered: FakeTool) -> None:
    """A large limit returns everything (26 ≤ 50) in one page."""
    auth = registered.access_token([Scope.NRPS.value])
    response = requests.get(_url(platform), params={"limit": 500}, headers=auth, timeout=5)
    assert len(response.json()["members"]) == 26
    assert "next" not in response.links


def test_role_filter(platform: DevPlatform, registered: FakeTool) -> None:
    """The role filter accepts a short name or a full URI."""
    auth = registered.access_token([Scope.NRPS.value])
    response = requests.get(_url(platform, "course-102"), params={"role": "Learner"}, headers=auth, timeout=5)
    assert len(response.json()["members"]) == 3


def test_names_only_when_requested(platform: DevPlatform, tool: FakeTool) -> None:
    """Without requested claims, members carry no names or email."""
    tool.register(claims=[])
    auth = tool.access_token([Scope.NRPS.value])
    member = requests.get(_url(platform), headers=auth, timeout=5).json()["members"][0]
    assert set(member) == {"user_id", "roles", "status"}


def test_token_scope_is_required(platform: DevPlatform, registered: FakeTool) -> None:
    """The NRPS scope is required; AGS-only tokens get 403, no token 401."""
    assert requests.get(_url(platform), timeout=5).status_code == 401
    ags_only = registered.access_token([Scope.SCORE.value])
    assert requests.get(_url(platform), headers=ags_only, timeout=5).status_code == 403


def test_configured_page_size(platform: DevPlatform, registered: FakeTool) -> None:
    """platform.nrps_page_size sets the default page size."""
    platform.nrps_page_size = 25
    auth = registered.access_token([Scope.NRPS.value])
    assert len(requests.get(_url(platform), headers=auth, timeout=5).json()["members"]) == 25
