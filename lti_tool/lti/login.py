"""OIDC third-party initiated login, on top of pylti1p3's OIDCLogin."""

from __future__ import annotations

import re
import secrets
from typing import Any, Mapping
from urllib.parse import quote_plus

from flask_babel import lazy_gettext as _l
from pylti1p3.oidc_login import OIDCLogin

from .errors import InvalidToken, MissingClaim, UnknownDeployment, UnknownPlatform
from .state import StateRecord, StateStore
from .tool_config import DatabaseToolConf, PlatformDirectory, PlatformInfo

LOGIN_PARAMS = ("iss", "login_hint", "target_link_uri", "lti_message_hint", "client_id", "lti_deployment_id",
                "deployment_id", "canvas_region", "canvas_environment", "lti_storage_target")
MAX_PARAM_LENGTH = 4096
_UNRESERVED = re.compile(r"[A-Za-z0-9_.~-]*")


def query_string(params: dict[str, str]) -> str:
    """``urlencode`` with the same output, quicker for the mostly URL-safe values of a login redirect."""
    return "&".join(key + "=" + (value if _UNRESERVED.fullmatch(value) else quote_plus(value))
                    for key, value in params.items())


class _Unused:
    def __getattr__(self, name: str) -> Any:  # pragma: no cover
        raise AttributeError(name)


class StrictOIDCLogin(OIDCLogin):
    """Validate a login initiation and prepare the authorization redirect with server-side state."""

    def __init__(self, params: Mapping[str, str], *, tool_conf: DatabaseToolConf, directory: PlatformDirectory,
                 states: StateStore, base_url: str, state_ttl: int):
        super().__init__(None, tool_conf, _Unused(), _Unused())
        self._params = {k: params[k] for k in LOGIN_PARAMS if isinstance(params.get(k), str)}
        self._directory = directory
        self._states = states
        self._base_url = base_url
        self._state_ttl = state_ttl
        self.platform: PlatformInfo | None = None
        self.state = ""
        self.binding = ""
        self.auth_url = ""

    def _get_request_param(self, key: str) -> str:
        return self._params.get(key)  # type: ignore[return-value]

    def get_redirect(self, url: str):  # pragma: no cover - the view builds the response itself
        raise NotImplementedError

    @property
    def params(self) -> Mapping[str, str]:
        """The login parameters this tool reads (others are dropped); do not modify."""
        return self._params

    def prepare(self) -> "StrictOIDCLogin":
        """Check the request, store the state and build the platform's authorization URL."""
        for key, value in self._params.items():
            if len(value) > MAX_PARAM_LENGTH:
                raise InvalidToken(_l("The login parameter %(key)s is too long.", key=key), code="param_too_long",
                                   status=413)
        for key in ("iss", "login_hint", "target_link_uri"):
            if not self._params.get(key):
                raise MissingClaim(_l("The login request has no %(key)s.", key=key), code=f"missing_{key}")
        target = self._params["target_link_uri"]
        if not (target == self._base_url or target.startswith(self._base_url + "/")):
            raise InvalidToken(_l("The target_link_uri does not point at this tool."), code="foreign_target_link_uri")
        info = self._directory.find(self._params["iss"], self._params.get("client_id"))
        if info is None or not info.active:
            raise UnknownPlatform(_l("No active registration for this issuer and client id."),
                                  code="unknown_platform" if info is None else "platform_disabled")
        # pylti1p3's own lookup must agree (it goes through the same database-backed tool config).
        self._registration = self.validate_oidc_login()
        deployment_id = self._params.get("lti_deployment_id") or self._params.get("deployment_id")
        if deployment_id:
            # An unknown or pending deployment goes on: only the signed launch can say that the platform really
            # created it (Canvas tells the tool of a new install no other way). A disabled one stops here.
            found = info.deployments.get(deployment_id)
            if found is not None and not found[1] and not found[2]:
                exc = UnknownDeployment(_l("This deployment is switched off in the tool."), code="deployment_disabled")
                exc.product, exc.platform_id = info.product, info.id
                raise exc
        self.platform = info
        self.state = secrets.token_urlsafe(32)
        self.binding = secrets.token_urlsafe(24)
        nonce = secrets.token_urlsafe(32)
        self._states.put(self.state, StateRecord(nonce=nonce, platform_id=info.id, binding=self.binding,
                                                 params=self._params), self._state_ttl)
        auth = {
            "scope": "openid", "response_type": "id_token", "response_mode": "form_post", "prompt": "none",
            "client_id": info.client_id, "redirect_uri": self._base_url + "/lti/launch", "state": self.state,
            "nonce": nonce, "login_hint": self._params["login_hint"],
        }
        if self._params.get("lti_message_hint"):
            auth["lti_message_hint"] = self._params["lti_message_hint"]
        sep = "&" if "?" in info.auth_login_url else "?"
        self.auth_url = info.auth_login_url + sep + query_string(auth)
        return self

    def validate_oidc_login(self):
        try:
            registration = super().validate_oidc_login()
        except Exception as exc:  # pylti1p3 raises OIDCException / bare Exception here
            raise UnknownPlatform(str(exc), code="unknown_platform") from exc
        return registration
