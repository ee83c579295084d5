"""Settings: defaults in code, overrides from ``LTI_TOOL_*`` environment variables.

Every setting is listed in ``SETTINGS`` with its type and meaning; the README's settings table is
generated from the same list (``flask --app wsgi lti settings``), so the two never drift apart.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """A setting is missing or invalid; the message says what to set."""


def _bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"expected true/false, got {value!r}")


def _int(value: str) -> int:
    return int(value.strip())


def _str(value: str) -> str:
    return value.strip()


def _policy(value: str) -> str:
    value = value.strip().lower()
    if value not in {"", "auto", "approve"}:
        raise ValueError(f"expected auto, approve or empty, got {value!r}")
    return value


def _csv(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


@dataclass(frozen=True)
class Setting:
    """One environment setting: its name, parser, default and a plain description."""

    name: str
    parse: Callable[[str], Any]
    default: Any
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("ENV", _str, "development", "`development` or `production`. Production refuses to start "
            "without a secret key and tool keys, and disables the development platform."),
    Setting("DATABASE_URL", _str, None, "SQLAlchemy URL. Default: SQLite file `instance/lti_tool.db`. "
            "Production: `postgresql+psycopg://user:pass@host/dbname`."),
    Setting("KEYS_DIR", _str, str(PROJECT_ROOT / "keys"), "Folder holding the tool's private keys, "
            "the keyring and the master key for case content."),
    Setting("SECRET_KEY", _str, None, "Secret for signing tool sessions. Generated and kept in "
            "`keys/secret_key` in development; required in production."),
    Setting("BASE_URL", _str, "http://127.0.0.1:5000", "The public https URL the tool advertises to "
            "platforms (no trailing slash)."),
    Setting("REDIS_URL", _str, None, "Optional Redis URL (`redis://host:6379/0`) shared by several "
            "workers or machines: login state, platform key and access-token caches."),
    Setting("CONTENT_DIR", _str, str(PROJECT_ROOT / "content_packages"), "Folder of content packages."),
    Setting("OPEN_REGISTRATION", _bool, False, "Allow dynamic registration without an invite "
            "(`/lti/register`). Off by default: admins use `lti platform invite`."),
    Setting("ALLOW_PRIVATE_PLATFORMS", _bool, None, "Let the tool reach platforms on loopback/private "
            "addresses (registration, keys, tokens, grades, rosters). Default: on in development, off in production."),
    Setting("PLATFORM_NETWORKS", _csv, [], "Comma-separated networks (CIDR, e.g. `10.20.0.0/16`) the tool may "
            "reach platforms on even though they are private, for an LMS on the organisation's own network. "
            "Link-local and multicast addresses are never reached."),
    Setting("DEV_PLATFORM", _bool, None, "Serve the development platform at `/platform`. Default: on in "
            "development; can never be on in production."),
    Setting("DEV_PLATFORM_PROFILE", _str, "generic", "How the development platform behaves: `generic`, "
            "`moodle` or `canvas` (admin roles, registration, grades and rosters as the real platform does)."),
    Setting("DEPLOYMENT_POLICY", _policy, None, "What a correctly signed launch from a deployment id the tool "
            "has not seen does, for platforms registered from now on: `auto` records the deployment and opens "
            "the tool, `approve` records it as pending until `lti deployment approve`. Empty: `auto` for Canvas "
            "platforms registered dynamically (Canvas makes a deployment per install), `approve` otherwise. "
            "Change one platform with `lti deployment policy`."),
    Setting("LAUNCH_MAX_AGE", _int, 300, "Oldest accepted id_token, in seconds after its `iat`."),
    Setting("CLOCK_SKEW", _int, 60, "Seconds of clock difference tolerated with platforms."),
    Setting("LOGIN_STATE_TTL", _int, 600, "Seconds between OIDC login and launch before the state expires."),
    Setting("SESSION_HOURS", _int, 8, "How long a tool session from one launch stays valid, in hours."),
    Setting("SESSION_TOKEN_MINUTES", _int, 120, "How long one session token (`ltik`, which travels in page "
            "addresses) stays valid, in minutes. Pages hand out a fresh one once it is a quarter used, so an "
            "active learner keeps working until the session ends (`LTI_TOOL_SESSION_HOURS`)."),
    Setting("MAX_CONTENT_LENGTH", _int, 256 * 1024, "Largest accepted request body in bytes; bigger "
            "launches are refused with 413."),
    Setting("FRAME_ANCESTORS", _csv, [], "Comma-separated origins allowed to frame the tool (CSP "
            "frame-ancestors) besides the tool itself and the registered platforms' own origins (issuer, login "
            "and service hosts), e.g. `https://lms.example.org`; `*` allows any site (not recommended)."),
    Setting("LOG_LEVEL", _str, "INFO", "Python log level."),
    Setting("DELIVERY_THREAD", _bool, None, "Run the grade-delivery worker as a thread inside the web "
            "process. Default: on in development, off in production (run `lti deliver`)."),
)

_SETTINGS_BY_NAME = {s.name: s for s in SETTINGS}


def load_settings(env: Mapping[str, str] | None = None, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Read every setting from ``env`` (``os.environ`` by default), then apply ``overrides``."""
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = env.get("LTI_TOOL_" + setting.name)
        if raw is None:
            values[setting.name] = setting.default
            continue
        try:
            values[setting.name] = setting.parse(raw)
        except ValueError as exc:
            raise ConfigError(f"LTI_TOOL_{setting.name}: {exc}") from exc
    for key, value in (overrides or {}).items():
        values[key] = value
    return _derive(values)


def _derive(values: dict[str, Any]) -> dict[str, Any]:
    env = values["ENV"]
    if env not in {"development", "production", "testing"}:
        raise ConfigError(f"LTI_TOOL_ENV must be development or production, not {env!r}")
    dev_like = env != "production"
    for name in ("ALLOW_PRIVATE_PLATFORMS", "DEV_PLATFORM", "DELIVERY_THREAD"):
        if values.get(name) is None:
            values[name] = dev_like if name != "DEV_PLATFORM" else env == "development"
    if env == "production" and values["DEV_PLATFORM"]:
        raise ConfigError("LTI_TOOL_DEV_PLATFORM cannot be on in production: the development platform "
                          "would let anyone sign launches.")
    if values.get("DEV_PLATFORM_PROFILE", "generic") not in ("generic", "moodle", "canvas"):
        raise ConfigError("LTI_TOOL_DEV_PLATFORM_PROFILE must be generic, moodle or canvas, not "
                          f"{values['DEV_PLATFORM_PROFILE']!r}")
    for network in values.get("PLATFORM_NETWORKS") or []:
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError as exc:
            raise ConfigError(f"LTI_TOOL_PLATFORM_NETWORKS: {network!r} is not a network such as 10.20.0.0/16") from exc
    values["BASE_URL"] = values["BASE_URL"].rstrip("/")
    if env == "production" and not values["BASE_URL"].startswith("https://"):
        raise ConfigError("LTI_TOOL_BASE_URL must be an https:// URL in production (platforms refuse "
                          "plain http tools and browsers drop the launch cookies).")
    return values


def resolve_secret_key(values: dict[str, Any]) -> str:
    """Return the secret key; generate and keep one under ``keys/`` outside production."""
    if values.get("SECRET_KEY"):
        return values["SECRET_KEY"]
    if values["ENV"] == "production":
        raise ConfigError("LTI_TOOL_SECRET_KEY is not set. Set it to a long random value, e.g. "
                          "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`.")
    path = Path(values["KEYS_DIR"]) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(secret)
    return secret


def settings_markdown() -> str:
    """Render the settings table for the README."""
    rows = ["| Setting | Default | Meaning |", "|---|---|---|"]
    for s in SETTINGS:
        default = s.default
        if isinstance(default, str) and default.startswith(str(PROJECT_ROOT)):
            default = default.replace(str(PROJECT_ROOT) + "/", "")
        if isinstance(default, list):
            default = ",".join(default)
        shown = "(derived)" if default is None else f"`{default}`"
        rows.append(f"| `LTI_TOOL_{s.name}` | {shown} | {s.help} |")
    return "\n".join(rows)
