from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class UsersConfig(AppConfig):
    name = "kartoteka.users"
    label = "users"
    verbose_name = _("Users and access")

    def ready(self) -> None:
        from kartoteka.core import navigation
        from kartoteka.users import access, access_rules  # noqa: F401  (access_rules registers the policies)

        # The company's people and its team structure: everyone looks them up, nobody works in them all day.
        navigation.register_group(navigation.Group(key="staff", label=pgettext_lazy("main navigation", "Staff"), order=800))
        sections = [
            navigation.Section(key="home", label=_("My day"), url_name="home", order=0, allowed=lambda user: True),
            navigation.Section(
                key="overview", label=_("Overview"), url_name="overview", order=790, group="more", allowed=lambda user: True
            ),
            navigation.Section(
                key="people",
                label=_("People"),
                url_name="users:people",
                order=800,
                group="staff",
                allowed=lambda user: access.can_use(user, ["user"]),
            ),
            navigation.Section(
                key="teams",
                label=_("Teams"),
                url_name="users:teams",
                order=810,
                group="staff",
                allowed=lambda user: access.can_use(user, ["team"]),
            ),
            navigation.Section(
                key="admin",
                label=_("Administration"),
                url_name="admin:index",
                order=1000,
                group="more",
                allowed=lambda user: access.is_administrator(user) and user.is_staff,
            ),
        ]
        for section in sections:
            navigation.register(section)
