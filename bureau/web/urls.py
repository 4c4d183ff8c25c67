from django.contrib.auth.views import LogoutView
from django.templatetags.static import static
from django.urls import path
from django.views.generic import RedirectView

from bureau.accounts import views as accounts_views
from bureau.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    # Browsers and feed readers ask for /favicon.ico whatever the page says.
    path("favicon.ico", RedirectView.as_view(url=static("bureau/favicon.svg"), permanent=True)),
    # Sign-in lives in this namespace because settings.LOGIN_URL names "web:login".
    path("accounts/login/", accounts_views.SignInView.as_view(), name="login"),
    path("accounts/logout/", LogoutView.as_view(), name="logout"),  # POST only
]
