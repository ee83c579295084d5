"""Fixtures for casework and training: two organisations (platforms) and a session per role."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask
from flask.testing import FlaskClient

from lti_tool.assessment.models import Organisation, OrgRole
from lti_tool.db import utcnow
from lti_tool.extensions import db
from lti_tool.lti.models import Context, Deployment, LaunchSession, LtiUser, Platform, ResourceLink
from lti_tool.lti.session import issue_token

INSTRUMENT_FILE = Path(__file__).resolve().parents[2] / "content_packages/r2com-instrument/instrument.yaml"
#: The instrument's domain ids in interview order.
DOMAINS: list[str] = [d["id"] for d in yaml.safe_load(INSTRUMENT_FILE.read_text(encoding="utf-8"))["domains"]]

#: name -> (platform, LMS role, tool roles)
PEOPLE: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "learner": ("a", "learner", ()),
    "instructor": ("a", "instructor", ()),
    "lms_admin": ("a", "administrator", ()),
    "practitioner": ("a", "learner", ("practitioner",)),
    "colleague": ("a", "instructor", ("practitioner",)),
    "supervisor": ("a", "instructor", ("supervisor",)),
    "org_admin": ("a", "learner", ("org_admin",)),
    "other_org": ("b", "administrator", ("practitioner", "supervisor", "org_admin")),
}


@dataclass
class World:
    """Two organisations with one user per role and a session token each."""

    app: Flask
    tokens: dict[str, str] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)
    platforms: dict[str, int] = field(default_factory=dict)
    orgs: dict[str, int] = field(default_factory=dict)
    contexts: dict[str, int] = field(default_factory=dict)
    links: dict[str, int] = field(default_factory=dict)

    def session_for(self, name: str, *, custom: dict[str, str] | None = None, ags: dict | None = None,
                    platform: str | None = None) -> str:
        """Create another launch session for a person (e.g. with custom parameters); return its token."""
        key = platform or PEOPLE[name][0]
        with self.app.app_context():
            sid = secrets.token_urlsafe(32)
            db.session.add(LaunchSession(id=sid, user_id=self.users[name], context_id=self.contexts[key],
                                         resource_link_id=self.links[key], role=PEOPLE[name][1],
                                         message_type="LtiResourceLinkRequest",
                                         data={"custom": custom or {}, "ags": ags, "deployment_id": "d1"},
                                         expires_at=utcnow() + dt.timedelta(hours=8)))
            db.session.commit()
            return issue_token(sid)


def build_world(app: Flask, *, casework_enabled: bool = True) -> World:
    """Insert platforms, deployments, contexts, users, role grants and launch sessions."""
    world = World(app)
    with app.app_context():
        for key in ("a", "b"):
            platform = Platform(name=f"Platform {key}", issuer=f"https://lms-{key}.test", client_id=f"client-{key}",
                                auth_login_url="https://x/auth", auth_token_url="https://x/token",
                                key_set_url="https://x/jwks")
            db.session.add(platform)
            db.session.flush()
            deployment = Deployment(platform_id=platform.id, deployment_id="d1")
            db.session.add(deployment)
            db.session.flush()
            context = Context(deployment_id=deployment.id, context_id=f"course-{key}", title="Course")
            db.session.add(context)
            db.session.flush()
            link = ResourceLink(context_id=context.id, resource_link_id=f"link-{key}", title="Casework",
                                custom={"r2com_item": "casework"})
            db.session.add(link)
            org = Organisation(platform_id=platform.id, casework_enabled=casework_enabled)
            db.session.add(org)
            db.session.flush()
            world.platforms[key], world.orgs[key] = platform.id, org.id
            world.contexts[key], world.links[key] = context.id, link.id
        for name, (key, _role, tool_roles) in PEOPLE.items():
            user = LtiUser(platform_id=world.platforms[key], sub=f"sub-{name}", name=name.replace("_", " ").title())
            db.session.add(user)
            db.session.flush()
            world.users[name] = user.id
            for role in tool_roles:
                db.session.add(OrgRole(organisation_id=world.orgs[key], user_id=user.id, role=role))
        db.session.commit()
    for name in PEOPLE:
        world.tokens[name] = world.session_for(name)
    return world


@pytest.fixture
def world(app: Flask) -> World:
    return build_world(app)


class Caller:
    """A test client bound to one person's session token."""

    def __init__(self, client: FlaskClient, token: str) -> None:
        self.client = client
        self.token = token

    def get(self, url: str, **params: Any) -> Any:
        return self.client.get(url, query_string={"ltik": self.token, **params})

    def post(self, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        return self.client.post(url, data={"ltik": self.token, **(data or {})}, **kwargs)

    def json(self, url: str, **params: Any) -> Any:
        return self.client.get(url, query_string=params, headers={"Authorization": f"Bearer {self.token}",
                                                                  "Accept": "application/json"})


@pytest.fixture
def as_(client: FlaskClient, world: World):
    """``as_("practitioner").get(...)``: requests with that person's session."""
    return lambda name: Caller(client, world.tokens[name])


def location_id(response: Any, marker: str) -> str:
    """Return the path segment after ``marker`` in a redirect's Location."""
    path = response.headers["Location"].split("?")[0]
    parts = path.strip("/").split("/")
    return parts[parts.index(marker) + 1]


NOTE = "Sleeps on a cousin's sofa since Tuesday; the landlord does not know. Said so himself at our meeting."
WORDS = "I want my own key to a door, that is all I ask for."
FORMULATION = "Wants steady work as a welder and a room of his own; money and papers block him now."
PSEUDONYM = "Harbour-Lantern-7"


def answers_form(need: str = "2", strength: str = "1", *, note: str = NOTE, words: str = WORDS,
                 priorities: tuple[str, ...] = ("housing",), domains: tuple[str, ...] | None = None) -> dict[str, Any]:
    """A complete occasion form: every domain gets the same ratings and notes."""
    form: dict[str, Any] = {"action": "complete", "formulation": FORMULATION, "language": "Swedish",
                            "interpreter_used": "1"}
    for d in domains or DOMAINS:
        form.update({f"{d}.need": need, f"{d}.strength": strength, f"{d}.evidence_note": f"{note} ({d})",
                     f"{d}.information_sources": ["client_self_report", "documents"], f"{d}.client_view": "2",
                     f"{d}.client_view_text": f"{words} ({d})", f"{d}.agreement": "partly",
                     f"{d}.discussed": "discussed"})
        if d in priorities:
            form[f"{d}.priority"] = "1"
        if d == "income-work":
            form[f"{d}.key_strength"] = "1"
    return form


@dataclass
class Case:
    """Ids of a client created through the UI with two completed occasions."""

    client_id: str
    occasions: list[str]


def new_client(caller: Caller, pseudonym: str = PSEUDONYM) -> str:
    """Create a client and record the information given and the consent to keep a record."""
    resp = caller.post("/assessment/clients/new", {"pseudonym": pseudonym})
    assert resp.status_code == 303, resp.get_data(as_text=True)
    client_id = location_id(resp, "clients")
    resp = caller.post(f"/assessment/clients/{client_id}/information",
                       {"notice_language": "sv", "confidentiality_explained": "1", "lawful_basis": "consent",
                        "record_consent": "1", "interpreter_used": "1"})
    assert resp.status_code == 303, resp.get_data(as_text=True)
    return client_id


def new_occasion(caller: Caller, client_id: str, occasion_type: str = "week-1", date: str = "2025-03-03") -> str:
    """Start an occasion; return its id."""
    resp = caller.post(f"/assessment/clients/{client_id}/occasions/new",
                       {"occasion_type": occasion_type, "occasion_date": date, "language": "Swedish"})
    assert resp.status_code == 303, resp.get_data(as_text=True)
    return location_id(resp, "occasions")


def full_case(caller: Caller, pseudonym: str = PSEUDONYM) -> Case:
    """A client with two completed occasions (need 3 then 1 in every domain)."""
    client_id = new_client(caller, pseudonym)
    ids = []
    for occasion_type, date, need in (("week-1", "2025-03-03", "3"), ("month-1", "2025-04-01", "1")):
        occasion_id = new_occasion(caller, client_id, occasion_type, date)
        resp = caller.post(f"/assessment/occasions/{occasion_id}", answers_form(need=need))
        assert resp.status_code == 303, resp.get_data(as_text=True)
        ids.append(occasion_id)
    return Case(client_id, ids)
