"""Fixtures: a development platform and a minimal fake tool, each on its own loopback port."""

from __future__ import annotations

import secrets
import time
from typing import Any, Callable, Iterator

import jwt
import pytest
import requests
from flask import Flask, jsonify, redirect, request

from lti_tool.devplatform import Browser, DevPlatform, Running, serve, start_platform
from lti_tool.devplatform.constants import ALL_SCOPES, CLIENT_ASSERTION_TYPE, LTI_VERSION, Claim
from lti_tool.devplatform.keys import SigningKey
from lti_tool.devplatform.oidc import add_query


class FakeTool:
    """A tiny LTI tool: JWKS, OIDC login, launch (echoes verified claims) and Dynamic Registration."""

    def __init__(self, platform: DevPlatform, key: SigningKey | None = None) -> None:
        """Create the tool's Flask app (and a key unless given); call :meth:`start` to serve it."""
        self.platform = platform
        self.key = key or SigningKey.generate()
        self.extra_keys: list[SigningKey] = []
        self.states: dict[str, str] = {}
        self.client_id = ""
        self.deployment_id = ""
        self.running: Running | None = None
        self.app = self._build_app()

    @property
    def url(self) -> str:
        """Return the tool's base URL."""
        assert self.running is not None
        return self.running.url

    def start(self) -> FakeTool:
        """Serve the tool on a free loopback port."""
        self.running = serve(self.app)
        return self

    def _build_app(self) -> Flask:
        """Build the tool's Flask app."""
        app = Flask("fake_tool")

        @app.get("/jwks")
        def jwks() -> Any:
            keys = [self.key.public_jwk] + [k.public_jwk for k in self.extra_keys]
            return jsonify({"keys": keys})

        @app.route("/login", methods=["GET", "POST"])
        def login() -> Any:
            values = request.values
            state, nonce = secrets.token_urlsafe(8), secrets.token_urlsafe(8)
            self.states[state] = nonce
            params = {
                "scope": "openid",
                "response_type": "id_token",
                "response_mode": "form_post",
                "prompt": "none",
                "client_id": values["client_id"],
                "redirect_uri": self.url + "/launch",
                "login_hint": values["login_hint"],
                "lti_message_hint": values["lti_message_hint"],
                "state": state,
                "nonce": nonce,
            }
            return redirect(add_query(self.platform.url("/auth"), params))

        @app.post("/launch")
        def launch() -> Any:
            nonce = self.states.pop(request.form["state"])
            claims = jwt.decode(
                request.form["id_token"],
                self.platform.key.public_pem,
                algorithms=["RS256"],
                audience=self.client_id,
            )
            assert claims["nonce"] == nonce
            return jsonify({"claims": claims, "form": request.form.to_dict()})

        @app.get("/register")
        def register() -> Any:
            config = requests.get(request.args["openid_configuration"], timeout=5).json()
            answer = requests.post(
                config["registration_endpoint"],
                json=self.registration_body(),
                headers={"Authorization": "Bearer " + request.args["registration_token"]},
                timeout=5,
            )
            return jsonify({"status": answer.status_code, "body": answer.json()})

        return app

    def registration_body(self, **tool_config: Any) -> dict[str, Any]:
        """Return a valid Dynamic Registration request for this tool."""
        domain = self.url.split("//", 1)[1]
        config = {
            "domain": domain,
            "target_link_uri": self.url + "/launch",
            "claims": ["iss", "sub", "name", "email"],
            "messages": [{"type": "LtiDeepLinkingRequest", "target_link_uri": self.url + "/launch?dl=1"}],
            **tool_config,
        }
        return {
            "application_type": "web",
            "response_types": ["id_token"],
            "grant_types": ["implicit", "client_credentials"],
            "initiate_login_uri": self.url + "/login",
            "redirect_uris": [self.url + "/launch"],
            "client_name": "Fake tool",
            "jwks_uri": self.url + "/jwks",
            "token_endpoint_auth_method": "private_key_jwt",
            "scope": " ".join(ALL_SCOPES),
            "https://purl.imsglobal.org/spec/lti-tool-configuration": config,
        }

    def register(self, **kwargs: Any) -> tuple[str, str]:
        """Register by hand on the platform and remember the ids."""
        self.client_id, self.deployment_id = self.platform.add_tool(
            initiate_login_uri=self.url + "/login",
            redirect_uris=[self.url + "/launch"],
            jwks_uri=self.url + "/jwks",
            target_link_uri=self.url + "/launch",
            name="Fake tool",
            **kwargs,
        )
        return self.client_id, self.deployment_id

    def assertion(self, key: SigningKey | None = None, headers: dict[str, Any] | None = None, **claims: Any) -> str:
        """Return a client assertion for the token endpoint, with claim overrides."""
        now = int(time.time())
        body = {
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": self.platform.url("/token"),
            "iat": now,
            "exp": now + 60,
            "jti": secrets.token_urlsafe(12),
        }
        body.update(claims)
        use = key or self.key
        return jwt.encode(body, use.private_key, algorithm="RS256", headers={"kid": use.kid, **(headers or {})})

    def request_token(
        self, scopes: list[str] | tuple[str, ...] = ALL_SCOPES, assertion: str | None = None
    ) -> requests.Response:
        """POST to the platform's token endpoint."""
        data = {
            "grant_type": "client_credentials",
            "client_assertion_type": CLIENT_ASSERTION_TYPE,
            "client_assertion": assertion or self.assertion(),
            "scope": " ".join(scopes),
        }
        return requests.post(self.platform.url("/token"), data=data, timeout=5)

    def access_token(self, scopes: list[str] | tuple[str, ...] = ALL_SCOPES) -> dict[str, str]:
        """Return Authorization headers with a fresh access token."""
        response = self.request_token(scopes)
        assert response.status_code == 200, response.text
        return {"Authorization": "Bearer " + response.json()["access_token"]}

    def deep_link_response(
        self, settings: dict[str, Any], items: list[dict[str, Any]], key: SigningKey | None = None, **claims: Any
    ) -> str:
        """Return a signed Deep Linking response JWT answering ``settings``."""
        now = int(time.time())
        body: dict[str, Any] = {
            "iss": self.client_id,
            "aud": [self.platform.issuer],
            "iat": now,
            "exp": now + 600,
            "nonce": secrets.token_urlsafe(8),
            Claim.MESSAGE_TYPE.value: "LtiDeepLinkingResponse",
            Claim.VERSION.value: LTI_VERSION,
            Claim.DEPLOYMENT_ID.value: self.deployment_id,
            Claim.DL_CONTENT_ITEMS.value: items,
            Claim.DL_DATA.value: settings.get("data"),
        }
        body.update(claims)
        use = key or self.key
        return jwt.encode(body, use.private_key, algorithm="RS256", headers={"kid": use.kid})

    def stop(self) -> None:
        """Stop serving."""
        if self.running:
            self.running.stop()


@pytest.fixture(scope="session")
def platform_key() -> SigningKey:
    """Return one platform key for the session (key generation dominates start-up time)."""
    return SigningKey.generate()


@pytest.fixture(scope="session")
def tool_key() -> SigningKey:
    """Return one tool key for the session (tests that rotate keys make their own)."""
    return SigningKey.generate()


@pytest.fixture
def platform_server(platform_key: SigningKey, request: pytest.FixtureRequest) -> Iterator[tuple[DevPlatform, Running]]:
    """Serve a fresh platform with control endpoints enabled (of ``platform_profile`` if the test asks)."""
    profile = request.getfixturevalue("platform_profile") if "platform_profile" in request.fixturenames else "generic"
    platform, running = start_platform(allow_control=True, key=platform_key, profile=profile)
    yield platform, running
    running.stop()


@pytest.fixture
def platform(platform_server: tuple[DevPlatform, Running]) -> DevPlatform:
    """Return the served platform."""
    return platform_server[0]


@pytest.fixture
def tool(platform: DevPlatform, tool_key: SigningKey) -> Iterator[FakeTool]:
    """Serve a fake tool that is not registered yet."""
    fake = FakeTool(platform, tool_key).start()
    yield fake
    fake.stop()


@pytest.fixture
def tool_factory(platform: DevPlatform) -> Iterator[Callable[[], FakeTool]]:
    """Return a factory of extra fake tools, stopped at teardown."""
    made: list[FakeTool] = []

    def make() -> FakeTool:
        fake = FakeTool(platform).start()
        made.append(fake)
        return fake

    yield make
    for fake in made:
        fake.stop()


@pytest.fixture
def registered(tool: FakeTool) -> FakeTool:
    """Return the fake tool registered by hand with every scope and personal claim."""
    tool.register()
    return tool


@pytest.fixture
def browser() -> Iterator[Browser]:
    """Return a scripted browser."""
    with Browser() as instance:
        yield instance
