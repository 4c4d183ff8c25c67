from django.apps import AppConfig


class CommitmentsConfig(AppConfig):
    name = "bureau.commitments"
    label = "commitments"
    verbose_name = "Commitments"

    def ready(self) -> None:
        import bureau.commitments.date_alerts
        import bureau.commitments.listeners  # noqa: F401 - listens at the seam
        from bureau.commitments import alert_text
        from bureau.delivery import described
        from bureau.demo import parts

        parts.register("commitments", "bureau.commitments.demo.load_demo")
        described.register(alert_text.ACTIONS, alert_text.DESCRIBER)
