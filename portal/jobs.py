"""Long work outside the request: an RQ queue on Redis in production, a thread otherwise.

`submit("package.module.function", *args)` runs the function with its own application
context, so it never depends on the web request that asked for it:
- with `PORTAL_REDIS_URL` set, it is queued on Redis and run by `flask --app app portal worker`
  (RQ), so a web worker's timeout or restart never cuts it off;
- without it (the embedded default), it runs in a thread of the web process;
- in tests (`JOBS_MODE = "eager"`), it runs at once, inside the caller's session.

The function keeps its own progress in the database (a job record), so a page reload shows it.
Its log lines carry the request id of the request that asked for it.
"""

from __future__ import annotations

import importlib
import logging
import threading

from flask import Flask, current_app

from portal.logs import current_request_id, set_request_id

QUEUE_NAME = "portal"
JOB_TIMEOUT = 3600  # seconds; a report of the whole country takes well under a minute

log = logging.getLogger(__name__)
_worker_app: Flask | None = None


def _function(path: str):
    module, name = path.rsplit(".", 1)
    return getattr(importlib.import_module(module), name)


def _queue(app: Flask):
    from redis import Redis
    from rq import Queue

    name = app.config.get("JOBS_QUEUE", QUEUE_NAME)
    return Queue(name, connection=Redis.from_url(app.config["REDIS_URL"]))


def submit(path: str, *args) -> None:
    """Run the function named `path` with `args` outside the request."""
    # current_app is a LocalProxy that Flask types as the app itself.
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    mode = app.config.get("JOBS_MODE", "thread")
    if mode == "eager":
        _function(path)(*args)
    elif mode == "rq":
        meta = {"request_id": current_request_id()}
        _queue(app).enqueue(run, path, *args, job_timeout=JOB_TIMEOUT, meta=meta)
    else:
        thread_args = (app, path, args, current_request_id())
        threading.Thread(target=_in_app, args=thread_args, daemon=True).start()


def _in_app(app: Flask, path: str, args: tuple, request_id: str) -> None:
    set_request_id(request_id)
    with app.app_context():
        try:
            _function(path)(*args)
        except Exception:  # the job records its own failure; this is the last resort
            log.exception("background job %s%r failed", path, args)


def run(path: str, *args) -> None:
    """Entry point of the RQ worker: run `path(*args)` in the worker's application context
    (`flask portal worker` hands its application to `work`, so this module needs no factory)."""
    from rq import get_current_job

    job = get_current_job()
    if job is not None:
        set_request_id(job.meta.get("request_id") or job.id)
    if _worker_app is None:
        raise RuntimeError("jobs run in `flask --app app portal worker`, which gives them the app")
    with _worker_app.app_context():
        _function(path)(*args)


def work(app: Flask, *, burst: bool = False) -> None:
    """Process queued jobs until stopped (or, with `burst`, until the queue is empty)."""
    from rq import SimpleWorker, Worker

    global _worker_app
    _worker_app = app
    queue = _queue(app)
    worker_class = SimpleWorker if burst else Worker
    worker_class([queue], connection=queue.connection).work(burst=burst)
