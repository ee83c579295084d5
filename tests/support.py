"""Test helpers shared by the unit and end-to-end tests."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import WSGIRequestHandler, make_server

from lti_tool import create_app
from lti_tool.extensions import db

TEST_DATABASE_URL = os.environ.get("LTI_TOOL_TEST_DATABASE_URL")
#: For the slow walks (every language, every page): CI runs the suite on SQLite and again on PostgreSQL, and what
#: these walks check (templates, translations, layout) does not depend on the database, so they run once.
ONCE = pytest.mark.skipif(TEST_DATABASE_URL is not None,
                          reason="a slow walk that does not depend on the database: it runs in the SQLite pass")


def make_app(tmp_path: Path, **overrides: Any) -> Flask:
    """Build a test app with its own keys folder and a clean database."""
    settings = {
        "ENV": "testing",
        "SECRET_KEY": "test-secret-key-not-for-production",
        "KEYS_DIR": str(tmp_path / "keys"),
        "DATABASE_URL": TEST_DATABASE_URL or f"sqlite:///{tmp_path / 'test.db'}",
        "BASE_URL": "http://tool.test",
        "DEV_PLATFORM": False,
        "DELIVERY_THREAD": False,
        "LOG_LEVEL": "WARNING",
    }
    settings.update(overrides)
    app = create_app(settings, env={})
    with app.app_context():
        db.drop_all()
        db.create_all()
    return app


def drop_app(app: Flask) -> None:
    app.extensions["r2com"]["hotpath"].close()
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


@dataclass
class ServedTool:
    """The tool app served over real HTTP on loopback."""

    app: Flask
    url: str
    server: Any
    thread: threading.Thread

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def serve_tool(tmp_path: Path, **overrides: Any) -> ServedTool:
    """Bind a loopback port, build the tool with that BASE_URL, and serve it in a thread."""
    server = make_server("127.0.0.1", 0, lambda environ, start: [], threaded=True, request_handler=_Quiet)
    url = f"http://127.0.0.1:{server.port}"
    app = make_app(tmp_path, BASE_URL=url, **overrides)
    server.app = app
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return ServedTool(app, url, server, thread)


def empty_database(url: str) -> None:
    """Drop every table of a database, Alembic's version table included: a server's first day."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    meta = sa.MetaData()
    meta.reflect(engine)
    meta.drop_all(engine)
    engine.dispose()


def install_from_nothing(tmp_path: Path, **overrides: Any) -> ServedTool:
    """Run the operator's ``flask --app wsgi setup`` on an empty keys folder and database, then serve that install.

    Nothing is created by the test itself: the keys, the tables (by the migrations) and the content come from
    the setup command, as on an empty production server.
    """
    import subprocess
    import sys

    server = make_server("127.0.0.1", 0, lambda environ, start: [], threaded=True, request_handler=_Quiet)
    url = f"http://127.0.0.1:{server.port}"
    database_url = TEST_DATABASE_URL or f"sqlite:///{tmp_path / 'installed.db'}"
    if TEST_DATABASE_URL:
        empty_database(database_url)
    keys_dir = tmp_path / "installed-keys"
    env = {**os.environ, "LTI_TOOL_ENV": "testing", "LTI_TOOL_BASE_URL": url, "LTI_TOOL_KEYS_DIR": str(keys_dir),
           "LTI_TOOL_DATABASE_URL": database_url, "LTI_TOOL_DEV_PLATFORM": "false",
           "LTI_TOOL_DELIVERY_THREAD": "false", "LTI_TOOL_LOG_LEVEL": "WARNING"}
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "setup"], cwd=Path(__file__).parents[1],
                          env=env, text=True, capture_output=True, timeout=180)
    assert done.returncode == 0, f"setup failed:\n{done.stdout}\n{done.stderr}"
    settings = {"ENV": "testing", "KEYS_DIR": str(keys_dir), "DATABASE_URL": database_url, "BASE_URL": url,
                "DEV_PLATFORM": False, "DELIVERY_THREAD": False, "LOG_LEVEL": "WARNING", **overrides}
    app = create_app(settings, env={})
    server.app = app
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return ServedTool(app, url, server, thread)


#: The platform profiles that model a real LMS; ``generic`` is the default platform the older tests use.
REAL_PROFILES: tuple[str, ...] = ("moodle", "canvas")
ALL_PROFILES: tuple[str, ...] = ("generic", *REAL_PROFILES)


def start_profiled_platform(profile: str = "generic", **kwargs: Any) -> tuple[Any, Any]:
    """Start a development platform of ``profile`` over real HTTP; return ``(platform, running)``.

    For the ``canvas`` profile, LTI platform storage is switched off: the scripted ``Browser`` cannot run
    the tool's ``lti.put_data`` JavaScript (set ``platform.platform_storage = True`` to test that path).
    """
    from lti_tool.devplatform.server import start_platform

    kwargs.setdefault("allow_control", True)
    plat, running = start_platform(profile=profile, **kwargs)
    plat.platform_storage = False
    return plat, running


def connect(tool: ServedTool, platform: Any, *, name: str = "Dev platform", client_id: str | None = None,
            canvas_mode: bool = False, deployments: int = 1) -> tuple[str, list[str]]:
    """Register the tool on a dev platform and the platform in the tool; return (client_id, deployment ids)."""
    from lti_tool.lti.registration import add_platform

    cid, first = platform.add_tool(initiate_login_uri=tool.url + "/lti/login", redirect_uris=[tool.url + "/lti/launch"],
                                   jwks_uri=tool.url + "/.well-known/jwks.json", target_link_uri=tool.url + "/lti/launch",
                                   canvas_mode=canvas_mode, client_id=client_id, name=name)
    deployment_ids = [first] + [platform.add_deployment(cid) for _ in range(deployments - 1)]
    with tool.app.app_context():
        add_platform(name=name, issuer=platform.issuer, client_id=cid, auth_login_url=platform.url("/auth"),
                     auth_token_url=platform.url("/token"), key_set_url=platform.url("/.well-known/jwks.json"),
                     deployment_ids=deployment_ids,
                     product={"moodle": "moodle", "canvas": "canvas"}.get(platform.profile.name, "other"))
        db.session.commit()
        tool.app.extensions["r2com"]["platforms"].invalidate()
    return cid, deployment_ids


def allow_casework(app: Flask, sub: str, *roles: str) -> None:
    """Allow casework for the organisation of the platform user ``sub`` (who has launched once) and give them tool
    roles, as the organisation administrator's settings page does."""
    from sqlalchemy import select

    from lti_tool.assessment.models import Organisation, OrgRole
    from lti_tool.lti.models import LtiUser

    with app.app_context():
        user = db.session.execute(select(LtiUser).where(LtiUser.sub == sub)).scalar_one()
        org = db.session.execute(select(Organisation).where(Organisation.platform_id == user.platform_id)).scalar()
        if org is None:
            org = Organisation(platform_id=user.platform_id)
            db.session.add(org)
            db.session.flush()
        org.casework_enabled = True
        for role in roles:
            db.session.add(OrgRole(organisation_id=org.id, user_id=user.id, role=role))
        db.session.commit()
