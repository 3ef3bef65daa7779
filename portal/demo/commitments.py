"""Demo commitments in the style of Cambodia's Joint Monitoring Indicators, with their history.

The commitments, indicators and parties are realistic; every figure is synthetic and the
records are marked as demo data. Running the demo again adds nothing it made before (a
commitment is recognised by its English title). Reports are dated after their period, most
within the 30 days allowed, a few late; parties without a demo account are answered by CDC
on their behalf, which the portal records as such.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select

from portal.accounts.models import User
from portal.commitments import periods, services
from portal.commitments.models import Bottleneck, Commitment, ProgressReport, RatingAssessment
from portal.demo.commitment_data import COMMITMENTS
from portal.extensions import db
from portal.organizations.services import existing_by_acronym
from portal.reference.models import TechnicalWorkingGroup

# The account that speaks for an organization in the demo; others are answered by CDC.
DEMO_VOICES = {
    "CDC": "cdc@demo.example",
    "MEF": "mef@demo.example",
    "MOH": "moh@demo.example",
    "MOEYS": "moeys@demo.example",
    "MRD": "mrd@demo.example",
    "JICA": "jica@demo.example",
    "ADB": "adb@demo.example",
    "EU": "eu@demo.example",
    "UNDP": "undp@demo.example",
}


def _user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def _voice(acronym: str) -> tuple[User | None, bool]:
    """The demo account speaking for `acronym`, and whether it is CDC on its behalf."""
    user = _user(DEMO_VOICES.get(acronym, ""))
    if user is not None:
        return user, False
    return _user(DEMO_VOICES["CDC"]), acronym != "CDC"


def _periods(spec: dict) -> list[periods.Period]:
    year, number = spec["first"]
    per_year = 4 if spec["kind"] == "quarter" else 2
    found = []
    for _index in spec["trajectory"]:
        found.append(periods.Period(year, number, spec["kind"]))
        number += 1
        if number > per_year:
            year, number = year + 1, 1
    return found


def _at(day: date) -> datetime:
    return datetime.combine(day, time(9, 30), tzinfo=UTC)


# The demo commitments CDC has made public (the others show what stays for logged-in users).
PUBLIC_TITLES = {
    "Share of ODA disbursed on budget",
    "Number of provinces with functioning sub-national planning",
}


def _commitment(spec: dict, cdc: User | None) -> Commitment:
    org = {a: existing_by_acronym(a) for a in [spec["lead"], *spec["co"], *spec["supporting"]]}
    twg = db.session.scalar(
        select(TechnicalWorkingGroup).where(TechnicalWorkingGroup.acronym == spec["twg"])
    )
    data = services.CommitmentData(
        title_en=spec["title_en"],
        title_km=spec["title_km"],
        principle=spec["principle"],
        lead_institution_id=org[spec["lead"]].id,
        twg_id=twg.id if twg else None,
        indicator_definition=spec["definition"],
        unit=spec["unit"],
        baseline_value=Decimal(spec["baseline"][0]),
        baseline_year=spec["baseline"][1],
        target_value=Decimal(spec["target"][0]),
        target_date=spec["target"][1],
        period_kind=spec["kind"],
        parties=[services.PartyData(org[a].id, "co_responsible") for a in spec["co"]]
        + [services.PartyData(org[a].id, "supporting") for a in spec["supporting"]],
        trajectory=[
            services.PlannedValue(p.code, Decimal(v))
            for p, v in zip(_periods(spec), spec["trajectory"], strict=True)
        ],
        public=spec["title_en"] in PUBLIC_TITLES,
    )
    commitment = services.save_commitment(data, actor=cdc)
    commitment.is_demo = True
    return commitment


def _history(commitment: Commitment, spec: dict, today: date) -> None:
    """Add the reports, views and bottlenecks of the spec that lie in the past."""
    reporter, by_cdc = _voice(spec["lead"])
    for period, (actual, rating, delay, narrative, views) in zip(
        _periods(spec), spec["reports"], strict=False
    ):
        reported_on = period.end + timedelta(days=delay)
        if reported_on > today:
            break
        report = ProgressReport(
            commitment=commitment,
            period=period.code,
            actual_value=Decimal(actual),
            narrative=narrative,
            self_rating=rating,
            reported_at=_at(reported_on),
            reported_by_id=reporter.id if reporter else None,
            on_behalf_of_id=commitment.lead_institution_id,
            by_cdc=by_cdc,
        )
        db.session.add(report)
        for day, (acronym, (agrees, comment)) in enumerate(views.items(), start=3):
            voice, for_other = _voice(acronym)
            report.assessments.append(
                RatingAssessment(
                    organization_id=existing_by_acronym(acronym).id,
                    user_id=voice.id if voice else None,
                    agrees=agrees,
                    comment=comment or None,
                    by_cdc=for_other,
                    at=_at(min(today, reported_on + timedelta(days=day))),
                )
            )
    for title, owner, action, due, resolution in spec["bottlenecks"]:
        voice, _for_other = _voice(spec["lead"])
        db.session.add(
            Bottleneck(
                commitment=commitment,
                title=title,
                owner_id=existing_by_acronym(owner).id,
                action=action,
                due_date=due,
                created_at=_at(due - timedelta(days=120)),
                created_by_id=voice.id if voice else None,
                resolved_at=_at(due - timedelta(days=30)) if resolution else None,
                resolved_by_id=voice.id if voice and resolution else None,
                resolution=resolution,
            )
        )


def seed_commitments(today: date | None = None) -> int:
    """Add the demo commitments that are not there yet, with their history; return how many."""
    today = today or date.today()
    existing = set(db.session.scalars(select(Commitment.title_en)))
    cdc = _user(DEMO_VOICES["CDC"])
    added = 0
    for spec in COMMITMENTS:
        if spec["title_en"] in existing:
            continue
        commitment = _commitment(spec, cdc)
        _history(commitment, spec, today)
        added += 1
    db.session.flush()
    return added
