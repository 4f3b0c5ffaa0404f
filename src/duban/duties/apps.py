from django.apps import AppConfig


class DutiesConfig(AppConfig):
    name = "duban.duties"
    label = "duties"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "办公室自身职责"
