from django.urls import path

from bureau.accounts import views

app_name = "accounts"
urlpatterns = [
    path("directory/", views.directory, name="directory"),
    path("directory/<slug:slug>/", views.organisation_detail, name="organisation"),
    path("directory/<slug:slug>/verify/", views.organisation_verify, name="organisation_verify"),
]
