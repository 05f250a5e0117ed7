from django.contrib import admin
from django.urls import include, path

from kartoteka.activities.views.myday import my_day_page
from kartoteka.api import mount as mount_api
from kartoteka.core import views as core_views
from kartoteka.marketing.views.public import public_form

urlpatterns = [
    # A manager's day starts with My day (DESIGN §11); the team overview moved beside it.
    path("", my_day_page, name="home"),
    path("overview/", core_views.home, name="overview"),
    path("healthz", core_views.healthz, name="healthz"),
    path("language/", core_views.set_language, name="set_language"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("api/", mount_api().urls),
    path("jobs/", include("kartoteka.jobs.urls")),
    path("clients/", include("kartoteka.clients.urls")),
    path("search/", include("kartoteka.search.urls")),
    path("contacts/", include("kartoteka.contacts.urls")),
    path("attachments/", include("kartoteka.attachments.urls")),
    path("work/", include("kartoteka.activities.urls")),
    path("deals/", include("kartoteka.deals.urls")),
    path("marketing/", include("kartoteka.marketing.urls")),
    # A web form's public address: short, because it is pasted into other sites.
    path("f/<str:key>/", public_form, name="lead_form"),
    path("notifications/", include("kartoteka.notifications.urls")),
    path("", include("kartoteka.users.urls")),
]
