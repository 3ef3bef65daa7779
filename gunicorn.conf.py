"""gunicorn's settings for the portal: `gunicorn --config gunicorn.conf.py app:app`.

Read from the environment: PORTAL_BIND (default 127.0.0.1:8000), PORTAL_WORKERS (default two
per CPU plus one, at most 8), PORTAL_TIMEOUT (seconds a request may take, default 60: long
work such as reports runs in the worker, not here) and PORTAL_LOG_LEVEL.
"""

import gc
import os

from portal.logs import logging_config

bind = os.environ.get("PORTAL_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("PORTAL_WORKERS") or min(2 * (os.cpu_count() or 1) + 1, 8))
timeout = int(os.environ.get("PORTAL_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# A worker is replaced after this many requests (spread out), so that slow growth never adds up.
max_requests = 2000
max_requests_jitter = 200
proc_name = "portal"
# No runtime control socket (gunicornc): signals do the same, and it would be written to $HOME.
control_socket_disable = True

# The access log, on standard error in the portal's format: its request id (in brackets) is the
# one returned to the client in X-Request-ID.
accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s"'
logconfig_dict = logging_config()

# Build the app once in the master and fork the workers from it: they start at once and share
# its memory. create_app() ends with gc.freeze(), and the pairing below keeps that memory
# shared: no collection in the master leaves holes in its pages before the fork, each fork
# freezes what the master holds, and the workers collect again only what they make.
preload_app = True
gc.disable()


def pre_fork(server, worker):
    gc.freeze()


def post_fork(server, worker):
    gc.enable()


def when_ready(server):
    # Every fork freezes again first (pre_fork), so the master may collect meanwhile.
    gc.enable()
