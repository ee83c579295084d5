"""The OIDC login and the launch, as one flow shared by the Flask views and the WSGI fast path.

Every learner who opens an activity costs one login and one launch, so these two requests are the
tool's hottest path. The flow itself needs an app context (for the database and the settings) but no
request: it takes the parameters, cookies and scheme, and answers with what to send back. The Flask
views in ``views.py`` turn that into responses and pages; ``fastpath.py`` answers the common case (a
redirect) without building a Flask request, and hands everything else — errors, pages — to the views.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping
from urllib.parse import urlsplit

from flask import current_app

from .errors import StateMismatch
from .launch import LtiLaunch, StrictMessageLaunch, is_token_shaped
from .login import StrictOIDCLogin
from .session import issue_token

log = logging.getLogger(__name__)

STATE_COOKIE_PREFIX = "r2com-lti-"
#: A browser may start several launches at once (two activities on one course page), but logins that
#: never finish must not pile up cookies: keep only the newest few.
MAX_STATE_COOKIES = 4
COOKIE_PATH = "/lti/"


def state_cookie_name(state: str) -> str:
    return STATE_COOKIE_PREFIX + state[:22]


def _cookie(name: str, value: str, max_age: int, secure: bool) -> str:
    """A Set-Cookie value for a login binding cookie: cross-site (and partitioned) over https."""
    attrs = f"{name}={value}; Path={COOKIE_PATH}; Max-Age={max_age}; HttpOnly"
    if max_age == 0:
        attrs += "; Expires=Thu, 01 Jan 1970 00:00:00 GMT"
    return attrs + ("; Secure; SameSite=None; Partitioned" if secure else "; SameSite=Lax")


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of a URL: the target origin for postMessage to the platform."""
    return "{0.scheme}://{0.netloc}".format(urlsplit(url))


def delete_state_cookie(state: str, secure: bool) -> str:
    return _cookie(state_cookie_name(state), "", 0, secure)


@dataclass
class LoginResult:
    """A checked login initiation: where to send the browser, and the cookies to set."""

    oidc: StrictOIDCLogin
    set_cookies: list[str]

    @property
    def storage_target(self) -> str | None:
        """The frame to keep the binding in, when the platform offers LTI platform storage (Canvas)."""
        return self.oidc.params.get("lti_storage_target") or None

    @property
    def platform_origin(self) -> str:
        return origin_of(self.oidc.auth_url)


@dataclass
class LaunchResult:
    """A verified launch: either a tool session was opened, or the browser could not prove the login."""

    message: StrictMessageLaunch
    state: str
    session_id: str | None = None
    token: str | None = None
    set_cookies: list[str] = field(default_factory=list)

    @property
    def opened(self) -> bool:
        return self.session_id is not None


class LaunchFlow:
    """Login and launch over the app's registrations, keys, state store and launch recorder."""

    def __init__(self, ext: dict[str, Any], settings: Mapping[str, Any]):
        self._ext = ext
        self._base_url = settings["BASE_URL"]
        self._state_ttl = settings["LOGIN_STATE_TTL"]

    def login(self, params: Mapping[str, str], cookie_names: Iterable[str], secure: bool) -> LoginResult:
        """Check a login initiation and store its state; raise a LaunchError when it is refused."""
        ext = self._ext
        oidc = StrictOIDCLogin(params, tool_conf=ext["tool_conf"], directory=ext["platforms"], states=ext["states"],
                               base_url=self._base_url, state_ttl=self._state_ttl).prepare()
        stale = [name for name in cookie_names if name.startswith(STATE_COOKIE_PREFIX)]
        cookies = [_cookie(name, "", 0, secure)  # oldest first, as browsers send them
                   for name in stale[: max(0, len(stale) - (MAX_STATE_COOKIES - 1))]]
        cookies.append(_cookie(state_cookie_name(oidc.state), oidc.binding, self._state_ttl, secure))
        return LoginResult(oidc, cookies)

    def launch(self, form: Mapping[str, str], cookies: Mapping[str, str], secure: bool, *,
               storage_binding: str | None = None) -> LaunchResult:
        """Verify the id_token, consume the login state and open a tool session.

        The proof that this browser started the login is its binding cookie, or ``storage_binding``:
        the value the tool's own page read from platform storage, which the caller passes only after
        checking that the page itself sent it (see ``views.storage_proof``). A ``lti_binding`` form field
        alone proves nothing: any site can post one.

        Raises a LaunchError when the launch is refused. When the token is good but this browser holds
        no proof that it started the login (blocked cookies), the result is not ``opened`` and carries
        the login's state record, so the caller can offer platform storage or a new window.
        """
        ext = self._ext
        state = form.get("state", "")
        proof = (cookies.get(state_cookie_name(state)) if state else None) or storage_binding or ""
        if not (is_token_shaped(state) and is_token_shaped(proof)):
            proof = ""  # nothing the tool issued: never let it reach the state store
        message = StrictMessageLaunch(form, tool_conf=ext["tool_conf"], directory=ext["platforms"],
                                      keys=ext["platform_keys"], states=ext["states"], policy=ext["launch_policy"])
        message.validate()
        result = LaunchResult(message, state)
        if state and proof:
            lti = LtiLaunch(message.claims, message.platform)
            session = ext["recorder"].prepare_session(lti)
            if ext["states"].consume_and_open(state, binding=proof, nonce=lti.claims["nonce"],
                                              platform_id=lti.platform.id, session=session):
                result.session_id = session["id"]
                result.token = issue_token(session["id"])
                result.set_cookies.append(delete_state_cookie(state, secure))
                return result
        try:
            message.diagnose_state(state)
        except StateMismatch as exc:
            if exc.code != "state_not_bound" or message.state_record is None:
                raise
        return result


def launch_flow() -> LaunchFlow:
    """The current app's flow (made by ``setup.init_app``)."""
    return current_app.extensions["r2com"]["flow"]
