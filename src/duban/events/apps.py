from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "duban.events"
    label = "events"
    verbose_name = "重大活动"
    default_auto_field = "django.db.models.BigAutoField"
