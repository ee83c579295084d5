"""The master key is proved against the stored data keys at start and in /readyz, and never replaced.

A wrong, corrupted or missing ``keys/master.key`` while data keys are stored must stop the start with a
message that says what to restore, answer 503 in ``/readyz`` with a plain reason, and never be
"fixed" by creating a new key (that would leave every stored case record unreadable).
"""

from __future__ import annotations

import base64
import secrets
from pathlib import Path

import pytest
from sqlalchemy import func, select
from support import drop_app, make_app

from lti_tool import create_app
from lti_tool.assessment.crypto import (KeyMaterialError, MasterKeyProblem, check_master_key, field_aad,
                                        stored_wrapped_keys)
from lti_tool.assessment.models import DataKey
from lti_tool.config import ConfigError
from lti_tool.extensions import db


def _stored_case(app) -> tuple[int, bytes]:
    """Create an organisation (with its wrapped data keys) and seal one value; return (org id, blob)."""
    from lti_tool.assessment.roles import organisation_for
    from lti_tool.lti.models import Platform

    with app.app_context():
        platform = Platform(name="p", issuer="https://p.example", client_id="c", auth_login_url="x",
                            auth_token_url="x", key_set_url="x")
        db.session.add(platform)
        db.session.commit()
        org = organisation_for(platform.id)
        blob = app.extensions["r2com"]["case_cipher"].seal(org.id, "case", field_aad("t", "c", "1", org.id), "need")
        db.session.commit()
        assert db.session.execute(select(func.count()).select_from(DataKey)).scalar() == 2
        return org.id, blob


@pytest.fixture
def stored(tmp_path):
    """A development app whose database holds wrapped data keys; yields (app, settings, master.key path)."""
    app = make_app(tmp_path, ENV="development")
    _stored_case(app)
    settings = {k: app.config["R2COM"][k] for k in ("KEYS_DIR", "DATABASE_URL", "BASE_URL", "SECRET_KEY")}
    settings.update(ENV="development", DEV_PLATFORM=False, DELIVERY_THREAD=False, LOG_LEVEL="WARNING")
    yield app, settings, Path(settings["KEYS_DIR"]) / "master.key"
    drop_app(app)


def _start(settings: dict, **more) -> None:
    """Start a serving app on the same database and keys folder (and drop it at once)."""
    app = create_app({**settings, **more}, env={})
    app.extensions["r2com"]["hotpath"].close()
    with app.app_context():
        db.engine.dispose()


def _another_valid_key(path: Path) -> None:
    key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")
    path.write_text(f"r2com-master-1 {secrets.token_hex(8)} {key}\n")


def _ready(app) -> tuple[int, dict]:
    resp = app.test_client().get("/readyz")
    return resp.status_code, resp.json


def test_the_right_key_starts_and_is_ready(stored) -> None:
    app, settings, _ = stored
    _start(settings)
    _start(settings, ENV="production", BASE_URL="https://tool.example.org")
    assert _ready(app) == (200, {"status": "ready", "checks": {"database": "ok", "keys": "ok", "master_key": "ok"}})
    with app.app_context():
        assert check_master_key(settings["KEYS_DIR"], required=True) == 1  # one master key id proved


@pytest.mark.parametrize("env", ["development", "production"])
def test_a_wrong_key_stops_the_start_and_says_what_to_restore(stored, env) -> None:
    app, settings, path = stored
    original = path.read_bytes()
    _another_valid_key(path)
    with pytest.raises(ConfigError) as refused:
        _start(settings, ENV=env, BASE_URL="https://tool.example.org")
    message = str(refused.value)
    assert "does not open the stored data keys" in message
    assert f"Restore {path}" in message and "backup" in message
    assert "Do not create a new master key" in message
    assert _ready(app)[0] == 503
    assert _ready(app)[1]["checks"]["master_key"] == "does not match the stored data keys"
    path.write_bytes(original)  # restored from backup: ready again, and nothing was lost
    _start(settings, ENV=env, BASE_URL="https://tool.example.org")
    assert _ready(app)[0] == 200


def test_same_key_id_with_other_key_bytes_is_a_wrong_key(stored) -> None:
    app, settings, path = stored
    tag, kid, _ = path.read_text().split()
    path.write_text(f"{tag} {kid} {base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip('=')}\n")
    with pytest.raises(ConfigError, match="does not open the stored data keys"):
        _start(settings)
    assert _ready(app) [1]["checks"]["master_key"] == "does not match the stored data keys"


@pytest.mark.parametrize("garbage", [b"\xff\xfe\x00 not text", b"r2com-master-1 abc !!!not-base64!!!", b"",
                                     b"r2com-master-1 abc c2hvcnQ"])
def test_a_corrupted_file_stops_the_start(stored, garbage) -> None:
    app, settings, path = stored
    path.write_bytes(garbage)
    with pytest.raises(ConfigError) as refused:
        _start(settings)
    assert "cannot be read" in str(refused.value) and f"Restore {path}" in str(refused.value)
    status, body = _ready(app)
    assert status == 503 and body == {"status": "not ready", "checks": {"database": "ok", "keys": "ok",
                                                                          "master_key": "unreadable"}}


@pytest.mark.parametrize("env", ["development", "production"])
def test_a_missing_file_with_data_keys_stops_the_start(stored, env) -> None:
    app, settings, path = stored
    path.unlink()
    with pytest.raises(ConfigError) as refused:
        _start(settings, ENV=env, BASE_URL="https://tool.example.org")
    assert "There is no master key" in str(refused.value) and f"Restore {path}" in str(refused.value)
    assert _ready(app)[1]["checks"]["master_key"] == "missing"
    assert not path.exists()


def test_development_never_regenerates_a_master_key_while_data_keys_exist(stored) -> None:
    app, settings, path = stored
    path.unlink()
    cipher = app.extensions["r2com"]["case_cipher"]
    cipher.forget()
    with app.app_context():
        assert cipher.masters.may_create  # development may create a first key ...
        with pytest.raises(MasterKeyProblem, match="Do not create a new master key"):
            cipher.masters.load()  # ... but not this one: the stored data keys need the old one
        with pytest.raises(KeyMaterialError):
            cipher.create_data_key(1, "case")
        db.session.rollback()
    assert not path.exists()
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["assessment", "create-master-key"])
    assert refused.exit_code != 0 and "Restore" in refused.output and not path.exists()
    refused = runner.invoke(args=["setup"])
    assert refused.exit_code != 0 and "Restore" in refused.output and not path.exists()


def test_development_creates_the_first_key_when_nothing_is_stored(tmp_path) -> None:
    app = make_app(tmp_path, ENV="development")
    try:
        path = Path(app.config["R2COM"]["KEYS_DIR"]) / "master.key"
        with app.app_context():
            assert stored_wrapped_keys() == {}
            assert check_master_key(app.config["R2COM"]["KEYS_DIR"], required=False) == 0
        assert not path.exists() and _ready(app)[0] == 200  # created only when first needed
        _stored_case(app)
        assert path.exists() and _ready(app)[0] == 200
    finally:
        drop_app(app)


def test_readyz_reason_carries_no_key_material(stored) -> None:
    app, _, path = stored
    _, kid, key = path.read_text().split()
    _another_valid_key(path)
    body = app.test_client().get("/readyz").get_data(as_text=True)
    assert kid not in body and key not in body and str(path) not in body


def test_casework_pages_answer_503_not_500_when_the_key_cannot_open_them(world, as_) -> None:
    """A key broken after the last start (no start check ran since): a clear 503 page, not a stack trace."""
    from .conftest import Caller, new_client

    client_id = new_client(as_("practitioner"))
    settings = dict(world.app.config["R2COM"])
    path = Path(settings["KEYS_DIR"]) / "master.key"
    _another_valid_key(path)
    restarted = create_app(settings, env={})  # testing skips the start check: what a page does on its own
    try:
        caller = Caller(restarted.test_client(), world.tokens["practitioner"])
        page = caller.get(f"/assessment/clients/{client_id}")
        assert page.status_code == 503
        assert "Case records cannot be opened right now" in page.get_data(as_text=True)
        api = caller.json(f"/assessment/clients/{client_id}")
        assert api.status_code == 503 and api.json["error"] == "case_records_unavailable"
    finally:
        restarted.extensions["r2com"]["hotpath"].close()
        with restarted.app_context():
            db.engine.dispose()
