"""The simulated users of the load test: the public, partners, ministries, CDC, and a reporter.

`python tests/benchmarks/bench_load.py` runs Locust on this file (headless, in a process of its
own) against a portal loaded with the demo; it is not meant to be run alone. The folder named by
BENCH_LOAD_DIR holds pools.json, written by bench_load.py before the run: the organization of
each demo account, the projects each partner account may edit and submit, the commitments each
ministry leads, the projects CDC may validate. load_client.py (the steps every role shares)
writes there what happened, for bench_load.py to check afterwards.

Mix, with think times between pages and while "typing" in a form:
- the public (weight 4): home, dashboard, the project list filtered and sorted, project pages,
  the map page and its frame, province pages, published reports; a quarter of them in Khmer;
- partners, `dp` (weight 3): their home and projects, editing a project (GET the form, POST it
  back with the version and CSRF token and a new `partner_ref`; 302 is an acknowledged write,
  409 a conflict), submitting drafts to the ministry, history, notifications;
- ministries (weight 2): the inbox, review then confirm (or return with reasons), progress
  reports on the commitments they lead (half with a small CSV as evidence), the commitments
  dashboard, agreeing or disagreeing with another lead's self-rating where they are a party;
- CDC (weight 1): pipeline, data quality, validating confirmed projects, now and then returning
  one with reasons, views on self-ratings on a party's behalf, editing partners' busiest
  projects (conflicts with the partners);
- one reporter (CDC): generates a PDF report about once a minute and follows it to the end.
"""

from __future__ import annotations

import itertools
import json
import random
import re
import time
import uuid
from datetime import date
from urllib.parse import urlencode

import gevent
import lxml.html
from load_client import FOLDER, WRITES, PortalUser, csrf_of, find_form, token
from locust import between, constant_pacing, task

POOLS = json.loads((FOLDER / "pools.json").read_text()) if (FOLDER / "pools.json").is_file() else {}
PARTNERS = tuple(POOLS.get("partners", {})) or ("jica@demo.example",)
MINISTRIES = tuple(POOLS.get("ministries", {})) or ("moh@demo.example",)
CDC = "cdc@demo.example"
SEARCH_WORDS = ("health", "water", "school", "road", "rural", "climate", "education", "energy")
REPORT_ROTATION = (
    ("country", "en"),
    ("country", "km"),
    ("partner", "en"),
    ("country", "both"),
    ("ministry", "en"),
)
REVIEW_LINK = re.compile(r"/alignment/projects/(\d+)/review")
COMMITMENT_LINK = re.compile(r'href="/commitments/(\d+)"')


class PublicVisitor(PortalUser):
    """Someone reading the published record without logging in."""

    weight = 4
    wait_time = between(3, 10)

    def on_start(self) -> None:
        response = self.page("/projects/", name="/projects/")
        self.options = _filter_options(response.text if response else "")
        if random.random() < 0.25 and response is not None:
            self.post(
                "/language",
                {"csrf_token": csrf_of(response.text), "lang": "km", "next": "/"},
                name="/language",
            )

    @task(3)
    def home(self):
        self.page("/", name="/")

    @task(2)
    def dashboard(self):
        self.page("/dashboard/", name="/dashboard/")

    @task(5)
    def browse_list(self):
        ids = self.list_projects(_random_filters(self.options))
        if ids and random.random() < 0.7:
            self.think(2, 6)
            self.open_project(random.choice(ids))

    @task(2)
    def list_pages(self):
        for number in (1, 2, 3):
            self.list_projects({"page": number, "sort": "-commitment"}, name="/projects/ (pages)")
            self.think(1, 4)

    @task(3)
    def map(self):
        args = {"measure": random.choice(("commitment", "disbursed", "planned"))}
        if random.random() < 0.5:
            year = random.randint(2019, 2024)
            args.update(year_from=year, year_to=min(year + 2, 2025))
        if random.random() < 0.3 and self.options.get("sector"):
            args["sector"] = random.choice(self.options["sector"])
        query = "?" + urlencode(args)
        if self.page("/map/" + query, name="/map/"):
            self.page("/map/frame" + query, name="/map/frame")

    @task(1)
    def province(self):
        codes = self.options.get("province") or ["12"]
        self.page(f"/map/province/{random.choice(codes)}", name="/map/province/[code]")

    @task(1)
    def reports(self):
        self.page("/reports/", name="/reports/")


class PartnerUser(PortalUser):
    """A development partner's focal point keeping its projects up to date."""

    weight = 3
    wait_time = between(5, 15)
    accounts = PARTNERS

    @property
    def pool(self) -> dict:
        return POOLS.get("partners", {}).get(self.email, {})

    def my_project(self) -> int | None:
        projects = self.pool.get("projects") or []
        hot = self.pool.get("hot") or []
        if hot and random.random() < 0.6:
            return random.choice(hot)  # the projects everyone is working on this week
        return random.choice(projects) if projects else None

    @task(2)
    def home(self):
        self.page("/", name="/ (partner)")

    @task(3)
    def my_projects(self):
        org = self.pool.get("org_id")
        ids = self.list_projects({"partner": org} if org else {}, name="/projects/ (own)")
        if ids:
            self.think(2, 6)
            self.open_project(random.choice(ids))

    @task(4)
    def edit(self):
        project_id = self.my_project()
        if project_id:
            self.edit_project(project_id)

    @task(2)
    def submit(self):
        waiting = self.pool.get("submittable") or []
        if waiting:
            self.step(waiting.pop(random.randrange(len(waiting))), "submit")

    @task(1)
    def history(self):
        project_id = self.my_project()
        if project_id:
            self.page(f"/projects/{project_id}/history", name="/projects/[id]/history")

    @task(1)
    def notifications(self):
        self.page("/alignment/notifications", name="/alignment/notifications")


class MinistryUser(PortalUser):
    """A ministry's focal point confirming projects and reporting on commitments."""

    weight = 2
    wait_time = between(5, 15)
    accounts = MINISTRIES

    @property
    def pool(self) -> dict:
        return POOLS.get("ministries", {}).get(self.email, {})

    @task(2)
    def home(self):
        self.page("/", name="/ (ministry)")

    @task(4)
    def review(self):
        response = self.page("/alignment/inbox", name="/alignment/inbox")
        ids = REVIEW_LINK.findall(response.text) if response else []
        if not ids:
            return
        project_id = int(random.choice(ids))
        url = f"/alignment/projects/{project_id}/review"
        response = self.page(url, name="/alignment/projects/[id]/review")
        form = find_form(response.text, field="return_reason") if response else None
        if form is None:
            return
        self.think(10, 25)  # reading the project and its figures
        if 'value="confirm"' in response.text and random.random() < 0.8:
            if form.get("primary_priority_id") in ("", "0"):
                form.set("primary_priority_id", random.choice(form.options("primary_priority_id")))
            form.set("rationale", "Serves the priority through its planned outputs (load test).")
            form.set("lead_role_accepted", "y")
            form.set("action", "confirm")
            action, comment = "confirm", None
        else:
            comment = token("return")
            form.set("return_reason", comment)
            form.set("action", "return")
            action = "return"
        self.write(
            "transition", url, form.fields, "/alignment/projects/[id]/review", expect=(302, 409),
            project_id=project_id, action=action, comment=comment,
        )  # fmt: skip

    @task(2)
    def report_progress(self):
        commitments = self.pool.get("commitments") or []
        if not commitments:
            return
        commitment_id = random.choice(commitments)
        url = f"/commitments/{commitment_id}/report"
        response = self.page(url, name="/commitments/[id]/report")
        form = find_form(response.text, field="narrative") if response else None
        periods = form.options("period") if form else []
        if not periods:
            return
        narrative = token("progress")
        period = random.choice(periods[:2])
        form.set("period", period)
        form.set("actual_value", str(random.randint(1, 90)))
        form.set("narrative", narrative)
        form.set("self_rating", random.choice(form.options("self_rating") or ["on_track"]))
        files = None
        if random.random() < 0.5:
            rows = f"indicator,value\nschools reached,{random.randint(1, 500)}\n"
            files = {"evidence": ("evidence.csv", rows.encode(), "text/csv")}
        self.think(10, 30)

        self.write(
            "progress", url, form.fields, "/commitments/[id]/report", expect=(302, 400),
            files=files, commitment_id=commitment_id, period=period, value=narrative,
        )  # fmt: skip

    @task(2)
    def commitments(self):
        response = self.page("/commitments/", name="/commitments/")
        ids = COMMITMENT_LINK.findall(response.text) if response else []
        if not ids:
            return
        self.think(3, 8)
        commitment_id = int(random.choice(ids))
        if random.random() < 0.5:
            self.assess_rating(commitment_id)  # when the ministry is a party of it
        else:
            self.page(f"/commitments/{commitment_id}", name="/commitments/[id]")

    @task(2)
    def led_projects(self):
        org = self.pool.get("org_id")
        ids = self.list_projects({"ministry": org} if org else {}, name="/projects/ (led)")
        if ids:
            self.think(2, 6)
            self.open_project(random.choice(ids))


class CdcUser(PortalUser):
    """CDC staff watching the pipeline, validating, and correcting records."""

    weight = 1
    wait_time = between(5, 15)
    accounts = (CDC,)

    @task(2)
    def pipeline(self):
        self.page("/alignment/pipeline", name="/alignment/pipeline")

    @task(1)
    def quality(self):
        self.page("/projects/quality", name="/projects/quality")

    @task(2)
    def browse(self):
        ids = self.list_projects({"sort": random.choice(("-updated", "-quality", "title"))})
        if ids:
            self.open_project(random.choice(ids))

    @task(3)
    def validate(self):
        confirmed = POOLS.get("cdc", {}).get("confirmed") or []
        if not confirmed:
            return
        project_id = confirmed.pop(random.randrange(len(confirmed)))
        if random.random() < 0.15:
            self.step(project_id, "return", comment=token("cdcreturn"))
        else:
            self.step(project_id, "validate")

    @task(1)
    def assess(self):
        commitments = POOLS.get("cdc", {}).get("commitments") or []
        if commitments:
            self.assess_rating(random.choice(commitments))

    @task(1)
    def correct(self):
        hot = [i for pool in POOLS.get("partners", {}).values() for i in pool.get("hot", [])]
        if hot:
            self.edit_project(random.choice(hot))


class ReportUser(PortalUser):
    """CDC generating a PDF report about once a minute and waiting for it."""

    fixed_count = 1
    wait_time = constant_pacing(60)
    accounts = (CDC,)
    rounds = itertools.count()

    @task
    def generate(self):
        response = self.page("/reports/new", name="/reports/new")
        form = find_form(response.text, field="sections") if response else None
        if form is None:
            return
        scope, language = REPORT_ROTATION[next(self.rounds) % len(REPORT_ROTATION)]
        last_year = str(date.today().year - 1)
        years = form.options("year")
        form.set("year", last_year if last_year in years else (years[-1] if years else last_year))
        form.set("year_to", "")
        form.set("scope", scope)
        if scope in ("partner", "ministry") and form.options(scope):
            form.set(scope, random.choice(form.options(scope)))
        form.set("language", language)
        form.set("action", "generate")
        self.think(3, 8)
        started = time.time()
        status, location = self.write(
            "report", "/reports/new", form.fields, "/reports/new", scope=scope, language=language
        )
        match = re.search(r"/reports/jobs/(\d+)", location)
        if status != 302 or match is None:
            return
        job_id = int(match.group(1))
        WRITES.write({"id": uuid.uuid4().hex, "kind": "report_job", "job_id": job_id})
        while time.time() - started < 300:
            response = self.page(f"/reports/jobs/{job_id}", name="/reports/jobs/[id]", kind="poll")
            text = response.text if response is not None else ""
            if f"/reports/jobs/{job_id}/report.pdf" in text or "Failed" in text:
                break
            gevent.sleep(2)  # the page refreshes itself every 2 s
        else:
            return
        if f"/reports/jobs/{job_id}/report.pdf" in text:
            WRITES.write(
                {
                    "id": uuid.uuid4().hex,
                    "kind": "report_ready",
                    "job_id": job_id,
                    "seconds": round(time.time() - started, 1),
                }
            )
            self.page(
                f"/reports/jobs/{job_id}/report.pdf",
                name="/reports/jobs/[id]/report.pdf",
                kind="download",
            )


# --- the list's filters ----------------------------------------------------------------------


def _filter_options(html: str) -> dict[str, list[str]]:
    """The choices of the project list's filter form (partners, sectors, provinces, ...)."""
    if not html:
        return {}
    document = lxml.html.fromstring(html)
    options = {}
    for select in document.xpath("//form[contains(@class, 'filters')]//select"):
        options[select.get("name")] = [v for v in select.value_options if v]
    return options


def _random_filters(options: dict[str, list[str]]) -> dict:
    """One or two filters a visitor might choose, a sort order, sometimes a later page."""
    args: dict = {}
    for name in random.sample(
        ("partner", "ministry", "sector", "province", "status", "q", "years"), 2
    ):
        if name == "q":
            args["q"] = random.choice(SEARCH_WORDS)
        elif name == "years":
            start = random.randint(2015, 2024)
            args.update(year_from=start, year_to=start + random.randint(0, 3))
        elif options.get(name):
            args[name] = random.choice(options[name])
    if random.random() < 0.5:
        args["sort"] = random.choice(("title", "-commitment", "-disbursed", "start", "-quality"))
    if random.random() < 0.2:
        args["page"] = 2
    return args
