"""Shared fixtures: an app per test on SQLite (default) or PostgreSQL (LTI_TOOL_TEST_DATABASE_URL)."""

from __future__ import annotations

import pytest

from support import drop_app, make_app


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
