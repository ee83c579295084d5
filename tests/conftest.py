"""Shared fixtures: an app per test on SQLite (default) or PostgreSQL (LTI_TOOL_TEST_DATABASE_URL)."""

from __future__ import annotations

import pytest

from lti_tool.devplatform.driver import Browser
from lti_tool.devplatform.server import start_platform
from support import REAL_PROFILES, connect, drop_app, make_app, serve_tool, start_profiled_platform


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


# -- misbehaving servers for the outbound-request tests (tests/hostile_servers.py) ----------------------
@pytest.fixture
def hostile():
    """A misbehaving server on 127.0.0.1, answers set by the test."""
    from hostile_servers import HostileServer

    srv = HostileServer("127.0.0.1")
    yield srv
    srv.close()


@pytest.fixture
def internal():
    """A server on an "internal" address (127.0.0.2) that must never be reached; /secret holds INTERNAL_SECRET."""
    from hostile_servers import INTERNAL_SECRET, HostileServer

    srv = HostileServer("127.0.0.2")
    srv.json("/secret", {"secret": INTERNAL_SECRET})
    yield srv
    srv.close()


# -- end-to-end: the tool and development platforms, each on its own loopback port ------------------
@pytest.fixture
def tool(tmp_path):
    """The tool served over real HTTP."""
    served = serve_tool(tmp_path)
    yield served
    served.stop()
    drop_app(served.app)


@pytest.fixture(params=REAL_PROFILES)
def platform_profile(request):
    """The name of a development-platform profile: ``moodle``, then ``canvas``.

    Requesting this fixture runs a test once per profile, and makes the ``platform`` fixture (and so
    ``connected``) a platform of that profile::

        def test_admin_opens_settings(platform_profile, connected, browser):
            tool, platform, cid, dep = connected          # platform.profile.name == platform_profile
            browser.launch_as_admin(platform.base_url, cid, dep)

    A whole module: ``pytestmark = pytest.mark.usefixtures("platform_profile")``. One profile, or the
    generic one too: ``@pytest.mark.parametrize("platform_profile", ["canvas"], indirect=True)`` (or
    ``ALL_PROFILES`` from ``support``); with ``indirect`` the test must also take ``platform_profile``
    as an argument (pytest refuses otherwise). Without this fixture, ``platform``
    stays the generic platform. With ``canvas``, LTI platform storage is off (see
    ``support.start_profiled_platform``); launches need no deployment id (the platform picks the
    install covering the course), and ``connect`` records its deployment as an account install.
    """
    return request.param


@pytest.fixture
def platform(request):
    """A development LTI platform served over real HTTP (of ``platform_profile`` when a test asks for it)."""
    if "platform_profile" in request.fixturenames:
        plat, running = start_profiled_platform(request.getfixturevalue("platform_profile"))
    else:
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
