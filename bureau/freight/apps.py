from django.apps import AppConfig


class FreightConfig(AppConfig):
    name = "bureau.freight"
    label = "freight"
    verbose_name = "Freight routes"

    def ready(self) -> None:
        from bureau.demo import parts
        from bureau.freight.demo import load_demo

        parts.register("freight", load_demo)
