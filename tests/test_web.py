"""Health checks, security headers and error pages."""

from __future__ import annotations


def test_healthz_and_readyz(client):
    assert client.get("/healthz").json == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json["checks"] == {"database": "ok", "keys": "ok", "master_key": "ok"}


def test_readyz_reports_database_down(app, client, monkeypatch):
    from lti_tool.extensions import db

    def broken(*a, **k):
        raise RuntimeError("down")

    monkeypatch.setattr(db.session, "execute", broken)
    resp = client.get("/readyz")
    assert resp.status_code == 503 and resp.json["checks"]["database"].startswith("unavailable")


def test_security_headers(client):
    resp = client.get("/")
    csp = resp.headers["Content-Security-Policy"]
    assert "frame-ancestors" in csp and "object-src 'none'" in csp
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] == "no-referrer"


def test_not_found_is_a_page_or_json(client):
    page = client.get("/no/such/page")
    assert page.status_code == 404 and b"We could not find that page" in page.data
    api = client.get("/no/such/page", headers={"Accept": "application/json"})
    assert api.status_code == 404 and api.json["error"] == "not_found"


def test_setup_page_lists_urls(client):
    page = client.get("/lti/setup").get_data(as_text=True)
    for url in ("http://tool.test/lti/login", "http://tool.test/lti/launch", "http://tool.test/.well-known/jwks.json"):
        assert url in page


def test_canvas_json(client):
    config = client.get("/lti/canvas.json").json
    assert config["oidc_initiation_url"] == "http://tool.test/lti/login"
    assert config["public_jwk_url"] == "http://tool.test/.well-known/jwks.json"
    assert config["extensions"][0]["domain"] == "tool.test"


def test_no_cookie_session_is_kept(app, client):
    import flask
    import pytest

    resp = client.get("/")
    assert "session=" not in resp.headers.get("Set-Cookie", "")
    with app.test_request_context("/"):
        with pytest.raises(RuntimeError):
            flask.session["x"] = 1
