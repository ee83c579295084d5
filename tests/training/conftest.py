"""Training fixtures: the tool and the development platform over loopback HTTP, and a fast in-process world."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask

from lti_tool.db import utcnow
from lti_tool.extensions import db
from lti_tool.lti.models import Context, Deployment, LaunchSession, LtiUser, Membership, Platform, ResourceLink
from lti_tool.lti.session import issue_token
from support import drop_app, make_app


def ltik_of(response: Any) -> str:
    """Return the session token in a response's final URL."""
    return parse_qs(urlsplit(response.url).query)["ltik"][0]


def correct_form(quiz: Any, layout: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return form fields answering every question of a quiz correctly."""
    form: dict[str, Any] = {}
    for q in quiz.questions:
        name = f"q-{q.id}"
        if q.type == "single_choice":
            form[name] = next(o.id for o in q.options if o.correct)
        elif q.type == "multiple_choice":
            form[name] = [o.id for o in q.options if o.correct]
        elif q.type == "true_false":
            form[name] = "true" if q.answer else "false"
        elif q.type == "ordering":
            for pos, item in enumerate(q.items, start=1):
                form[f"{name}-pos-{item.id}"] = str(pos)
        elif q.type == "matching":
            for pair in q.pairs:
                form[f"{name}-{pair.id}"] = pair.id
        elif q.type == "short_answer":
            form[name] = "My own words."
    return form


def wrong_form(quiz: Any) -> dict[str, Any]:
    """Return form fields answering every scored choice question wrongly (others left right)."""
    form = correct_form(quiz)
    for q in quiz.questions:
        if q.type == "single_choice":
            form[f"q-{q.id}"] = next(o.id for o in q.options if not o.correct)
        elif q.type == "true_false":
            form[f"q-{q.id}"] = "false" if q.answer else "true"
    return form


@dataclass
class World:
    """Two courses on one platform, people with sessions, for fast in-process view tests."""

    app: Flask
    users: dict[str, int] = field(default_factory=dict)
    contexts: dict[str, int] = field(default_factory=dict)
    links: dict[str, int] = field(default_factory=dict)
    platform_id: int = 0

    def session(self, user: str, *, course: str = "x", role: str = "learner", custom: dict[str, str] | None = None,
                ags: dict[str, Any] | None = None, message: str = "LtiResourceLinkRequest",
                link: bool = True, data: dict[str, Any] | None = None, lti_roles: str | None = None) -> str:
        """Open a launch session and return its token (``lti_roles``: the platform roles the launch recorded)."""
        with self.app.app_context():
            sid = secrets.token_urlsafe(32)
            payload = {"custom": custom or {}, "ags": ags, "deployment_id": "d1", **(data or {})}
            db.session.add(LaunchSession(id=sid, user_id=self.users[user], context_id=self.contexts[course],
                                         resource_link_id=self.links[course] if link else None, role=role,
                                         message_type=message, data=payload,
                                         expires_at=utcnow() + dt.timedelta(hours=8)))
            exists = db.session.query(Membership).filter_by(context_id=self.contexts[course],
                                                            user_id=self.users[user]).first()
            if exists is None:
                exists = Membership(context_id=self.contexts[course], user_id=self.users[user], role=role)
                db.session.add(exists)
            if lti_roles is not None:
                exists.lti_roles = lti_roles
            db.session.commit()
            return issue_token(sid)


def build_world(app: Flask) -> World:
    world = World(app)
    with app.app_context():
        platform = Platform(name="P", issuer="https://lms.test", client_id="client", auth_login_url="https://x/auth",
                            auth_token_url="https://x/token", key_set_url="https://x/jwks")
        db.session.add(platform)
        db.session.flush()
        deployment = Deployment(platform_id=platform.id, deployment_id="d1")
        db.session.add(deployment)
        db.session.flush()
        for key in ("x", "y"):
            context = Context(deployment_id=deployment.id, context_id=f"course-{key}", title=f"Course {key}")
            db.session.add(context)
            db.session.flush()
            link = ResourceLink(context_id=context.id, resource_link_id=f"link-{key}", title="Training")
            db.session.add(link)
            db.session.flush()
            world.contexts[key], world.links[key] = context.id, link.id
        for name in ("ana", "ben", "tess"):
            user = LtiUser(platform_id=platform.id, sub=f"sub-{name}", name=name.title())
            db.session.add(user)
            db.session.flush()
            world.users[name] = user.id
        world.platform_id = platform.id
        db.session.commit()
    return world


@pytest.fixture
def world(tmp_path) -> World:
    app = make_app(tmp_path)
    yield build_world(app)
    drop_app(app)


@pytest.fixture
def client(world):
    return world.app.test_client()


def take_quiz(browser: Any, tool_url: str, token: str, module_id: str, form: dict[str, Any]) -> Any:
    """Start (or continue) a quiz attempt over HTTP and submit ``form``; return the result page."""
    attempt = browser.post(f"{tool_url}/training/modules/{module_id}/quiz/start", data={"ltik": token})
    assert attempt.status_code == 200 and "/training/attempts/" in attempt.url, attempt.text[:300]
    return browser.post(attempt.url.split("?")[0], data=dict(form, ltik=token, action="submit"))
