from django.urls import path

from bureau.exchange import views

app_name = "exchange"
urlpatterns = [
    path(".well-known/bureau-node", views.node_document, name="node_document"),
    path("exchange/v1/events", views.events, name="events"),
    path("exchange/v1/notify", views.notify, name="notify"),
    path("exchange/v1/schemas/", views.schema_index, name="schemas"),
    path("exchange/v1/schemas/<str:name>.json", views.schema, name="schema"),
    path("exchange/v1/messages", views.message, name="messages"),
    path("exchange/", views.status, name="status"),
]
