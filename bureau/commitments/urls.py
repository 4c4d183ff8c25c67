from django.urls import path

from bureau.commitments import views

app_name = "commitments"
urlpatterns = [
    path("commitments/", views.glance, name="glance"),
    path("commitments/pledges/", views.pledges, name="pledges"),
    path("commitments/pledges/<uuid:uid>/", views.pledge, name="pledge"),
    path("commitments/pledges/<uuid:uid>/projects/", views.project_add, name="project_add"),
    path(
        "commitments/pledges/<uuid:uid>/chart-<str:by>.svg", views.pledge_chart, name="pledge_chart"
    ),
    path(
        "commitments/pledges/<uuid:uid>/progress-<str:by>.csv", views.pledge_csv, name="pledge_csv"
    ),
    path("commitments/projects/<uuid:uid>/", views.project, name="project"),
    path("commitments/agreements/", views.agreements_desk, name="agreements"),
    path("commitments/cargoes/", views.cargoes, name="cargoes"),
    path("commitments/cooperation/", views.cooperation, name="cooperation"),
    path("commitments/import/<str:kind>/<uuid:uid>/", views.import_rows, name="import"),
    path("commitments/records/<str:uid>/", views.record, name="record"),
]
