from django.apps import AppConfig


class TradeConfig(AppConfig):
    name = "bureau.trade"
    label = "trade"
    verbose_name = "Trade statistics"

    def ready(self) -> None:
        from bureau.demo import parts

        parts.register("trade", "bureau.trade.demo.load_demo")
