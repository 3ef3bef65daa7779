"""What the load test's simulated users share: recording, forms, and the steps of every role.

Imported by locustfile.py (Locust puts its folder on the path). Two files in the folder named by
BENCH_LOAD_DIR are written here, for bench_load.py to read after the run:
- requests.jsonl: one line per request (start time, name, status, milliseconds, and its kind:
  "page" for a page a person waits for, "write" for a POST, "poll" and "download" for the
  report's progress page and its PDF), with the class of any 5xx or unanswered request;
- writes.jsonl: one line per write attempt before it is sent, and one with the portal's answer,
  carrying what was written (a unique token where the form has a free-text field), so that
  every acknowledged write can be found in the database afterwards.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import gevent
import lxml.html
from load_report import error_class
from locust import HttpUser, events
from locust.exception import StopUser

PASSWORD = os.environ.get("BENCH_LOAD_PASSWORD", "demo-portal-2026")
FOLDER = Path(os.environ.get("BENCH_LOAD_DIR", "."))
PROJECT_LINK = re.compile(r'href="/projects/(\d+)"')


# --- what happened, for bench_load.py --------------------------------------------------------


class _Log:
    """Append JSON lines to a file; the lock keeps lines whole whatever the scheduling."""

    def __init__(self, path: Path) -> None:
        self._file = path.open("a", buffering=1, encoding="utf-8")
        self._lock = threading.Lock()

    def write(self, record: dict) -> None:
        with self._lock:
            self._file.write(json.dumps(record, separators=(",", ":")) + "\n")

    def close(self) -> None:
        self._file.close()


REQUESTS = _Log(FOLDER / "requests.jsonl")
WRITES = _Log(FOLDER / "writes.jsonl")


@events.request.add_listener
def _record_request(
    request_type,
    name,
    response_time,
    response_length,
    response=None,
    context=None,
    exception=None,
    start_time=None,
    **_kwargs,
):
    status = int(getattr(response, "status_code", 0) or 0)
    line = {
        "t": round(start_time or time.time(), 3),
        "ms": round(response_time or 0, 1),
        "m": request_type,
        "n": name,
        "s": status,
        "k": (context or {}).get("kind", "page"),
    }
    if status >= 500 or status == 0:
        headers = getattr(response, "headers", None) or {}
        text = getattr(response, "text", "") or ""
        line["e"] = error_class(status, text, headers.get("Content-Type", ""))
        title = re.search(r"<title>(.*?)</title>", text, re.S)
        if title:
            line["title"] = " ".join(title.group(1).split())[:80]
    elif exception is not None:
        line["e"] = f"{status} unexpected"
    REQUESTS.write(line)


@events.quitting.add_listener
def _close_logs(**_kwargs):
    REQUESTS.close()
    WRITES.close()


def token(kind: str) -> str:
    """A value found nowhere else, to find this write again afterwards."""
    return f"load-{kind}-{uuid.uuid4().hex[:16]}"


# --- forms -----------------------------------------------------------------------------------


class Form:
    """A page's form as a browser would send it: every successful control, in order."""

    def __init__(self, element) -> None:
        self.element = element
        self.action = element.get("action") or ""
        textareas = {area.get("name") for area in element.xpath(".//textarea")}
        self.fields: list[tuple[str, str]] = [
            # A browser drops the newline that opens a textarea; lxml keeps it.
            (name, value.removeprefix("\r\n").removeprefix("\n") if name in textareas else value)
            for name, value in element.form_values()
        ]

    def set(self, name: str, value: str) -> None:
        """Replace every value of `name` with `value`."""
        self.fields = [(n, v) for n, v in self.fields if n != name] + [(name, value)]

    def get(self, name: str, default: str = "") -> str:
        return next((v for n, v in self.fields if n == name), default)

    def options(self, name: str) -> list[str]:
        """The non-empty choices of a select."""
        for element in self.element.xpath(".//select[@name=$name]", name=name):
            return [value for value in element.value_options if value not in ("", "0", "None")]
        return []

    def named(self, suffix: str) -> str:
        """The full name of the control whose name ends with `suffix` (forms with a prefix)."""
        names = self.element.inputs.keys()  # iterating `inputs` gives elements, not names
        return next((name for name in names if name.endswith(suffix)), suffix)


def find_form(html: str, *, field: str | None = None, action: str | None = None) -> Form | None:
    """The first POST form of the page with a control named `field` or an action ending so."""
    document = lxml.html.fromstring(html)
    for element in document.forms:
        if (element.get("method") or "get").lower() != "post":
            continue
        if action is not None and not (element.get("action") or "").endswith(action):
            continue
        if field is not None and not element.xpath(".//*[@name=$n]", n=field):
            continue
        return Form(element)
    return None


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    if match is None:
        match = re.search(r'value="([^"]+)"[^>]*name="csrf_token"', html)
    return match.group(1) if match else ""


# --- the users -------------------------------------------------------------------------------


class PortalUser(HttpUser):
    """Helpers shared by every role: pages, posts, logging in, recording writes."""

    abstract = True
    accounts: tuple[str, ...] = ()
    _cycles: dict[str, itertools.cycle] = {}
    email: str | None = None

    def on_start(self) -> None:
        if self.accounts:
            name = type(self).__name__
            cycle = PortalUser._cycles.setdefault(name, itertools.cycle(self.accounts))
            self.email = next(cycle)
            self.login()

    def think(self, low: float, high: float) -> None:
        gevent.sleep(random.uniform(low, high))

    def page(self, url: str, name: str | None = None, kind: str = "page"):
        """GET a page; answer the response when it is a 200, else None (counted as failed)."""
        with self.client.get(
            url, name=name or url, context={"kind": kind}, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}")
                return None
            return response

    def post(self, url: str, fields, name: str, expect=(302,), files=None):
        """POST without following the redirect; answer (status, Location, body)."""
        with self.client.post(
            url,
            data=fields,
            files=files,
            name=name,
            allow_redirects=False,
            context={"kind": "write"},
            catch_response=True,
        ) as response:
            if response.status_code in expect:
                response.success()
            else:
                response.failure(f"{response.status_code}")
            location = urlsplit(response.headers.get("Location", "")).path
            return response.status_code, location, response.text

    def write(self, kind: str, url: str, fields, name: str, expect=(302,), files=None, **what):
        """POST a write, recorded before it is sent and with its answer; answer (status, Location).

        `what` is what bench_load.py looks for in the database afterwards.
        """
        key = uuid.uuid4().hex
        WRITES.write({"id": key, "kind": kind, "user": self.email, "t": time.time(), **what})
        status, location, _body = self.post(url, fields, name, expect=expect, files=files)
        WRITES.write({"id": key, "status": status, "t_answer": time.time()})
        return status, location

    def login(self) -> None:
        response = self.page("/login", name="/login")
        if response is None:
            raise StopUser()
        fields = {"csrf_token": csrf_of(response.text), "email": self.email, "password": PASSWORD}
        status, _location, _body = self.post("/login", fields, name="/login")
        if status != 302:
            raise StopUser()

    # shared browsing -----------------------------------------------------------------------

    def list_projects(self, args: dict, name: str = "/projects/ (filtered)") -> list[int]:
        response = self.page("/projects/?" + urlencode(args), name=name)
        return [int(i) for i in PROJECT_LINK.findall(response.text)] if response else []

    def open_project(self, project_id: int):
        return self.page(f"/projects/{project_id}", name="/projects/[id]")

    def edit_project(self, project_id: int) -> None:
        """GET the form, think, POST it back with a new reference (302 saved, 409 conflict)."""
        response = self.page(f"/projects/{project_id}/edit", name="/projects/[id]/edit")
        form = find_form(response.text, field="title_en") if response else None
        if form is None:
            return
        value = token("edit")
        form.set("partner_ref", value)
        self.think(5, 20)
        url = f"/projects/{project_id}/edit"
        status, _location = self.write(
            "edit", url, form.fields, "/projects/[id]/edit", expect=(302, 409),
            project_id=project_id, value=value, version=form.get("version"),
        )  # fmt: skip
        if status == 302:
            self.open_project(project_id)

    def step(self, project_id: int, action: str, comment: str | None = None) -> None:
        """Take a workflow step from the project page, when the page offers it."""
        response = self.open_project(project_id)
        form = find_form(response.text, action=f"/step/{action}") if response else None
        if form is None:
            return
        if comment is not None:
            form.set("comment", comment)
        self.think(2, 6)
        url = f"/alignment/projects/{project_id}/step/{action}"
        status, _location = self.write(
            "transition", url, form.fields, f"/alignment/projects/[id]/step/{action}",
            expect=(302, 409), project_id=project_id, action=action, comment=comment,
        )  # fmt: skip
        if status == 302:
            self.open_project(project_id)

    def assess_rating(self, commitment_id: int) -> None:
        """Agree or disagree with the latest self-rating on a commitment's page, if offered."""
        url = f"/commitments/{commitment_id}"
        response = self.page(url, name="/commitments/[id]")
        form = find_form(response.text, action="/assess") if response else None
        if form is None:
            return
        comment = token("assess")
        agrees = form.named("agrees")
        form.set(agrees, "yes" if random.random() < 0.7 else "no")
        form.set(form.named("comment"), comment)
        organization = form.named("organization_id")
        if form.options(organization):  # CDC names the party it speaks for
            form.set(organization, random.choice(form.options(organization)))
        self.think(5, 15)
        status, _location = self.write(
            "assessment", form.action, form.fields, "/commitments/reports/[id]/assess",
            commitment_id=commitment_id, action=form.action, value=comment,
        )  # fmt: skip
        if status == 302:
            self.page(url, name="/commitments/[id]")
