"""Grade delivery fixtures: the tool served on loopback, a development platform, and seeded LTI rows."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from support import ServedTool, connect, drop_app, serve_tool

from lti_tool.devplatform import DevPlatform, Running, serve
from lti_tool.devplatform.app import create_platform_app
from lti_tool.devplatform.constants import AGS_SCOPES
from lti_tool.devplatform.server import start_platform
from lti_tool.extensions import db
from lti_tool.lti.models import Context, Deployment, LtiUser, Platform, ResourceLink
from lti_tool.lti.session import ToolSession
from lti_tool.services.models import DeliveryStatus, GradeOutbox
from lti_tool.services.worker import DeliveryWorker

COURSE = "course-101"
LINK = "course-101-link-1"
INSTRUCTOR = "1001"
LEARNERS = [str(n) for n in range(1003, 1027)]


@dataclass
class GradeEnv:
    """A tool and a platform that know each other, with the tool's rows for course-101 seeded."""

    tool: ServedTool
    platform: DevPlatform
    running: Running
    client_id: str
    platform_id: int
    context_id: int
    link_id: int
    users: dict[str, int] = field(default_factory=dict)
    workers: list[DeliveryWorker] = field(default_factory=list)

    @property
    def app(self) -> Flask:
        return self.tool.app

    @property
    def lineitems_url(self) -> str:
        return self.platform.url(f"/api/ags/{COURSE}/lineitems")

    def lineitem_url(self) -> str:
        """Return the URL of the line item the platform made for the default link."""
        items = self.platform.line_items_for(COURSE, self.client_id, LINK)
        assert len(items) == 1
        return self.platform.url(f"/api/ags/{COURSE}/lineitems/{items[0].item_id}")

    def claim(self, *, lineitem: bool = True, scopes: tuple[str, ...] = AGS_SCOPES,
              lineitems: str | None = None) -> dict[str, Any]:
        """Return an AGS endpoint claim as the platform sends it."""
        claim: dict[str, Any] = {"scope": list(scopes), "lineitems": lineitems or self.lineitems_url}
        if lineitem:
            claim["lineitem"] = self.lineitem_url()
        return claim

    def session(self, sub: str = LEARNERS[0], *, ags: dict[str, Any] | None | bool = True,
                link: bool = True) -> ToolSession:
        """Return a tool session for a seeded user; ``ags=True`` means the default claim."""
        data: dict[str, Any] = {"ags": self.claim() if ags is True else (ags or None)}
        return ToolSession("token", "sid", self.users[sub], self.context_id, self.platform_id,
                           self.link_id if link else None, "learner", "LtiResourceLinkRequest", data)

    def worker(self, **options: Any) -> DeliveryWorker:
        """Return a worker with test-sized timeouts and back-off."""
        settings = {"connect_timeout": 0.5, "read_timeout": 2.0, "backoff_base": 0.05, "backoff_cap": 0.3,
                    "lease_seconds": 30.0, "batch_size": 50}
        settings.update(options)
        worker = DeliveryWorker(self.app, **settings)
        self.workers.append(worker)
        return worker

    def count(self, status: str | None = None) -> int:
        """Count outbox rows (with a status)."""
        query = select(func.count()).select_from(GradeOutbox)
        if status:
            query = query.where(GradeOutbox.status == status)
        return db.session.execute(query).scalar_one()

    def drain(self, worker: DeliveryWorker | None = None, timeout: float = 20.0) -> None:
        """Run a worker until no row is pending (inside the app context)."""
        worker = worker or self.worker()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            worker.run_once()
            db.session.expire_all()
            if not self.count(DeliveryStatus.PENDING):
                return
            time.sleep(0.05)
        raise AssertionError(f"{self.count(DeliveryStatus.PENDING)} rows still pending after {timeout}s")

    def stop_platform(self) -> None:
        """Take the platform offline (connections are refused)."""
        self.running.stop()

    def start_platform(self) -> None:
        """Bring the platform back on the same port with the same state."""
        self.running = serve(create_platform_app(self.platform), port=self.running.port)

    def scores_of(self, sub: str) -> list[dict[str, Any]]:
        """Return every score body the platform accepted for a user."""
        return [s.received for s in self.platform.scores if s.user_id == sub]


def seed(tool: ServedTool, platform: DevPlatform, client_id: str) -> GradeEnv:
    """Write the rows a launch into course-101 would have written."""
    with tool.app.app_context():
        plat = db.session.execute(select(Platform).where(Platform.client_id == client_id)).scalar_one()
        dep = db.session.execute(select(Deployment).where(Deployment.platform_id == plat.id)).scalars().first()
        ctx = Context(deployment_id=dep.id, context_id=COURSE, title="Aftercare Foundations")
        db.session.add(ctx)
        db.session.flush()
        link = ResourceLink(context_id=ctx.id, resource_link_id=LINK, title="R2COM Aftercare Toolkit")
        db.session.add(link)
        users = {}
        for sub in [INSTRUCTOR, *LEARNERS]:
            user = LtiUser(platform_id=plat.id, sub=sub)
            db.session.add(user)
            db.session.flush()
            users[sub] = user.id
        db.session.commit()
        return GradeEnv(tool, platform, None, client_id, plat.id, ctx.id, link.id, users)  # type: ignore[arg-type]


@pytest.fixture
def env(tmp_path) -> Iterator[GradeEnv]:
    """A connected tool and platform; the test body runs inside the tool's app context."""
    tool = serve_tool(tmp_path)
    platform, running = start_platform(allow_control=True)
    cid, _ = connect(tool, platform)
    grade_env = seed(tool, platform, cid)
    grade_env.running = running
    try:
        with tool.app.app_context():
            yield grade_env
    finally:
        for worker in grade_env.workers:
            worker.close()
        grade_env.running.stop()
        tool.stop()
        drop_app(tool.app)
