from django.apps import AppConfig


class TradeConfig(AppConfig):
    name = "bureau.trade"
    label = "trade"
    verbose_name = "Trade statistics"
