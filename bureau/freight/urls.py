from django.urls import path

from bureau.freight import views

app_name = "freight"
urlpatterns = [
    path("move/", views.move, name="move"),
    path("move/routes.csv", views.routes_csv, name="routes_csv"),
    path("move/map.svg", views.map_svg, name="map_svg"),
    path("move/chart.svg", views.chart_svg, name="chart_svg"),
    path("move/lead/<int:pk>/", views.plan_lead, name="plan_lead"),
    path("move/carriers/", views.carriers, name="carriers"),
    path("move/carriers/<slug:slug>/", views.carrier, name="carrier"),
    path(
        "move/carriers/<slug:slug>/<int:service_id>/remove/",
        views.carrier_remove,
        name="carrier_remove",
    ),
]
