"""Development LTI 1.3 platform: an in-memory LMS stand-in for local use, e2e tests and benchmarks.

Typical use::

    platform, running = start_platform(allow_control=True)
    client_id, deployment_id = platform.add_tool(
        initiate_login_uri=tool_url + "/lti/login",
        redirect_uris=[tool_url + "/lti/launch"],
        jwks_uri=tool_url + "/.well-known/jwks.json",
    )
    with Browser() as browser:
        page = browser.launch(running.url, client_id, deployment_id, user="learner")
    running.stop()

Profiles (``start_platform(profile="moodle")`` or ``"canvas"``; default ``"generic"``) reproduce what the
real platforms do differently; see :mod:`lti_tool.devplatform.profiles`. The driver's
``Browser.launch_as_admin``, ``launch_as_observer``, ``activate``, ``install``, ``publish`` and ``tool``
drive the administrator and teacher actions they need.
"""

from .app import create_platform_app
from .driver import Browser, launch
from .server import Running, serve, start_platform
from .state import DevPlatform

__all__ = ["Browser", "DevPlatform", "Running", "create_platform_app", "launch", "serve", "start_platform"]
