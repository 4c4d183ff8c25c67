from django.contrib import admin
from django.urls import include, path

from bureau.delivery.stream import stream_view
from config.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/stream", stream_view, name="live-stream"),
    path("api/v1/", api.urls),
    path("", include("bureau.web.urls")),
    path("", include("bureau.catalog.urls")),
    path("", include("bureau.accounts.urls")),
    path("", include("bureau.delivery.urls")),
    path("", include("bureau.alerts.urls")),
    path("", include("bureau.exchange.urls")),
    path("", include("bureau.trade.urls")),
    path("", include("bureau.operations.urls")),
]
