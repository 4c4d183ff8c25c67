"""``bureau connect``: status, run, and a chamber's target with its errors named."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from bureau.connect.models import ChamberTarget

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("connect", *args, stdout=out)
    return out.getvalue()


def test_target_status_and_run(chamber_pk, staff_pk):
    said = run(
        "target",
        chamber_pk.slug,
        "--days",
        "3",
        "--weekend",
        "sun",
        "--holidays",
        "2026-03-23,2026-08-14",
        "--as",
        staff_pk.email,
    )
    assert "3 working day(s); weekend sun; 2 holiday(s)" in said
    assert ChamberTarget.objects.get(chamber=chamber_pk).holidays == ["2026-03-23", "2026-08-14"]
    with pytest.raises(CommandError, match="'someday' is not a date"):
        run(
            "target",
            chamber_pk.slug,
            "--days",
            "2",
            "--holidays",
            "someday",
            "--as",
            staff_pk.email,
        )
    assert "interests open: 0" in run("status")
    assert "0 introduction(s) expired" in run("run")


def test_the_worker_round_expires_unanswered_introductions(company, chamber_pk, staff_az):
    import datetime as dt

    from bureau.connect import jobs, services
    from bureau.connect.models import Introduction

    intro = services.introduction_propose(actor=staff_az, a=company, b=chamber_pk)
    Introduction.objects.filter(pk=intro.pk).update(expires_at=intro.proposed_at - dt.timedelta(1))
    jobs.expire_and_ask()
    intro.refresh_from_db()
    assert intro.state == "expired" and intro.decided_at is not None
