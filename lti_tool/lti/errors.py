"""Named errors for registration, login and launch; each has its own code and HTTP status."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..errors import AppError


class LaunchError(AppError):
    """A login or launch that we refuse. ``code`` names the exact reason."""

    status = 400
    code = "invalid_launch"
    title = _l("This launch could not be verified")
    hint = _l("Open the activity again from your course page. If it keeps happening, ask your course "
              "administrator to check the tool's registration.")


class InvalidToken(LaunchError):
    """The id_token is malformed, wrongly signed or has bad claims (401)."""

    status = 401
    code = "invalid_token"


class StaleLaunch(LaunchError):
    """The id_token or login is too old, or was already used (401)."""

    status = 401
    code = "expired"
    title = _l("This launch has expired or was already used")
    hint = _l("Go back to your course and open the activity again.")


class UnknownPlatform(LaunchError):
    """No active registration matches the issuer and client (403)."""

    status = 403
    code = "unknown_platform"
    title = _l("This learning platform is not registered with the tool")
    hint = _l("Your course administrator needs to register the tool first (see the tool's setup page).")


class UnknownDeployment(LaunchError):
    status = 403
    code = "unknown_deployment"
    title = _l("This deployment of the tool is not registered or is switched off")
    hint = _l("Ask your course administrator to add or re-enable the deployment in the tool.")


class MissingClaim(LaunchError):
    """A required claim is absent or has the wrong form (400)."""

    status = 400
    code = "missing_claim"


class StateMismatch(LaunchError):
    """The state is missing, unknown, or not bound to this browser (401)."""

    status = 401
    code = "invalid_state"
    title = _l("We could not match this launch to your browser")
    hint = _l("Your browser may have blocked the tool's cookie inside the course page. Open the "
              "activity again, or use the button to open it in a new window.")


class SessionError(AppError):
    """The tool session is missing, expired or forged (401)."""

    status = 401
    code = "no_session"
    title = _l("Your session with the tool has ended")
    hint = _l("Open the activity again from your course page.")


class RegistrationError(AppError):
    """Dynamic registration failed; the detail says what the admin can do."""

    status = 400
    code = "registration_failed"
    title = _l("The tool could not be registered")
    hint = _l("Check the tool URL you pasted into the learning platform, or ask for a new invite link.")
