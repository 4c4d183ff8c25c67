"""Pages of the trade monitor: thin views over ``reports`` and the importer."""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.core.files.uploadedfile import TemporaryUploadedFile, UploadedFile
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bureau.accounts import permissions
from bureau.core.errors import NotFound, ValidationFailed
from bureau.trade import reports, selectors, store
from bureau.trade.forms import FORMAT_LABELS, DashboardForm, TradeImportForm
from bureau.trade.importing import FORMATS, Options, TradeImport, import_file, remove_dataset

TOP_ON_DASHBOARD = 10
ON_POTENTIAL_PAGE = 100


def _params(request: HttpRequest) -> tuple[reports.Params, DashboardForm]:
    form = DashboardForm(request.GET or None)
    return reports.Params(**form.values()), form


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    params, form = _params(request)
    table = selectors.bilateral()  # the tracker and the mirror table read the same figures
    context = {
        "form": form,
        "datasets": store.datasets(),
        "progress": reports.progress_report(params, table),
        "bilateral": reports.bilateral_report(params, table),
        "compositions": [reports.composition_report(d, params) for d in ("ab", "ba")],
        "exports": [reports.world_exports_report(s, params) for s in ("a", "b")],
        "groups": [reports.groups_report(s, params) for s in ("a", "b")],
        "potentials": [
            reports.potential_report(d, params, limit=TOP_ON_DASHBOARD) for d in ("ab", "ba")
        ],
        "may_import": permissions.is_staff_user(request.user),
        "formats": FORMATS,
        "baci": reports.BACI_FILE,
    }
    return render(request, "trade/dashboard.html", context, status=400 if form.errors else 200)


@require_GET
def potential(request: HttpRequest) -> HttpResponse:
    params, form = _params(request)
    direction = request.GET.get("direction", "ab")
    if direction not in ("ab", "ba"):
        direction = "ab"
    report = reports.potential_report(direction, params, limit=ON_POTENTIAL_PAGE)
    context = {
        "form": form,
        "report": report,
        "direction": direction,
        "pair": selectors.country_pair(),
        "baci": reports.BACI_FILE,
    }
    return render(request, "trade/potential.html", context)


@require_GET
def table_csv(request: HttpRequest, name: str) -> HttpResponse:
    report = _report(request, name)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="bureau-trade-{name}.csv"'
    writer = csv.writer(response)
    writer.writerow(report.columns)
    writer.writerows(report.rows)
    return response


@require_GET
def chart_svg(request: HttpRequest, name: str) -> HttpResponse:
    report = _report(request, name)
    if report.chart is None:
        raise Http404
    # A file that leaves the page: its title above the chart and its sources below.
    response = HttpResponse(report.framed(), content_type="image/svg+xml; charset=utf-8")
    if request.GET.get("download"):
        response["Content-Disposition"] = f'attachment; filename="bureau-trade-{name}.svg"'
    return response


def _report(request: HttpRequest, name: str) -> reports.Report:
    params, _form = _params(request)
    try:
        return reports.build(name, params)
    except NotFound as missing:
        raise Http404(missing.message) from missing


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest) -> HttpResponse:
    """Chamber staff upload statistics; the report names each bad row, nothing half-written."""
    if not permissions.is_staff_user(request.user):
        raise Forbidden(_("Only chamber staff can import trade statistics."))
    form = TradeImportForm(request.POST or None, request.FILES or None)
    result = None
    if form.is_bound and form.is_valid():
        result = _import_upload(request, form)
    status = 422 if form.errors or (result is not None and result.errors) else 200
    context = {
        "form": form,
        "result": result,
        "datasets": store.datasets(),
        "formats": FORMAT_LABELS,
    }
    return render(request, "trade/import.html", context, status=status)


def _import_upload(request: HttpRequest, form: TradeImportForm) -> TradeImport | None:
    upload = form.cleaned_data["file"]
    options = Options(
        source=form.cleaned_data["source"],
        source_url=form.cleaned_data["source_url"],
        year=form.cleaned_data["year"],
        file_name=Path(upload.name).name,
    )
    with _on_disk(upload) as path:
        try:
            return import_file(
                path,
                format=form.cleaned_data["format"],
                options=options,
                imported_by=getattr(request.user, "email", ""),
            )
        except ValidationFailed as failed:
            for error in failed.errors:
                form.add_error("year" if error.field == "year" else "file", error.message)
            return None


@contextmanager
def _on_disk(upload: UploadedFile) -> Iterator[Path]:
    """The upload as a file DuckDB can read: Django's own temporary file for a large upload
    (no second copy), else a copy of the small one held in memory."""
    if isinstance(upload, TemporaryUploadedFile):
        yield Path(upload.temporary_file_path())
        return
    with tempfile.NamedTemporaryFile(suffix=Path(upload.name or "").suffix) as copy:
        for chunk in upload.chunks():
            copy.write(chunk)
        copy.flush()
        yield Path(copy.name)


@login_required
@require_POST
def dataset_remove(request: HttpRequest, dataset_id: str) -> HttpResponse:
    if not permissions.is_staff_user(request.user):
        raise Forbidden(_("Only chamber staff can remove trade statistics."))
    try:
        removed = remove_dataset(dataset_id)
    except NotFound as missing:
        raise Http404(missing.message) from missing
    messages.success(request, _("Removed %(file)s.") % {"file": removed.file_name})
    return redirect("trade:import")
