"""LMS roles map to training roles only; context roles win over institution roles."""

from __future__ import annotations

import pytest

from lti_tool.lti.constants import Role, map_roles

M = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
I = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#"
S = "http://purl.imsglobal.org/vocab/lis/v2/system/person#"


@pytest.mark.parametrize("roles, expected", [
    ([M + "Learner"], Role.LEARNER),
    ([M + "Instructor"], Role.INSTRUCTOR),
    (["http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant"], Role.INSTRUCTOR),
    ([M + "ContentDeveloper"], Role.INSTRUCTOR),
    ([M + "Administrator"], Role.ADMINISTRATOR),
    (["Instructor"], Role.INSTRUCTOR),
    (["Learner"], Role.LEARNER),
    ([], Role.LEARNER),
    (["http://example.com/unknown#Role"], Role.LEARNER),
    ([I + "Instructor", M + "Learner"], Role.LEARNER),  # Canvas: teacher elsewhere, student here
    ([I + "Administrator", S + "Administrator", M + "Instructor"], Role.INSTRUCTOR),
    ([I + "Administrator"], Role.ADMINISTRATOR),
    ([S + "SysAdmin"], Role.ADMINISTRATOR),
])
def test_map_roles(roles, expected):
    assert map_roles(roles) == expected
