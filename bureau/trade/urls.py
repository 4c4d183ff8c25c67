from django.urls import path

from bureau.trade import views

app_name = "trade"
urlpatterns = [
    path("trade/", views.dashboard, name="dashboard"),
    path("trade/potential/", views.potential, name="potential"),
    path("trade/import/", views.import_page, name="import"),
    path("trade/datasets/<str:dataset_id>/remove/", views.dataset_remove, name="dataset_remove"),
    path("trade/tables/<slug:name>.csv", views.table_csv, name="table_csv"),
    path("trade/charts/<slug:name>.svg", views.chart_svg, name="chart_svg"),
]
