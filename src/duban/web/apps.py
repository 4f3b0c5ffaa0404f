from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "duban.web"
    label = "web"
    verbose_name = "工作台"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from duban.web.middleware import mark_session_renewed

        user_logged_in.connect(mark_session_renewed, dispatch_uid="duban.web.session_renewed")
