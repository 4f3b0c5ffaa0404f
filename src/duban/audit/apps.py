from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "duban.audit"
    label = "audit"
    verbose_name = "审计"

    def ready(self) -> None:
        from duban.audit import signals  # noqa: F401  (connects the login receivers)
