from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from bureau.accounts import views_preferences
from bureau.accounts.views import sign_in_limited
from bureau.accounts.views_joining import PasswordReset, PasswordResetConfirm
from bureau.delivery.stream import stream_view
from config.api import api

urlpatterns = [
    # The admin's sign-in counts attempts like the site's own (one limit for every sign-in path).
    path("admin/login/", sign_in_limited(admin.site.login)),
    path("admin/", admin.site.urls),
    # The language switch, which also keeps a signed-in user's choice in the profile.
    path("i18n/setlang/", views_preferences.set_language, name="set_language"),
    path("i18n/setcurrency/", views_preferences.set_currency, name="set_currency"),
    # Password reset by email: Django's views, with the bureau's templates and rate limit.
    path("accounts/password_reset/", PasswordReset.as_view(), name="password_reset"),
    path(
        "accounts/password_reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_sent.html"),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        PasswordResetConfirm.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="accounts/password_reset_done.html"
        ),
        name="password_reset_complete",
    ),
    path("api/v1/stream", stream_view, name="live-stream"),
    path("api/v1/", api.urls),
    path("", include("bureau.web.urls")),
    path("", include("bureau.catalog.urls")),
    path("", include("bureau.accounts.urls")),
    path("", include("bureau.delivery.urls")),
    path("", include("bureau.alerts.urls")),
    path("", include("bureau.exchange.urls")),
    path("", include("bureau.trade.urls")),
    path("", include("bureau.freight.urls")),
    path("", include("bureau.commitments.urls")),
    path("", include("bureau.operations.urls")),
    path("", include("bureau.inbox.urls")),
    path("", include("bureau.connect.urls")),
    path("", include("bureau.audit.urls")),
]
