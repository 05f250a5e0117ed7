from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "kartoteka.search"
    label = "search"
    verbose_name = _("Search")

    def ready(self) -> None:
        # The index follows the services' events; clients and contacts register as global search kinds.
        from kartoteka.search import handlers, kinds  # noqa: F401  (they register themselves)
