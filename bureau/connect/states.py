"""The state machines of the connect loop: pure (Django only words the refusals).

An introduction joins two sides. Each side answers once (accept or decline); the introduction
is accepted when both have accepted, declined as soon as one declines, and expired when its
deadline passes while it is still proposed. Nothing leaves a final state.
"""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext as _
from django.utils.translation import pgettext


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
        raise TransitionRefused(_("an answer is accept or decline"))
    if state in FINAL:
        raise TransitionRefused(
            _("the introduction is already %(state)s") % {"state": state_word(state)}
        )
    if current != Answer.PENDING:
        raise TransitionRefused(
            _("this side has already answered (%(answer)s)") % {"answer": state_word(current)}
        )
    return new


def expire(state: IntroState) -> IntroState:
    """Expiry applies only to a proposed introduction."""
    if state != IntroState.PROPOSED:
        raise TransitionRefused(
            _("only a proposed introduction expires; this one is %(state)s")
            % {"state": state_word(state)}
        )
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


def state_word(state: str) -> str:
    """A state or step as a word of the reader's language, for the refusals above."""
    words = {
        "pending": pgettext("connect state", "pending"),
        "proposed": pgettext("connect state", "proposed"),
        "accepted": pgettext("connect state", "accepted"),
        "declined": pgettext("connect state", "declined"),
        "expired": pgettext("connect state", "expired"),
        "unconfirmed": pgettext("connect state", "unconfirmed"),
        "new": pgettext("connect state", "new"),
        "assigned": pgettext("connect state", "assigned"),
        "answered": pgettext("connect state", "answered"),
        "closed": pgettext("connect state", "closed"),
        "confirmed": pgettext("connect state", "confirmed"),
    }
    return words.get(str(state), str(state))


def enquiry_step(state: EnquiryState, step: str) -> EnquiryState:
    """The state after ``step`` (confirm, assign, answer, close), or TransitionRefused."""
    if step not in ENQUIRY_STEPS:
        raise TransitionRefused(_("'%(step)s' is not a step of an enquiry") % {"step": step[:40]})
    allowed, after = ENQUIRY_STEPS[step]
    if state not in allowed:
        raise TransitionRefused(
            _("an enquiry that is %(state)s cannot be %(step)s")
            % {"state": state_word(state), "step": state_word(PAST[step])}
        )
    return after
