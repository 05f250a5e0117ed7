"""Tasks and tails, under ``/work/`` in the ``activities`` namespace.

Stable names other screens post to: ``task_complete``, ``task_reschedule``, ``task_cancel`` (fields in
the views' docstrings, :mod:`kartoteka.activities.views.tasks`); notifications link to ``task``.
"""

from django.urls import path

from kartoteka.activities.views import tails, tasks

urlpatterns = [
    path("tasks/", tasks.task_list, name="tasks"),
    path("tasks/new/", tasks.task_new, name="task_new"),
    path("tasks/people/", tasks.task_people, name="task_people"),
    path("tasks/clients/", tasks.task_clients, name="task_clients"),
    path("tasks/contacts/", tasks.task_contacts, name="task_contacts"),
    path("tasks/<int:pk>/", tasks.task_detail, name="task"),
    path("tasks/<int:pk>/edit/", tasks.task_edit, name="task_edit"),
    path("tasks/<int:pk>/complete/", tasks.task_complete, name="task_complete"),
    path("tasks/<int:pk>/reschedule/", tasks.task_reschedule, name="task_reschedule"),
    path("tasks/<int:pk>/cancel/", tasks.task_cancel, name="task_cancel"),
    path("tasks/<int:pk>/reopen/", tasks.task_reopen, name="task_reopen"),
    path("tasks/<int:pk>/delete/", tasks.task_delete, name="task_delete"),
    path("tails/", tails.tails_report, name="tails"),
    path("tails/<int:pk>/reassign/", tails.tail_reassign, name="tail_reassign"),
]
