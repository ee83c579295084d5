"""Named errors for registration, login and launch; each has its own code and HTTP status."""

from __future__ import annotations

import shlex

from flask_babel import lazy_gettext as _l

from ..errors import AppError


class LaunchError(AppError):
    """A login or launch that we refuse. ``code`` names the exact reason."""

    status = 400
    code = "invalid_launch"
    title = _l("This launch could not be verified")
    hint = _l("Open the activity again from your course page. If it keeps happening, ask %(lms_admin)s to "
              "check the tool's registration.")


class LaunchNeedsPlatform(LaunchError):
    """Someone opened the launch address directly (a bookmark, a copied link) (405)."""

    status = 405
    code = "launch_requires_post"
    title = _l("This address only works from your course")
    hint = _l("Your learning platform opens it for you. Go back to your course and open the activity there.")


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
    hint = _l("The tool must first be registered by %(lms_admin)s (the tool's setup page says how).")


class UnknownDeployment(LaunchError):
    status = 403
    code = "unknown_deployment"
    title = _l("This deployment of the tool is not registered or is switched off")
    hint = _l("Ask %(lms_admin)s: the tool's operator can switch this deployment on again.")


class PendingDeployment(UnknownDeployment):
    """A new deployment (a Canvas install) under the "approve" policy, not yet approved (403)."""

    code = "deployment_pending"
    title = _l("This installation of the tool is waiting for approval")
    hint = _l("Once the tool's operator has approved it, open the activity again. You can pass this page on "
              "to %(lms_admin)s.")

    def __init__(self, deployment_id: str, platform_id: int, platform_name: str):
        self.deployment_id = deployment_id
        self.platform_id = platform_id
        command = f"flask --app wsgi lti deployment approve {platform_id} {shlex.quote(deployment_id)}"
        super().__init__(f"New deployment {deployment_id} of platform {platform_id} waits for approval.")
        # Translated when the page is rendered: the launch flow may run before Flask has a request.
        self.detail = _l("%(platform)s has a new installation of the tool, with deployment id %(deployment)s. "
                         "Before it can be used, the tool's operator approves it with: %(command)s",
                         platform=platform_name, deployment=deployment_id, command=command)


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
