"""The pure cores: working-day arithmetic per chamber week, and the state machines."""

from __future__ import annotations

import datetime as dt

import pytest

from bureau.connect import workdays
from bureau.connect.states import (
    Answer,
    EnquiryState,
    IntroState,
    TransitionRefused,
    answer,
    enquiry_step,
    expire,
    state_of,
)

SAT_SUN = workdays.parse_weekend("sat,sun")
FRI_ONLY = workdays.parse_weekend("fri")
UTC = dt.UTC


def at(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), tzinfo=UTC)


def test_two_working_days_skip_the_weekend_of_the_chamber():
    # 2026-12-03 is a Thursday: Friday and Monday are the two working days for Sat-Sun.
    assert workdays.add_working_days(at("2026-12-03"), 2, weekend=SAT_SUN, holidays=()) == at(
        "2026-12-07"
    )
    # A Friday-only weekend: Saturday and Sunday are working days.
    assert workdays.add_working_days(at("2026-12-03"), 2, weekend=FRI_ONLY, holidays=()) == at(
        "2026-12-06"
    )


def test_holidays_do_not_count_and_a_weekend_question_starts_on_monday():
    holidays = workdays.parse_holidays(["2026-12-07"])
    assert workdays.add_working_days(at("2026-12-03"), 2, weekend=SAT_SUN, holidays=holidays) == at(
        "2026-12-08"
    )
    # Asked on Saturday: counting starts Monday 00:00, so the target ends Wednesday 00:00.
    assert workdays.add_working_days(at("2026-12-05"), 2, weekend=SAT_SUN, holidays=()) == at(
        "2026-12-09", 0
    )
    assert (
        workdays.working_days_between(
            dt.date(2026, 12, 3), dt.date(2026, 12, 10), weekend=SAT_SUN, holidays=holidays
        )
        == 4
    )


def test_bad_weeks_and_dates_are_named():
    with pytest.raises(ValueError, match="'fun' is not a day"):
        workdays.parse_weekend("sat,fun")
    with pytest.raises(ValueError, match="at least one working day"):
        workdays.parse_weekend("mon,tue,wed,thu,fri,sat,sun")
    with pytest.raises(ValueError, match="'2026-13-01' is not a date"):
        workdays.parse_holidays(["2026-13-01"])


def test_an_introduction_needs_both_to_accept_and_one_decline_ends_it():
    assert state_of(Answer.ACCEPTED, Answer.PENDING) == IntroState.PROPOSED
    assert state_of(Answer.ACCEPTED, Answer.ACCEPTED) == IntroState.ACCEPTED
    assert state_of(Answer.PENDING, Answer.DECLINED) == IntroState.DECLINED
    with pytest.raises(TransitionRefused, match="already accepted"):
        answer(IntroState.ACCEPTED, Answer.ACCEPTED, Answer.DECLINED)
    with pytest.raises(TransitionRefused, match=r"this side has already answered \(accepted\)"):
        answer(IntroState.PROPOSED, Answer.ACCEPTED, Answer.DECLINED)
    assert expire(IntroState.PROPOSED) == IntroState.EXPIRED
    with pytest.raises(TransitionRefused):
        expire(IntroState.DECLINED)


def test_an_enquiry_moves_only_forward():
    state = enquiry_step(EnquiryState.UNCONFIRMED, "confirm")
    state = enquiry_step(state, "assign")
    state = enquiry_step(state, "answer")
    assert enquiry_step(state, "close") == EnquiryState.CLOSED
    with pytest.raises(TransitionRefused, match="cannot be answered"):
        enquiry_step(EnquiryState.UNCONFIRMED, "answer")
    with pytest.raises(TransitionRefused, match="cannot be closed"):
        enquiry_step(EnquiryState.CLOSED, "close")
