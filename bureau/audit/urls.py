from django.urls import path

from bureau.audit import views

app_name = "audit"
urlpatterns = [
    path("audit/", views.audit, name="audit"),
    path("audit/audit.csv", views.audit_csv, name="csv"),
]
