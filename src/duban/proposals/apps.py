from django.apps import AppConfig


class ProposalsConfig(AppConfig):
    name = "duban.proposals"
    label = "proposals"
    verbose_name = "建议提案"
    default_auto_field = "django.db.models.BigAutoField"
