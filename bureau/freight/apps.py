from django.apps import AppConfig


class FreightConfig(AppConfig):
    name = "bureau.freight"
    label = "freight"
    verbose_name = "Freight routes"

    def ready(self) -> None:
        from bureau.demo import parts

        parts.register("freight", "bureau.freight.demo.load_demo")
