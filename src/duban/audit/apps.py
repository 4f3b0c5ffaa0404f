from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "duban.audit"
    label = "audit"
    verbose_name = "审计"

    def ready(self) -> None:
        from duban.audit import checks, signals  # noqa: F401  (login receivers; checks)
