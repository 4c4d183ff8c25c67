"""The state machines of the connect loop: pure, no Django.

An introduction joins two sides. Each side answers once (accept or decline); the introduction
is accepted when both have accepted, declined as soon as one declines, and expired when its
deadline passes while it is still proposed. Nothing leaves a final state.
"""

from __future__ import annotations

from enum import StrEnum


class Answer(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class IntroState(StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"


FINAL = frozenset({IntroState.ACCEPTED, IntroState.DECLINED, IntroState.EXPIRED})


class TransitionRefused(Exception):
    """The step does not fit the current state; the message says why."""


def state_of(a: Answer, b: Answer) -> IntroState:
    """The introduction's state from its two sides' answers (before any expiry)."""
    if Answer.DECLINED in (a, b):
        return IntroState.DECLINED
    if a == b == Answer.ACCEPTED:
        return IntroState.ACCEPTED
    return IntroState.PROPOSED


def answer(state: IntroState, current: Answer, new: Answer) -> Answer:
    """One side's answer; refused once the introduction is decided or this side has answered."""
    if new == Answer.PENDING:
        raise TransitionRefused("an answer is accept or decline")
    if state in FINAL:
        raise TransitionRefused(f"the introduction is already {state.value}")
    if current != Answer.PENDING:
        raise TransitionRefused(f"this side has already {current.value}")
    return new


def expire(state: IntroState) -> IntroState:
    """Expiry applies only to a proposed introduction."""
    if state != IntroState.PROPOSED:
        raise TransitionRefused(f"only a proposed introduction expires, not an {state.value} one")
    return IntroState.EXPIRED


class EnquiryState(StrEnum):
    UNCONFIRMED = "unconfirmed"  # the asker has not yet followed the emailed link
    NEW = "new"
    ASSIGNED = "assigned"
    ANSWERED = "answered"
    CLOSED = "closed"


ENQUIRY_STEPS: dict[str, tuple[frozenset[EnquiryState], EnquiryState]] = {
    "confirm": (frozenset({EnquiryState.UNCONFIRMED}), EnquiryState.NEW),
    "assign": (frozenset({EnquiryState.NEW, EnquiryState.ASSIGNED}), EnquiryState.ASSIGNED),
    "answer": (frozenset({EnquiryState.NEW, EnquiryState.ASSIGNED}), EnquiryState.ANSWERED),
    "close": (
        frozenset({EnquiryState.NEW, EnquiryState.ASSIGNED, EnquiryState.ANSWERED}),
        EnquiryState.CLOSED,
    ),
}


PAST = {"confirm": "confirmed", "assign": "assigned", "answer": "answered", "close": "closed"}


def enquiry_step(state: EnquiryState, step: str) -> EnquiryState:
    """The state after ``step`` (confirm, assign, answer, close), or TransitionRefused."""
    if step not in ENQUIRY_STEPS:
        raise TransitionRefused(f"'{step}' is not a step of an enquiry")
    allowed, after = ENQUIRY_STEPS[step]
    if state not in allowed:
        raise TransitionRefused(f"an enquiry that is {state.value} cannot be {PAST[step]}")
    return after
