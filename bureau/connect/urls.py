from django.urls import path

from bureau.connect import views, views_staff

app_name = "connect"
urlpatterns = [
    path("connect/", views.home, name="home"),
    path("connect/items/<int:pk>/interest/", views.interest_new, name="interest_new"),
    path(
        "connect/interests/<uuid:uid>/<slug:action>/", views.interest_action, name="interest_action"
    ),
    path("connect/introductions/<uuid:uid>/outcome/", views.outcome, name="outcome"),
    path(
        "connect/introductions/<uuid:uid>/<slug:action>/",
        views.introduction_action,
        name="introduction_action",
    ),
    path("connect/propose/", views.propose, name="propose"),
    path("connect/queue/", views_staff.queue, name="queue"),
    path(
        "connect/queue/<uuid:uid>/<slug:action>/", views_staff.enquiry_action, name="enquiry_action"
    ),
    path("connect/target/", views_staff.target, name="target"),
    path("connect/dashboard/", views_staff.dashboard, name="dashboard"),
    path("connect/dashboard/<slug:name>.csv", views_staff.dashboard_csv, name="dashboard_csv"),
    path("connect/outcomes/<int:pk>/confirm/", views_staff.outcome_confirm, name="outcome_confirm"),
    path("connect/facilitated.svg", views_staff.facilitated_svg, name="facilitated_svg"),
    path("connect/facilitated.csv", views_staff.facilitated_csv, name="facilitated_csv"),
    path("enquiries/new/", views_staff.enquiry_new, name="enquiry_new"),
    path("enquiries/confirm/<str:token>/", views_staff.enquiry_confirm, name="enquiry_confirm"),
    path("enquiries/performance/", views_staff.performance, name="performance"),
]
