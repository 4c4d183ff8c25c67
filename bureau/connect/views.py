"""Pages of the connect loop for members: interests, introductions, outcomes.

Each view parses the request, calls a service or selector, and renders; domain errors are
shown beside the fields (422) or as a message with the status the API would answer.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bureau.accounts.models import Organisation, User
from bureau.catalog.models import Item
from bureau.connect import outcomes, selectors, services
from bureau.connect.models import Interest, Introduction, Outcome
from bureau.core import ratelimit
from bureau.core.errors import DomainError, ValidationFailed


def me(request: HttpRequest) -> User:
    """The signed-in person (the views that call this are behind login_required)."""
    return cast(User, request.user)


def refused(
    request: HttpRequest, error: DomainError, template: str, context: dict[str, Any]
) -> HttpResponse:
    """The form again, with each field's error beside it, or the refusal's sentence."""
    context = {**context, "values": request.POST}
    if isinstance(error, ValidationFailed):
        context["errors"] = {e.field: e.message for e in error.errors}
    else:
        context["refusal"] = error.message
    return render(request, template, context, status=error.status)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The connect inbox: interests received and sent, introductions with contacts once accepted."""
    user = me(request)
    intros = [
        selectors.introduction_for(user=user, introduction=i)
        for i in selectors.introductions_of(user=user)[:100]
    ]
    context = {
        "received": selectors.interests_received(user=user)[:100],
        "sent": selectors.interests_sent(user=user)[:100],
        "introductions": intros,
    }
    return render(request, "connect/home.html", context)


@login_required
def interest_new(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(Item, pk=pk)
    context: dict[str, Any] = {"item": item}
    if request.method != "POST":
        try:
            services.item_open_for_interest(item)
        except DomainError as error:
            context["refusal"] = error.message
        return render(request, "connect/interest_form.html", context)
    try:
        services.interest_create(
            actor=me(request),
            item=item,
            data=request.POST,
            address=ratelimit.client_address(request),
        )
    except DomainError as error:
        return refused(request, error, "connect/interest_form.html", context)
    messages.success(
        request, _("Your interest was sent. The owner sees your message, not your contact details.")
    )
    return redirect("connect:home")


INTEREST_ACTIONS = {
    "accept": lambda user, interest: services.interest_accept(actor=user, interest=interest),
    "decline": lambda user, interest: services.interest_decline(actor=user, interest=interest),
    "hide": lambda user, interest: services.interest_hide(actor=user, interest=interest),
    "block": lambda user, interest: services.block_set(
        actor=user, owner=interest.owner, blocked=interest.sender_organisation, on=True
    ),
}


@login_required
@require_POST
def interest_action(request: HttpRequest, uid: str, action: str) -> HttpResponse:
    interest = get_object_or_404(Interest.objects.select_related("item", "owner"), uid=uid)
    if action not in INTEREST_ACTIONS or (
        action == "block" and interest.sender_organisation is None
    ):
        return render(request, "404.html", status=404)
    try:
        INTEREST_ACTIONS[action](me(request), interest)
    except DomainError as error:
        messages.error(request, error.message)
    return redirect(request.POST.get("next") or "connect:home")


@login_required
@require_POST
def introduction_action(request: HttpRequest, uid: str, action: str) -> HttpResponse:
    intro = get_object_or_404(Introduction, uid=uid)
    if action not in ("accept", "decline"):
        return render(request, "404.html", status=404)
    try:
        services.introduction_answer(
            actor=me(request),
            introduction=intro,
            accept=action == "accept",
        )
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("connect:home")


@login_required
def propose(request: HttpRequest) -> HttpResponse:
    """Chamber staff introduce two organisations of the directory."""
    context: dict[str, Any] = {"organisations": Organisation.objects.filter(origin_node="")}
    if request.method != "POST":
        return render(request, "connect/propose.html", context)
    a = Organisation.objects.filter(slug=request.POST.get("a", "")).first()
    b = Organisation.objects.filter(slug=request.POST.get("b", "")).first()
    try:
        if a is None or b is None:
            missing = "a" if a is None else "b"
            raise ValidationFailed.single(missing, _("choose an organisation of the directory"))
        services.introduction_propose(
            actor=me(request),
            a=a,
            b=b,
            note=request.POST.get("note", ""),
        )
    except DomainError as error:
        return refused(request, error, "connect/propose.html", context)
    messages.success(request, _("The introduction was proposed; both sides are asked."))
    return redirect("connect:dashboard")


@login_required
def outcome(request: HttpRequest, uid: str) -> HttpResponse:
    """One side tells what came of an accepted introduction."""
    intro = get_object_or_404(Introduction, uid=uid)
    if selectors.introduction_side(user=me(request), introduction=intro) is None:
        return render(request, "404.html", status=404)
    context: dict[str, Any] = {"introduction": intro, "directions": Outcome.Direction}
    if request.method != "POST":
        return render(request, "connect/outcome_form.html", context)
    try:
        outcomes.outcome_report(actor=me(request), introduction=intro, data=request.POST)
    except DomainError as error:
        return refused(request, error, "connect/outcome_form.html", context)
    messages.success(
        request, _("Thank you: chamber staff confirm the outcome before it is counted.")
    )
    return redirect("connect:home")
