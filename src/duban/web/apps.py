from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "duban.web"
    label = "web"
    verbose_name = "工作台"

    def ready(self) -> None:
        from duban.web import gate  # noqa: F401  (stamps each new session at sign-in)
