from django.apps import AppConfig


class CommitmentsConfig(AppConfig):
    name = "bureau.commitments"
    label = "commitments"
    verbose_name = "Commitments"

    def ready(self) -> None:
        import bureau.commitments.date_alerts
        import bureau.commitments.listeners  # noqa: F401 - listens at the seam
        from bureau.commitments.demo import load_demo
        from bureau.demo import parts

        parts.register("commitments", load_demo)
