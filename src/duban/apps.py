from django.apps import AppConfig


class DubanConfig(AppConfig):
    name = "duban"
    label = "duban"
    verbose_name = "督办"
