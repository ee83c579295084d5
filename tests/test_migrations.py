"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
import uuid

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy.engine import make_url

from lti_tool import create_app
from lti_tool.extensions import db
from support import TEST_DATABASE_URL


def _fresh_database(tmp_path):
    """Yield (url, cleanup) for an empty database of the kind the suite runs on."""
    if TEST_DATABASE_URL and TEST_DATABASE_URL.startswith("postgresql"):
        url = make_url(TEST_DATABASE_URL)
        name = f"r2com_migrations_{uuid.uuid4().hex[:8]}"
        admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')

        def cleanup():
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

        return url.set(database=name).render_as_string(hide_password=False), cleanup
    return f"sqlite:///{tmp_path / 'migrations.db'}", lambda: None


@contextlib.contextmanager
def unmigrated_app(tmp_path):
    """An app on a fresh, empty database (no tables: the test runs the migrations); dropped afterwards."""
    url, cleanup = _fresh_database(tmp_path)
    app = create_app({"ENV": "testing", "SECRET_KEY": "x", "KEYS_DIR": str(tmp_path / "keys"), "DATABASE_URL": url,
                      "DEV_PLATFORM": False, "DELIVERY_THREAD": False, "LOG_LEVEL": "WARNING"}, env={})
    try:
        yield app
    finally:
        app.extensions["r2com"]["hotpath"].close()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        cleanup()


@pytest.fixture
def migrated_app(tmp_path):
    with unmigrated_app(tmp_path) as app:
        yield app


def test_migrations_match_models(migrated_app):
    with migrated_app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
        assert diff == [], f"models and migrations differ: {diff}"


def test_migrations_downgrade_to_nothing(migrated_app):
    with migrated_app.app_context():
        upgrade()
        downgrade(revision="base")
        with db.engine.connect() as conn:
            tables = set(db.inspect(conn).get_table_names()) - {"alembic_version"}
        assert tables == set()
