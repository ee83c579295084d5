"""End-to-end fixtures: the tool and development platforms, each on its own loopback port."""

from __future__ import annotations

import pytest

from lti_tool.devplatform.driver import Browser
from lti_tool.devplatform.server import start_platform
from support import connect, drop_app, serve_tool


@pytest.fixture
def tool(tmp_path):
    served = serve_tool(tmp_path)
    yield served
    served.stop()
    drop_app(served.app)


@pytest.fixture
def platform():
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
    with Browser() as b:
        yield b
