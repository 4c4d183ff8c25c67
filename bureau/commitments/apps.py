from django.apps import AppConfig


class CommitmentsConfig(AppConfig):
    name = "bureau.commitments"
    label = "commitments"
    verbose_name = "Commitments"

    def ready(self) -> None:
        from bureau.commitments.demo import load_demo
        from bureau.demo import parts

        parts.register("commitments", load_demo)
