from django.apps import AppConfig


class WorkConfig(AppConfig):
    name = "duban.work"
    label = "work"
    verbose_name = "督办事项"
