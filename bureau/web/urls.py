from django.contrib.auth.views import LogoutView
from django.urls import path

from bureau.accounts import views as accounts_views
from bureau.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    # Sign-in lives in this namespace because settings.LOGIN_URL names "web:login".
    path("accounts/login/", accounts_views.SignInView.as_view(), name="login"),
    path("accounts/logout/", LogoutView.as_view(), name="logout"),  # POST only
]
