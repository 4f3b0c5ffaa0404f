from django.apps import AppConfig


class SuperviseConfig(AppConfig):
    name = "duban.supervise"
    label = "supervise"
    verbose_name = "督查"

    def ready(self) -> None:
        # work reads the key cycle through a source it owns (work must not import
        # supervise); the county's settings row is that source.
        from duban.supervise.keys import county_key_cycle
        from duban.work.keys import use_key_cycle_source

        use_key_cycle_source(county_key_cycle)
