from django.apps import AppConfig


class SuperviseConfig(AppConfig):
    name = "duban.supervise"
    label = "supervise"
    verbose_name = "督查"
