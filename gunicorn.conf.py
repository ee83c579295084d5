"""gunicorn settings for the tool: ``gunicorn -c gunicorn.conf.py wsgi:app`` (see the README, "Running in production").

Environment variables override the defaults: ``GUNICORN_BIND``, ``GUNICORN_WORKERS``, ``GUNICORN_TIMEOUT``,
``GUNICORN_FORWARDED_ALLOW_IPS``, ``GUNICORN_ACCESS_LOG`` (a file, or ``-`` for standard output; no access
log without it).

Sync workers are simple and fast, but one slow client holds one worker for as long as it takes to send
its request: run gunicorn behind a reverse proxy that buffers whole requests (nginx does by default) and
limits body size and time (the README has an nginx example).
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "4"))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# The reverse proxy's address: only its X-Forwarded-Proto/For are trusted (https detection, client address).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
# A login GET carries up to ten parameters of the platform's (Canvas's lti_message_hint is long).
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190

# Off unless asked for (the reverse proxy logs requests too); gunicorn also reads this file when started
# in this folder without -c, as the benchmarks do.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
# The path without its query string (%(U)s, never %(r)s or %(q)s): the session token ``ltik`` travels in
# query strings and must not land in access logs. No Referer either (it would carry the same).
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%(a)s"'
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
