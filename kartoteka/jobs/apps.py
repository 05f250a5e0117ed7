from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "kartoteka.jobs"
    label = "jobs"
    verbose_name = _("Background jobs")

    def ready(self) -> None:
        from kartoteka.core import navigation
        from kartoteka.jobs.models import Job
        from kartoteka.users import access

        # A job belongs to whoever started it; administrators see all of them.
        access.register(
            access.EntityPolicy(key="job", label=_("Background jobs"), model=Job, owner_field="created_by", team_field=None)
        )
        navigation.register(
            navigation.Section(
                key="jobs",
                label=_("Jobs"),
                url_name="jobs:list",
                order=900,
                group="more",
                allowed=lambda user: access.can_use(user, ["job"]),
            )
        )
