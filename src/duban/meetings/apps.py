from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "duban.meetings"
    label = "meetings"
    verbose_name = "办会"
    default_auto_field = "django.db.models.BigAutoField"
