from django.urls import path

from bureau.delivery import email
from bureau.delivery.feeds import SubscriptionFeed

app_name = "delivery"
urlpatterns = [
    path("feeds/subscriptions/<str:feed_token>/", SubscriptionFeed(), name="subscription_feed"),
    path("unsubscribe/<str:token>/", email.unsubscribe_view, name="unsubscribe"),
]
