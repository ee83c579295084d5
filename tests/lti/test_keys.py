"""Tool keys: first key, JWKS, rotation keeps the old key published until retired."""

from __future__ import annotations

import pytest

from lti_tool.lti.keys import KeyError_, KeyRing


def test_first_key_is_created_private_and_published(tmp_path):
    ring = KeyRing(tmp_path)
    assert ring.ensure() is True
    key = ring.signing_key()
    assert (tmp_path / f"tool-{key.kid}.pem").stat().st_mode & 0o777 == 0o600
    jwks = ring.jwks()
    assert [k["kid"] for k in jwks["keys"]] == [key.kid]
    assert jwks["keys"][0]["alg"] == "RS256" and "d" not in jwks["keys"][0]
    assert ring.ensure() is False


def test_rotate_then_retire(tmp_path):
    ring = KeyRing(tmp_path)
    ring.ensure()
    old = ring.signing_key().kid
    new = ring.create_key().kid
    assert ring.signing_key().kid == new
    assert {k["kid"] for k in ring.jwks()["keys"]} == {old, new}
    with pytest.raises(KeyError_, match="signing key"):
        ring.retire(new)
    ring.retire(old)
    assert [k["kid"] for k in ring.jwks()["keys"]] == [new]
    assert not (tmp_path / f"tool-{old}.pem").exists()
    with pytest.raises(KeyError_, match="No active key"):
        ring.retire(old)


def test_other_process_sees_rotation(tmp_path, monkeypatch):
    worker = KeyRing(tmp_path)
    worker.ensure()
    cli = KeyRing(tmp_path).load()
    new = cli.create_key().kid
    monkeypatch.setattr("lti_tool.lti.keys.RELOAD_CHECK_SECONDS", 0.0)
    assert worker.signing_key().kid == new


def test_keys_are_parsed_once(tmp_path, monkeypatch):
    ring = KeyRing(tmp_path)
    ring.ensure()
    calls = []
    import lti_tool.lti.keys as keys_module

    real = keys_module.serialization.load_pem_private_key
    monkeypatch.setattr(keys_module.serialization, "load_pem_private_key",
                        lambda *a, **k: calls.append(1) or real(*a, **k))
    for _ in range(50):
        ring.signing_key()
        ring.jwks_json()
    assert calls == []
