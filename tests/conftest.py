"""Shared fixtures: an app per test on SQLite (default) or PostgreSQL (LTI_TOOL_TEST_DATABASE_URL)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lti_tool import create_app
from lti_tool.extensions import db as _db

TEST_DATABASE_URL = os.environ.get("LTI_TOOL_TEST_DATABASE_URL")


def make_app(tmp_path: Path, **overrides):
    """Build a test app with its own keys folder and a clean database."""
    settings = {
        "ENV": "testing",
        "SECRET_KEY": "test-secret-key-not-for-production",
        "KEYS_DIR": str(tmp_path / "keys"),
        "DATABASE_URL": TEST_DATABASE_URL or f"sqlite:///{tmp_path / 'test.db'}",
        "BASE_URL": "http://tool.test",
        "DEV_PLATFORM": False,
        "DELIVERY_THREAD": False,
    }
    settings.update(overrides)
    app = create_app(settings, env={})
    with app.app_context():
        _db.drop_all()
        _db.create_all()
    return app


@pytest.fixture
def app(tmp_path):
    app = make_app(tmp_path)
    yield app
    with app.app_context():
        _db.session.remove()
        _db.drop_all()
        _db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()
