from django.urls import path

from bureau.accounts import views, views_joining, views_preferences

app_name = "accounts"
urlpatterns = [
    path("directory/", views.directory, name="directory"),
    path("directory/<slug:slug>/", views.organisation_detail, name="organisation"),
    path("directory/<slug:slug>/verify/", views.organisation_verify, name="organisation_verify"),
    path("accounts/", views_joining.account, name="account"),
    path("accounts/preferences/", views_preferences.preferences, name="preferences"),
    path("accounts/signup/", views_joining.sign_up, name="signup"),
    path("accounts/signup/sent/", views_joining.sign_up_sent, name="signup_sent"),
    path("accounts/confirm/<str:uid>/<str:token>/", views_joining.confirm, name="confirm"),
    path(
        "accounts/sign-out-everywhere/",
        views_joining.sign_out_everywhere,
        name="sign_out_everywhere",
    ),
    path("accounts/join/", views_joining.join, name="join"),
    path("accounts/requests/<int:pk>/decide/", views_joining.decide, name="decide"),
]
