"""The NRPS roster client: Link headers followed exactly, every page, a refused token fetched again."""

from __future__ import annotations

import pytest

from lti_tool.training.roster import Member, RosterCache, RosterClient, RosterError, Roster, next_link


@pytest.mark.parametrize("header, expected", [
    ('<https://lms.test/m?page=NxtPg.AbC>; rel="next"', "https://lms.test/m?page=NxtPg.AbC"),
    ('<https://lms.test/m?p=1>; rel="prev", <https://lms.test/m?p=3&Q=Z>; rel="next"', "https://lms.test/m?p=3&Q=Z"),
    ("<https://lms.test/m?p=2>; rel=next", "https://lms.test/m?p=2"),
    ('<https://lms.test/m?p=2>; rel="next last"', "https://lms.test/m?p=2"),
    ('<https://lms.test/m?p=9>; rel="last"', None),
    ("", None),
    (None, None),
])
def test_next_link_is_taken_exactly_as_given(header, expected):
    assert next_link(header) == expected


def test_member_roles():
    assert Member("1", None, ("http://purl.imsglobal.org/vocab/lis/v2/membership#Learner",)).is_learner
    assert Member("1", None, ("Learner",)).is_learner  # Moodle's short names
    teacher = Member("2", "T", ("http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor",))
    assert teacher.is_instructor and not teacher.is_learner


def test_client_reads_every_page_and_recovers_from_a_refused_token(connected):
    tool, platform, cid, _dep = connected
    with tool.app.app_context():
        info = tool.app.extensions["r2com"]["platforms"].by_id(1)
    client = RosterClient(tool.app.extensions["r2com"]["grade_tokens"])
    url = platform.url("/api/nrps/course-101/memberships")
    members, pages = client.fetch(info, url)
    assert pages == 3 and len(members) == 26 and members[0].name == "Amara Okafor"
    assert sum(m.is_learner for m in members) == 24
    platform.access_tokens.clear()  # the platform forgets the cached token: 401, then a new token
    again, _pages = client.fetch(info, url)
    assert len(again) == 26 and platform.token_requests == 2
    with pytest.raises(RosterError):
        client.fetch(info, platform.url("/api/nrps/no-such-course/memberships"))
    client.http.close()


def test_cache_expires():
    cache = RosterCache(seconds=60)
    roster = Roster((Member("1", "A", ("Learner",)),), 1, 0.0)
    cache.put(5, roster)
    assert cache.get(5) is None  # fetched long ago
    import time

    cache.put(5, Roster(roster.members, 1, time.time()))
    assert cache.get(5).members == roster.members
    cache.drop(5)
    assert cache.get(5) is None


def test_a_stored_list_reads_back_exactly_whatever_the_platform_sent():
    """The stored columns survive line breaks, the separator and quotes in values; older JSON lists still read."""
    import json

    from lti_tool.training.roster import _decode, _encode, people_of

    learner = ("http://purl.imsglobal.org/vocab/lis/v2/membership#Learner",)
    members = (Member("1", "Ana", learner), Member('"2', "Line\nbreak \x1e sep", ("Instructor",), "Deleted"),
               Member("3", None, ()), Member("4", '"quoted"', learner, "Inactive"))
    stored = _decode(_encode(Roster(members, 1, 0.0)))
    assert list(stored) == list(members) and len(stored) == 4 and stored[1:3] == list(members[1:3])
    assert [(sub, name or None, kind, status) for sub, name, kind, status in people_of(stored)] == [
        (m.user_id, m.name, m.kind, m.status) for m in members]
    assert list(_decode(_encode(Roster((), 1, 0.0)))) == []
    older = json.dumps({"roles": [list(learner)], "members": [["1", "Ana", 0, "Active"], ["5", None, 0, "Active"]]})
    assert list(_decode(older)) == [Member("1", "Ana", learner), Member("5", None, learner)]
