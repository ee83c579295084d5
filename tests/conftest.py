"""Shared fixtures: an app per test on SQLite (default) or PostgreSQL (LTI_TOOL_TEST_DATABASE_URL)."""

from __future__ import annotations

import pytest

from lti_tool.devplatform.driver import Browser
from lti_tool.devplatform.server import start_platform
from support import connect, drop_app, make_app, serve_tool


@pytest.fixture
def app(tmp_path):
    app = make_app(tmp_path)
    yield app
    drop_app(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# -- end-to-end: the tool and development platforms, each on its own loopback port ------------------
@pytest.fixture
def tool(tmp_path):
    """The tool served over real HTTP."""
    served = serve_tool(tmp_path)
    yield served
    served.stop()
    drop_app(served.app)


@pytest.fixture
def platform():
    """A development LTI platform served over real HTTP."""
    plat, running = start_platform(allow_control=True)
    yield plat
    running.stop()


@pytest.fixture
def connected(tool, platform):
    """(tool, platform, client_id, deployment_id) ready to launch."""
    cid, deps = connect(tool, platform)
    return tool, platform, cid, deps[0]


@pytest.fixture
def browser():
    """A person's browser for LTI flows (cookies, redirects, auto-submitting forms)."""
    with Browser() as b:
        yield b
