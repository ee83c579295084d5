"""Fictional courses and people the development platform starts with."""

from __future__ import annotations

import unicodedata

from .constants import Role
from .models import Course, ResourceLink, User

#: (given name, family name) of the 26 members of course-101, in enrolment order:
#: one instructor, one teaching assistant, then 24 learners.
COURSE_101_PEOPLE: tuple[tuple[str, str], ...] = (
    ("Amara", "Okafor"),
    ("Mateo", "Fernández"),
    ("Aiko", "Tanaka"),
    ("Kwame", "Mensah"),
    ("Leila", "Haddad"),
    ("Dmitri", "Volkov"),
    ("Priya", "Raman"),
    ("Santiago", "Quispe"),
    ("Nadia", "Benali"),
    ("Tomasz", "Nowak"),
    ("Fatima", "Yusuf"),
    ("Liam", "O'Connor"),
    ("Mei", "Chen"),
    ("Oluwaseun", "Adeyemi"),
    ("Ingrid", "Johansson"),
    ("Rahul", "Mehta"),
    ("Sofía", "Álvarez"),
    ("Yusuf", "Demir"),
    ("Hana", "Kim"),
    ("Tariq", "Rahman"),
    ("Elena", "Popescu"),
    ("Kofi", "Boateng"),
    ("Anahera", "Ngata"),
    ("Jonas", "Schmidt"),
    ("Zainab", "Bello"),
    ("Lucía", "Moreno"),
)

#: (given name, family name) of course-102: one instructor, then three learners.
COURSE_102_PEOPLE: tuple[tuple[str, str], ...] = (
    ("Grace", "Mwangi"),
    ("Arjun", "Nair"),
    ("Chloé", "Dubois"),
    ("Ahmad", "Karimi"),
)

DEFAULT_LINK_TITLE = "R2COM Aftercare Toolkit"

#: The site administrator: enrolled in no course, may launch from any course (every profile).
ADMIN_USER_ID = "9001"
ADMIN_PERSON: tuple[str, str] = ("Robin", "Castellanos")


def _email(given: str, family: str) -> str:
    """Build an ASCII example.org address from a name."""
    raw = f"{given}.{family}".lower().replace("'", "").replace(" ", "")
    ascii_only = unicodedata.normalize("NFKD", raw).encode("ascii", "ignore").decode()
    return f"{ascii_only}@example.org"


def _role_for(index: int, course_id: str) -> str:
    """Return the role of the member at ``index`` in the seeded enrolment order."""
    if index == 0:
        return Role.INSTRUCTOR.value
    if index == 1 and course_id == "course-101":
        return Role.TEACHING_ASSISTANT.value
    return Role.LEARNER.value


def seed() -> tuple[dict[str, Course], dict[str, User], dict[str, ResourceLink]]:
    """Build the seeded courses, users and one default resource link per course."""
    courses: dict[str, Course] = {}
    users: dict[str, User] = {}
    links: dict[str, ResourceLink] = {}
    plan = (
        ("course-101", "R2COM-101", "Aftercare Foundations", 1001, COURSE_101_PEOPLE),
        ("course-102", "R2COM-102", "Exit Work in Practice", 2001, COURSE_102_PEOPLE),
    )
    for course_id, label, title, first_id, people in plan:
        course = Course(course_id=course_id, label=label, title=title)
        for index, (given, family) in enumerate(people):
            user = User(str(first_id + index), given, family, _email(given, family))
            users[user.user_id] = user
            course.members.append((user.user_id, _role_for(index, course_id)))
        courses[course_id] = course
        link_id = f"{course_id}-link-1"
        links[link_id] = ResourceLink(link_id=link_id, course_id=course_id, title=DEFAULT_LINK_TITLE)
    users[ADMIN_USER_ID] = User(ADMIN_USER_ID, *ADMIN_PERSON, _email(*ADMIN_PERSON))
    return courses, users, links


def make_user(user_id: str, given: str, family: str) -> User:
    """Build a fictional user with an example.org address."""
    return User(user_id, given, family, _email(given, family))
