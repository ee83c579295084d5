"""Field encryption: master key on disk, per-organisation data keys, rotation without downtime."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import select
from support import make_app

from lti_tool.assessment.crypto import CaseCipher, KeyMaterialError, MasterKeyring, blob_key_id, field_aad
from lti_tool.assessment.models import Client, DataKey, Organisation
from lti_tool.assessment.rotation import referenced_keys
from lti_tool.config import ConfigError
from lti_tool.extensions import db

from .conftest import FORMULATION, PSEUDONYM, World, full_case


def test_master_key_is_created_private_outside_production(tmp_path: Path) -> None:
    ring = MasterKeyring(tmp_path / "keys", may_create=True)
    first = ring.current
    path = tmp_path / "keys" / "master.key"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert MasterKeyring(tmp_path / "keys", may_create=False).current == first


def test_production_refuses_to_start_without_a_master_key(tmp_path: Path) -> None:
    # SQLite in any case: the app is abandoned half-built, and must leave no server connection behind.
    overrides = {"ENV": "production", "BASE_URL": "https://tool.example.org",
                 "DATABASE_URL": f"sqlite:///{tmp_path / 'production.db'}"}
    with pytest.raises(ConfigError, match="master key"):
        from lti_tool.lti.keys import KeyRing

        KeyRing(str(tmp_path / "keys")).load().create_key()  # a tool key, so only the master key is missing
        make_app(tmp_path, **overrides)
    with pytest.raises(KeyMaterialError):
        MasterKeyring(tmp_path / "nothing", may_create=False).load()


def test_wrapped_data_key_is_bound_to_its_organisation(app) -> None:
    with app.app_context():
        org_a, org_b = Organisation(platform_id=_platform(1)), Organisation(platform_id=_platform(2))
        db.session.add_all([org_a, org_b])
        db.session.flush()
        cipher: CaseCipher = app.extensions["r2com"]["case_cipher"]
        aad = field_aad("t", "c", "row", org_a.id)
        blob = cipher.seal(org_a.id, "case", aad, {"need": "2"})
        assert cipher.open(org_a.id, aad, blob) == {"need": "2"}
        with pytest.raises(KeyMaterialError):
            cipher.open(org_b.id, field_aad("t", "c", "row", org_b.id), blob)
        with pytest.raises(KeyMaterialError):
            cipher.open(org_a.id, field_aad("t", "other", "row", org_a.id), blob)
        tampered = blob[:-1] + bytes([blob[-1] ^ 1])
        with pytest.raises(KeyMaterialError):
            cipher.open(org_a.id, aad, tampered)
        identity = cipher.seal(org_a.id, "identity", aad, "x")
        assert blob_key_id(identity) != blob_key_id(blob)  # the identity vault has its own key
        db.session.rollback()


def _platform(n: int) -> int:
    from lti_tool.lti.models import Platform

    platform = Platform(name=f"p{n}", issuer=f"https://p{n}", client_id="c", auth_login_url="x", auth_token_url="x",
                        key_set_url="x")
    db.session.add(platform)
    db.session.flush()
    return platform.id


def _fresh_cipher(app) -> CaseCipher:
    """A cipher with empty caches, as a new worker process would have."""
    return CaseCipher(MasterKeyring(app.config["R2COM"]["KEYS_DIR"], may_create=False))


def test_rotate_master_key_rewraps_without_downtime(world: World, as_) -> None:
    p = as_("practitioner")
    case = full_case(p)
    app = world.app
    keys = Path(app.config["R2COM"]["KEYS_DIR"])
    old_kid = (keys / "master.key").read_text().split()[1]
    result = app.test_cli_runner().invoke(args=["assessment", "rotate-master-key", "--keep-old"])
    assert result.exit_code == 0, result.output
    new_kid = (keys / "master.key").read_text().split()[1]
    assert new_kid != old_kid and (keys / f"master.{old_kid}.key").exists()
    # the running worker keeps serving with its cached data keys
    assert PSEUDONYM in p.get(f"/assessment/clients/{case.client_id}").get_data(as_text=True)
    with app.app_context():
        assert set(db.session.execute(select(DataKey.master_kid)).scalars()) == {new_kid}
        (keys / f"master.{old_kid}.key").unlink()  # a fresh worker needs only the new master key
        fresh = _fresh_cipher(app)
        client = db.session.get(Client, case.client_id)
        assert fresh.open(client.organisation_id, client._aad("pseudonym_enc"), client.pseudonym_enc) == PSEUDONYM
    result = app.test_cli_runner().invoke(args=["assessment", "rotate-master-key"])
    assert result.exit_code == 0 and "Retired master key" in result.output
    assert sorted(f.name for f in keys.glob("master*.key")) == ["master.key"]


def test_rotate_data_key_reencrypts_and_shreds_the_old_key(world: World, as_) -> None:
    p = as_("practitioner")
    case = full_case(p)
    app = world.app
    with app.app_context():
        before = {k.id for k in db.session.execute(select(DataKey)).scalars()}
    result = app.test_cli_runner().invoke(args=["assessment", "rotate-data-key", str(world.orgs["a"]),
                                                "--batch-size", "3", "--settle-seconds", "0"])
    assert result.exit_code == 0, result.output
    assert "old data key(s) deleted" in result.output
    with app.app_context():
        after = {k.id for k in db.session.execute(select(DataKey).where(
            DataKey.organisation_id == world.orgs["a"])).scalars()}
        assert after and not (after & before)
        assert referenced_keys(world.orgs["a"]) <= after
    page = p.get(f"/assessment/clients/{case.client_id}/profile").get_data(as_text=True)
    assert FORMULATION in page and PSEUDONYM in page
    assert app.test_cli_runner().invoke(args=["assessment", "rotate-data-key", "999"]).exit_code != 0


def test_cli_commands_have_help(app) -> None:
    from lti_tool.assessment.cli import assessment_cli

    for name, command in assessment_cli.commands.items():
        assert command.help and command.help.strip(), name
        result = app.test_cli_runner().invoke(args=["assessment", name, "--help"])
        assert result.exit_code == 0


def test_create_master_key_command(tmp_path: Path, app) -> None:
    result = app.test_cli_runner().invoke(args=["assessment", "create-master-key"])
    assert result.exit_code != 0 or "created" in result.output
    keys = Path(app.config["R2COM"]["KEYS_DIR"])
    (keys / "master.key").unlink(missing_ok=True)
    result = app.test_cli_runner().invoke(args=["assessment", "create-master-key"])
    assert result.exit_code == 0 and (keys / "master.key").exists()
    assert app.test_cli_runner().invoke(args=["assessment", "create-master-key"]).exit_code != 0


def test_orgs_and_verify_audit_commands(world: World, as_) -> None:
    full_case(as_("practitioner"))
    runner = world.app.test_cli_runner()
    result = runner.invoke(args=["assessment", "orgs"])
    assert "Platform a" in result.output and "casework on" in result.output
    result = runner.invoke(args=["assessment", "verify-audit"])
    assert result.exit_code == 0 and "chain intact" in result.output


def test_a_new_organisation_gets_its_keys_committed(app) -> None:
    from lti_tool.assessment.roles import organisation_for

    with app.app_context():
        platform_id = _platform(7)
        db.session.commit()
        org = organisation_for(platform_id)
        db.session.rollback()  # whatever the request does next, the organisation and its keys stay
        assert organisation_for(platform_id).id == org.id
        query = select(DataKey.purpose).where(DataKey.organisation_id == org.id)
        purposes = sorted(db.session.execute(query).scalars())
        assert purposes == ["case", "identity"]
