from django.urls import path

from bureau.alerts import views

app_name = "alerts"
urlpatterns = [
    path("subscriptions/", views.subscription_list, name="list"),
    path("subscriptions/new/", views.subscription_new, name="new"),
    path("subscriptions/from-search/", views.from_search, name="from_search"),
    path("subscriptions/live/", views.live, name="live"),
    path("subscriptions/endpoints/", views.endpoints, name="endpoints"),
    path("subscriptions/endpoints/<int:pk>/rotate/", views.endpoint_rotate, name="endpoint_rotate"),
    path("subscriptions/endpoints/<int:pk>/delete/", views.endpoint_delete, name="endpoint_delete"),
    path("subscriptions/<int:pk>/edit/", views.subscription_edit, name="edit"),
    path("subscriptions/<int:pk>/delete/", views.subscription_delete, name="delete"),
    path("subscriptions/<int:pk>/deliveries/", views.delivery_log, name="deliveries"),
    path("subscriptions/<int:pk>/redeliver-dead/", views.redeliver_dead, name="redeliver_dead"),
    path("subscriptions/deliveries/<uuid:uid>/redeliver/", views.redeliver, name="redeliver"),
]
