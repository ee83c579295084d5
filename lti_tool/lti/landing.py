"""Where an opened launch sends the browser: straight to the page the link opens, in one redirect.

Features register resolvers (``ext["launch_targets"]``): ``resolve(session) -> path | None`` answers
without rendering anything, from what the launch carried (the link's custom parameters, the message
type, the role) and at most one database read. Both the WSGI fast path and the Flask launch view use
:func:`landing_path`. When no resolver answers (a feature that needs the whole request), the launch
lands on ``/lti/home``, whose router decides, as before.
"""

from __future__ import annotations

from typing import Any

from flask import current_app

from .session import ToolSession

HOME_PATH = "/lti/home"


def landing_path(result: Any, script_name: str = "") -> str:
    """Return the address (path and query) an opened :class:`~lti_tool.lti.flow.LaunchResult` redirects to."""
    token = str(result.token)
    row = result.session
    if row is not None:
        session = ToolSession(token, row["id"], row["user_id"], row["context_id"], result.message.platform.id,
                              row["resource_link_id"], row["role"], row["message_type"], row["data"])
        for resolve in current_app.extensions["r2com"].get("launch_targets", ()):
            target = resolve(session)
            if target:
                return script_name + target
    return script_name + HOME_PATH + "?ltik=" + token
