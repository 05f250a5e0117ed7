"""The calendar and its iCalendar feeds, under ``/work/`` in the ``activities`` namespace.

``calendar_move`` (POST ``date``, ``time``) is what the calendar's drag and drop posts to;
``calendar_feed`` is the secret address calendar apps subscribe to (no session: the token is the key).
"""

from django.urls import path

from kartoteka.activities.views import calendar

urlpatterns = [
    path("calendar/", calendar.calendar_page, name="calendar"),
    path("calendar/move/<int:pk>/", calendar.calendar_move, name="calendar_move"),
    path("calendar/feeds/", calendar.calendar_feeds, name="calendar_feeds"),
    path("calendar/feeds/<int:pk>/revoke/", calendar.calendar_feed_revoke, name="calendar_feed_revoke"),
    path("calendar/feed/<str:token>.ics", calendar.calendar_feed, name="calendar_feed"),
]
