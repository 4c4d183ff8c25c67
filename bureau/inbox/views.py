"""The inbox page: what the bureau told the signed-in person, newest first."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from bureau.inbox import selectors, services

PAGE_SIZE = 30


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.messages_of(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "inbox/inbox.html", {"page": page})


@login_required
@require_POST
def mark_read(request: HttpRequest) -> HttpResponse:
    services.messages_mark_read(recipient=request.user)  # type: ignore[arg-type]
    return redirect("inbox:inbox")
