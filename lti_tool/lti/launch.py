"""Strict LTI 1.3 launch validation on top of pylti1p3, and the typed launch wrapper.

pylti1p3 2.0.0 accepts replayed launches, launches without ``exp``/``iat``, ignores ``azp`` and turns
an unknown issuer into a 500. :class:`StrictMessageLaunch` keeps pylti1p3's launch object, its
registration and deployment lookups and its message validators, and replaces the parts that are too
weak: JWT header and claim checks, signature by ``kid`` with cached keys, and a server-side state that
binds the nonce to the browser and is consumed exactly once.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import math
import re
import time
from dataclasses import dataclass
from typing import Any, Mapping
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from flask_babel import lazy_gettext as _l
from pylti1p3.exception import LtiException
from pylti1p3.message_launch import MessageLaunch

from . import constants as c
from .errors import (InvalidToken, LaunchError, MissingClaim, PendingDeployment, StaleLaunch, StateMismatch,
                     UnknownDeployment, UnknownPlatform)
from .platform_keys import KeySetError, PlatformKeyCache
from .state import StateRecord, StateStore
from .tool_config import DatabaseToolConf, PlatformDirectory, PlatformInfo

MAX_ID_TOKEN_BYTES = 64 * 1024
SUPPORTED_MESSAGES = {c.MessageType.RESOURCE_LINK, c.MessageType.DEEP_LINKING}


class _Unused:
    """Stand-in for pylti1p3's session and cookie services, which this launch never calls."""

    def __getattr__(self, name: str) -> Any:  # pragma: no cover - a call here is a programming error
        raise AttributeError(f"pylti1p3 {name} is not used: state and nonce are kept server-side")


_UNUSED = _Unused()


@dataclass(frozen=True)
class LaunchPolicy:
    """Time limits and the tool's own URL, from settings."""

    base_url: str
    max_age: int
    clock_skew: int


#: base64url without padding (RFC 7515 section 2): nothing else may appear in a JWS segment.
_B64URL = re.compile(r"[A-Za-z0-9_-]*")
#: A JSON escape of a UTF-16 surrogate: only then can a decoded string hold a lone surrogate.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
MAX_KID_LENGTH = 256
#: The deployment id column holds 400 characters.
MAX_DEPLOYMENT_ID_LENGTH = 400
#: The tool's nonces are 43 characters; the column holds 64.
MAX_NONCE_LENGTH = 64
#: Longest service or return URL the tool stores (the URL columns are 1,000 characters).
MAX_URL_LENGTH = 1000
#: Longest id the tool stores for a user, context or resource link (the columns are 255 characters).
MAX_ID_LENGTH = 255


def _b64decode(segment: str, *, canonical: bool = False) -> bytes:
    """Decode one JWS segment strictly: base64url characters only, no padding, no impossible length.

    With ``canonical``, also refuse spare bits that are not zero (the one encoding of the bytes), so a
    signature cannot be written two ways.
    """
    if len(segment) % 4 == 1 or not _B64URL.fullmatch(segment):
        raise ValueError("not base64url")
    data = base64.urlsafe_b64decode(segment.encode("ascii") + b"=" * (-len(segment) % 4))
    if canonical and base64.urlsafe_b64encode(data).rstrip(b"=") != segment.encode("ascii"):
        raise ValueError("not the canonical base64url encoding")
    return data


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _b64json(segment: str) -> Any:
    """Decode a segment as JSON: strict base64url, UTF-8, no NaN/Infinity, no NUL, no lone surrogates."""
    raw = _b64decode(segment)
    if b"\\u0000" in raw or b"\x00" in raw:
        raise ValueError("NUL character")
    try:
        value = json.loads(raw, parse_constant=_no_constant)
    except RecursionError as exc:
        raise ValueError("nested too deeply") from exc
    if _SURROGATE_ESCAPE.search(raw):  # rare: only then re-encode, to refuse unpaired surrogates
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    return value


_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,64}")


def is_token_shaped(value: Any) -> bool:
    """A state or binding value as the tool makes them: at most 64 URL-safe characters."""
    return isinstance(value, str) and _TOKEN_SHAPE.fullmatch(value) is not None


def _is_number(value: Any) -> bool:
    """A JSON number usable as a time: finite, and not an integer beyond what a float holds exactly."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return -(2**53) <= value <= 2**53
    return isinstance(value, float) and math.isfinite(value)


def _is_web_url(value: Any, limit: int = MAX_URL_LENGTH) -> bool:
    """A string that is an absolute http(s) URL with a host, no longer than ``limit``."""
    if not isinstance(value, str) or not value or len(value) > limit or not value.isprintable():
        return False
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number in range
    except ValueError:  # a bad port or IPv6 literal
        return False
    return parts.scheme in ("https", "http") and bool(parts.hostname)


def _is_id(value: Any) -> bool:
    """An id the tool stores: a non-empty string of at most MAX_ID_LENGTH characters."""
    return isinstance(value, str) and 0 < len(value) <= MAX_ID_LENGTH


def _str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


class StrictMessageLaunch(MessageLaunch):
    """One launch request: validate with :meth:`validate`, then read the claims with ``claims``."""

    def __init__(self, params: Mapping[str, str], *, tool_conf: DatabaseToolConf,
                 directory: PlatformDirectory, keys: PlatformKeyCache, states: StateStore, policy: LaunchPolicy):
        super().__init__(None, tool_conf, session_service=_UNUSED, cookie_service=_UNUSED,
                         requests_session=_UNUSED)  # type: ignore[arg-type]
        # pylti1p3 re-enters validate() from _get_jwt_body() while it is not yet marked validated;
        # our pipeline is explicit, and running it twice would consume the single-use state twice.
        self.set_auto_validation(False)
        self._params = params
        self._directory = directory
        self._keys = keys
        self._states = states
        self._policy = policy
        self.platform: PlatformInfo | None = None
        self.state_record: StateRecord | None = None
        self.client_id: str | None = None

    def _get_request_param(self, key: str) -> str:
        return self._params.get(key)  # type: ignore[return-value]

    @property
    def claims(self) -> dict[str, Any]:
        return self._jwt["body"]

    # -- the pipeline ----------------------------------------------------------------------------
    def validate(self) -> "StrictMessageLaunch":
        """Check the token completely; raise a specific LaunchError on a failure.

        Nothing is read from the database but cached registrations, except that a deployment id first seen
        here, in a correctly signed token, is recorded by the platform's policy (see ``record_deployment``).

        The state is checked afterwards, when the launch is recorded: consuming it and opening the
        tool session is one atomic step (see ``state.py``), and :meth:`diagnose_state` explains a failure.
        """
        try:
            self.validate_jwt_format()
            self.validate_registration()
            self.validate_jwt_signature()
            self.validate_deployment()
            self.validate_message()
        except LaunchError as exc:
            if self.platform is not None:
                exc.product = self.platform.product  # the error page names who runs this platform
                exc.platform_id = self.platform.id  # and that platform may show it in its frame
            raise
        self._validated = True
        return self

    def validate_jwt_format(self) -> "StrictMessageLaunch":
        token = self._params.get("id_token")
        if not token:
            raise MissingClaim(_l("The launch has no id_token."), code="missing_id_token")
        if not isinstance(token, str):
            raise InvalidToken(_l("The id_token is not text."), code="malformed_jwt")
        if len(token) > MAX_ID_TOKEN_BYTES:
            raise InvalidToken(_l("The id_token is larger than any real launch."), code="token_too_large", status=413)
        parts = token.split(".")
        if len(parts) != 3:
            raise InvalidToken(_l("The id_token is not a signed JWT (it must have three parts)."), code="malformed_jwt")
        try:
            header, body = _b64json(parts[0]), _b64json(parts[1])
            _b64decode(parts[2], canonical=True)
        except (ValueError, binascii.Error, UnicodeError) as exc:
            raise InvalidToken(_l("The id_token cannot be decoded."), code="malformed_jwt") from exc
        if not isinstance(header, dict) or not isinstance(body, dict):
            raise InvalidToken(_l("The id_token is not a JSON object."), code="malformed_jwt")
        alg = header.get("alg")
        if alg != "RS256":
            shown = repr(alg)[:40] if isinstance(alg, str) else "something other than a name"
            raise InvalidToken(_l("The id_token is signed with %(alg)s; only RS256 is accepted.", alg=shown),
                               code="alg_not_allowed")
        kid = header.get("kid")
        if kid is None or kid == "":
            raise InvalidToken(_l("The id_token header names no key (kid)."), code="missing_kid")
        if not isinstance(kid, str) or len(kid) > MAX_KID_LENGTH:
            raise InvalidToken(_l("The id_token header's key id (kid) is not a short text."), code="invalid_kid")
        if "crit" in header:  # RFC 7515 4.1.11: extensions we do not understand make the token invalid
            raise InvalidToken(_l("The id_token header requires extensions (crit) this tool does not support."),
                               code="unsupported_crit")
        if "typ" in header and not isinstance(header["typ"], str):
            raise InvalidToken(_l("The id_token header's type (typ) is not text."), code="invalid_header")
        self._jwt = {"header": header, "body": body}
        self._token = token
        return self

    def get_client_id(self) -> str:
        """Resolve our client_id from ``aud`` and ``azp`` by the OIDC rules."""
        body = self.claims
        aud, azp = body.get("aud"), body.get("azp")
        if isinstance(aud, str) and aud:
            audiences = [aud]
        elif isinstance(aud, list) and aud and all(isinstance(a, str) and a for a in aud):
            audiences = aud
        else:
            raise MissingClaim(_l("The id_token has no valid audience (aud)."), code="missing_aud")
        if "azp" in body and not isinstance(azp, str):
            raise InvalidToken(_l("The authorised party (azp) is not text."), code="azp_mismatch")
        if len(audiences) > 1 and not azp:
            raise InvalidToken(_l("The id_token has several audiences but no authorised party (azp)."), code="azp_required")
        if azp is not None and azp not in audiences:
            raise InvalidToken(_l("The authorised party (azp) is not one of the audiences."), code="azp_mismatch")
        return azp or audiences[0]

    def validate_registration(self) -> "StrictMessageLaunch":
        iss = self.claims.get("iss")
        if not isinstance(iss, str) or not iss:
            raise MissingClaim(_l("The id_token has no issuer (iss)."), code="missing_iss")
        client_id = self.get_client_id()
        info = self._directory.find(iss, client_id)
        if info is None or not info.active:
            raise UnknownPlatform(_l("No active registration for this issuer and client id."),
                                  code="unknown_platform" if info is None else "platform_disabled")
        audiences = self.claims["aud"] if isinstance(self.claims["aud"], list) else [self.claims["aud"]]
        ours = set(self._directory.clients_of(iss))
        if any(a not in ours for a in audiences):
            raise InvalidToken(_l("The id_token is also addressed to audiences this tool does not trust."),
                               code="untrusted_audience")
        self.platform, self.client_id = info, client_id
        # pylti1p3's registration object, used later for AGS/NRPS calls.
        self._registration = self._tool_config.registration_for(info)
        return self

    def validate_jwt_signature(self) -> "StrictMessageLaunch":
        """Verify the RS256 signature with the platform key named by ``kid``, then the time and audience claims."""
        assert self.platform is not None
        kid = self._jwt["header"]["kid"]
        try:
            _, key = self._keys.get(self.platform.key_set_url, kid)
        except KeyError as exc:
            raise InvalidToken(_l("The id_token is signed with a key the platform does not publish."),
                               code="unknown_kid") from exc
        except KeySetError as exc:
            raise InvalidToken(_l("The platform's public keys could not be read: %(reason)s.", reason=str(exc)),
                               code="platform_keys_unavailable",
                               status=502) from exc
        signing_input, _, signature = self._token.rpartition(".")
        try:
            key.verify(_b64decode(signature), signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
        except (InvalidSignature, ValueError, binascii.Error, UnicodeEncodeError) as exc:
            raise InvalidToken(_l("The id_token signature does not match the platform's key."), code="bad_signature") from exc
        body, now, skew = self.claims, time.time(), self._policy.clock_skew
        for claim in ("exp", "iat"):
            if claim not in body:
                raise MissingClaim(_l("The id_token has no “%(claim)s” claim.", claim=claim), code=f"missing_{claim}")
            if not _is_number(body[claim]):
                raise InvalidToken(_l("The id_token “%(claim)s” claim is not a number.", claim=claim), code="invalid_jwt")
        if "nbf" in body and not _is_number(body["nbf"]):
            raise InvalidToken(_l("The id_token “%(claim)s” claim is not a number.", claim="nbf"), code="invalid_jwt")
        if body["exp"] <= now - skew:
            raise StaleLaunch(_l("The id_token has expired."), code="expired")
        if body["iat"] > now + skew or body.get("nbf", 0) > now + skew:
            raise InvalidToken(_l("The id_token is not valid yet (issued in the future)."), code="not_yet_valid")
        if now - body["iat"] > self._policy.max_age + skew:
            raise StaleLaunch(_l("The id_token was issued too long ago."), code="too_old")
        if body.get("iss") != self.platform.issuer:
            raise InvalidToken(_l("The id_token issuer does not match."), code="wrong_iss")
        audiences = body["aud"] if isinstance(body["aud"], list) else [body["aud"]]
        if self.client_id not in audiences:
            raise InvalidToken(_l("The id_token is not addressed to this tool."), code="wrong_aud")
        nonce = body.get("nonce")
        if nonce is None or nonce == "":
            raise MissingClaim(_l("The id_token has no nonce."), code="missing_nonce")
        if not isinstance(nonce, str) or len(nonce) > MAX_NONCE_LENGTH or not nonce.isascii():
            raise InvalidToken(_l("The id_token nonce is not one this tool could have sent."), code="invalid_nonce")
        return self

    def diagnose_state(self, state: str | None) -> None:
        """Explain why consuming the state failed; always raises."""
        if not state:
            raise StateMismatch(_l("The launch has no state."), code="missing_state")
        if not is_token_shaped(state):
            raise StateMismatch(_l("The launch state is unknown or expired."), code="unknown_state")
        record = self._states.peek(state)
        if record is None:
            if self._states.was_used(state):
                raise StaleLaunch(_l("This launch was already used."), code="replayed")
            raise StateMismatch(_l("The launch state is unknown or expired."), code="unknown_state")
        if not hmac.compare_digest(record.nonce, self.claims.get("nonce", "")):
            raise InvalidToken(_l("The id_token nonce does not belong to this login."), code="nonce_mismatch")
        if self.platform is None or record.platform_id != self.platform.id:
            raise StateMismatch(_l("The launch comes from another platform than the login."), code="state_platform_mismatch")
        self.state_record = record
        raise StateMismatch(_l("This browser did not start the login."), code="state_not_bound")

    def validate_deployment(self) -> "StrictMessageLaunch":
        assert self.platform is not None
        deployment_id = self.claims.get(c.CLAIM_DEPLOYMENT_ID)
        if not isinstance(deployment_id, str) or not deployment_id:
            raise MissingClaim(_l("The id_token has no deployment_id."), code="missing_deployment_id")
        if len(deployment_id) > MAX_DEPLOYMENT_ID_LENGTH:
            raise InvalidToken(_l("The deployment_id is longer than any platform sends."), code="invalid_deployment_id")
        found = self.platform.deployments.get(deployment_id)
        if found is None:
            # The signature is good, so the platform itself says this deployment exists (a new Canvas install).
            found = self._directory.record_deployment(self.platform, deployment_id)
        if found[2]:
            raise PendingDeployment(deployment_id, self.platform.id, self.platform.name)
        if not found[1]:
            raise UnknownDeployment(_l("This deployment is switched off in the tool."), code="deployment_disabled")
        return self

    def validate_claim_types(self) -> "StrictMessageLaunch":
        """Check the form of every optional claim the tool reads or stores, before anything uses it."""
        body = self.claims
        context = body.get(c.CLAIM_CONTEXT)
        if context is not None:
            if not isinstance(context, dict) or ("id" in context and not _is_id(context["id"])):
                raise MissingClaim(_l("The context claim is not an object with a short text id."), code="invalid_context")
        for claim in ("name", "given_name", "family_name", "locale"):
            if claim in body and body[claim] is not None and not isinstance(body[claim], str):
                raise MissingClaim(_l("The “%(claim)s” claim is not text.", claim=claim), code="invalid_user_claim")
        for claim in (c.CLAIM_CUSTOM, c.CLAIM_LAUNCH_PRESENTATION):
            if body.get(claim) is not None and not isinstance(body[claim], dict):
                raise MissingClaim(_l("The “%(claim)s” claim is not an object.", claim=claim.rsplit("/", 1)[-1]),
                                   code="invalid_claim")
        ags = body.get(c.CLAIM_AGS)
        if ags is not None:
            if not isinstance(ags, dict):
                raise MissingClaim(_l("The grade service claim (AGS endpoint) is not an object."), code="invalid_ags_claim")
            if "scope" in ags and not _str_list(ags["scope"]):
                raise MissingClaim(_l("The grade service scopes are not a list of text."), code="invalid_ags_claim")
            for key in ("lineitems", "lineitem"):
                if ags.get(key) is not None and not _is_web_url(ags[key]):
                    raise MissingClaim(_l("The grade service %(key)s URL is not a web address of at most %(n)s characters.",
                                          key=key, n=MAX_URL_LENGTH), code="invalid_ags_claim")
                if ags.get(key) is not None:
                    self._check_service_host(ags[key], "grade service")
        nrps = body.get(c.CLAIM_NRPS)
        if nrps is not None:
            if not isinstance(nrps, dict) or not _is_web_url(nrps.get("context_memberships_url")):
                raise MissingClaim(_l("The names and roles service claim has no usable context_memberships_url."),
                                   code="invalid_nrps_claim")
            if "service_versions" in nrps and not _str_list(nrps["service_versions"]):
                raise MissingClaim(_l("The names and roles service versions are not a list of text."),
                                   code="invalid_nrps_claim")
            self._check_service_host(nrps["context_memberships_url"], "names and roles service")
        return self

    def _check_service_host(self, url: str, what: str) -> None:
        """Service URLs stay with their platform: the tool will send its access tokens there."""
        if self.platform is not None and not self.platform.serves(url):
            host = urlsplit(url).hostname
            raise InvalidToken(_l("The %(what)s URL is on %(host)s, which is not one of this platform's registered hosts. "
                                  "An administrator can add it with %(command)s.", what=what, host=host,
                                  command="flask --app wsgi lti platform hosts"),
                               code="foreign_service_url", status=400)

    def validate_message(self) -> "StrictMessageLaunch":
        body = self.claims
        message_type = body.get(c.CLAIM_MESSAGE_TYPE)
        if not message_type:
            raise MissingClaim(_l("The id_token has no message_type."), code="missing_message_type")
        if not isinstance(message_type, str):
            raise MissingClaim(_l("The id_token message_type is not text."), code="invalid_message_type")
        if message_type not in SUPPORTED_MESSAGES:
            raise InvalidToken(_l("This tool does not handle “%(type)s” messages.", type=message_type[:80]),
                               code="unsupported_message_type", status=400)
        version = body.get(c.CLAIM_VERSION)
        if version is None:
            raise MissingClaim(_l("The id_token has no LTI version."), code="missing_version")
        if version != c.LTI_VERSION:
            shown = repr(version)[:40] if isinstance(version, str) else "not text"
            raise InvalidToken(_l("LTI version %(version)s is not 1.3.0.", version=shown), code="wrong_version", status=400)
        roles = body.get(c.CLAIM_ROLES)
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            raise MissingClaim(_l("The id_token has no roles claim (an empty list is fine)."), code="missing_roles")
        sub = body.get("sub")
        if not isinstance(sub, str) or not sub or len(sub) > 255:
            raise MissingClaim(_l("The id_token has no user (sub)."), code="missing_sub")
        target = body.get(c.CLAIM_TARGET_LINK_URI)
        if not isinstance(target, str) or not target or len(target) > MAX_URL_LENGTH:
            raise MissingClaim(_l("The id_token has no target_link_uri."), code="missing_target_link_uri")
        if not (target == self._policy.base_url or target.startswith(self._policy.base_url + "/")):
            raise InvalidToken(_l("The target_link_uri does not point at this tool."), code="foreign_target_link_uri")
        if message_type == c.MessageType.RESOURCE_LINK:
            link = body.get(c.CLAIM_RESOURCE_LINK)
            if not isinstance(link, dict) or not link.get("id"):
                raise MissingClaim(_l("The id_token has no resource_link id."), code="missing_resource_link")
            if not _is_id(link["id"]):
                raise MissingClaim(_l("The resource_link id is not a short text."), code="invalid_resource_link")
        else:
            settings = body.get(c.CLAIM_DL_SETTINGS)
            if not isinstance(settings, dict) or not settings.get("deep_link_return_url"):
                raise MissingClaim(_l("The deep-linking request has no deep_link_return_url."),
                                   code="missing_deep_link_return_url")
            if not _is_web_url(settings["deep_link_return_url"]):
                raise MissingClaim(_l("The deep_link_return_url is not a web address."),
                                   code="invalid_deep_link_return_url")
            if not _str_list(settings.get("accept_types")):
                raise MissingClaim(_l("The deep-linking request has no accept_types."), code="missing_accept_types")
            if not _str_list(settings.get("accept_presentation_document_targets")):
                raise MissingClaim(_l("The deep-linking request has no accept_presentation_document_targets."),
                                   code="missing_document_targets")
        self.validate_claim_types()
        try:  # pylti1p3's own message validators as a second line
            super().validate_message()
        except LtiException as exc:
            raise MissingClaim(str(exc), code="invalid_message") from exc
        return self


@dataclass(frozen=True)
class LtiLaunch:
    """Typed, read-only view of a validated launch's claims."""

    claims: dict[str, Any]
    platform: PlatformInfo

    @property
    def message_type(self) -> str:
        return self.claims[c.CLAIM_MESSAGE_TYPE]

    @property
    def is_deep_link(self) -> bool:
        return self.message_type == c.MessageType.DEEP_LINKING

    @property
    def sub(self) -> str:
        return self.claims["sub"]

    @property
    def deployment_id(self) -> str:
        return self.claims[c.CLAIM_DEPLOYMENT_ID]

    @property
    def roles(self) -> list[str]:
        return self.claims.get(c.CLAIM_ROLES, [])

    @property
    def role(self) -> c.Role:
        return c.map_roles(self.roles)

    @property
    def context(self) -> dict[str, Any]:
        ctx = self.claims.get(c.CLAIM_CONTEXT)
        return ctx if isinstance(ctx, dict) else {}

    @property
    def resource_link(self) -> dict[str, Any]:
        link = self.claims.get(c.CLAIM_RESOURCE_LINK)
        return link if isinstance(link, dict) else {}

    @property
    def custom(self) -> dict[str, Any]:
        custom = self.claims.get(c.CLAIM_CUSTOM)
        return {str(k): str(v) for k, v in custom.items()} if isinstance(custom, dict) else {}

    @property
    def ags(self) -> dict[str, Any]:
        ags = self.claims.get(c.CLAIM_AGS)
        return ags if isinstance(ags, dict) else {}

    @property
    def nrps_url(self) -> str | None:
        nrps = self.claims.get(c.CLAIM_NRPS)
        return nrps.get("context_memberships_url") if isinstance(nrps, dict) else None

    @property
    def deep_linking_settings(self) -> dict[str, Any]:
        settings = self.claims.get(c.CLAIM_DL_SETTINGS)
        return settings if isinstance(settings, dict) else {}

    @property
    def return_url(self) -> str | None:
        """Where the platform wants the learner back: only a web address is kept (never ``javascript:``)."""
        pres = self.claims.get(c.CLAIM_LAUNCH_PRESENTATION)
        url = pres.get("return_url") if isinstance(pres, dict) else None
        return url if _is_web_url(url) else None

    @property
    def display_name(self) -> str | None:
        name = self.claims.get("name")
        if not isinstance(name, str) or not name.strip():
            name = " ".join(p for p in (self.claims.get("given_name"), self.claims.get("family_name"))
                            if isinstance(p, str) and p)
        return name[:200] if name else None

    @property
    def locale(self) -> str | None:
        pres = self.claims.get(c.CLAIM_LAUNCH_PRESENTATION)
        loc = pres.get("locale") if isinstance(pres, dict) else None
        if not isinstance(loc, str) or not loc:
            loc = self.claims.get("locale")
        return loc[:20] if isinstance(loc, str) and loc else None
