"""Every page of the workspace. Views live in web/views/, one module per area."""

from django.contrib.auth import views as auth_views
from django.urls import path

from duban.web.views import (
    dashboard,
    directives,
    extract,
    files,
    homes,
    ledger,
    notifications,
    tasks,
    units,
    workbench,
)
from duban.web.views.auth import SignInView, home, password_change

urlpatterns = [
    path("", home, name="home"),
    path("login/", SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", password_change, name="password_change"),
    # supervisor
    path("workbench/", workbench.workbench, name="workbench"),
    path("directives/new/", directives.new, name="directive_new"),
    path("directives/extract/", extract.draft, name="directive_extract"),
    path("directives/<int:pk>/", directives.detail, name="directive_detail"),
    path("directives/<int:pk>/assign/", directives.assign, name="directive_assign"),
    path("directives/<int:pk>/report-back/", directives.report_back, name="directive_report_back"),
    path("directives/<int:pk>/withdraw/", directives.withdraw, name="directive_withdraw"),
    path("units/search/", units.search, name="unit_search"),
    # one task, and the actions on it (POST only)
    path("tasks/<int:pk>/", tasks.detail, name="task_detail"),
    path("tasks/<int:pk>/receive/", tasks.receive, name="task_receive"),
    path("tasks/<int:pk>/return/", tasks.return_, name="task_return"),
    path("tasks/<int:pk>/report/", tasks.report, name="task_report"),
    path("tasks/<int:pk>/extend/", tasks.extend, name="task_extend"),
    path("tasks/<int:pk>/urge/", tasks.urge, name="task_urge"),
    path("tasks/<int:pk>/submit/", tasks.submit, name="task_submit"),
    path("tasks/<int:pk>/verify/", tasks.verify, name="task_verify"),
    path("tasks/<int:pk>/close/", tasks.close, name="task_close"),
    path("tasks/<int:pk>/withdraw/", tasks.withdraw, name="task_withdraw"),
    path("tasks/<int:pk>/reassign/", tasks.reassign, name="task_reassign"),
    path("tasks/<int:pk>/comment/", tasks.comment, name="task_comment"),
    path("extensions/<int:pk>/decide/", tasks.decide_extension, name="extension_decide"),
    path("attachments/<int:pk>/", tasks.attachment, name="attachment"),
    # homes by role
    path("unit/", homes.unit_home, name="unit_home"),
    path("leader/", homes.leader_home, name="leader_home"),
    # ledger and statistics
    path("ledger/", ledger.ledger, name="ledger"),
    path("ledger/filters/", ledger.save_filter, name="ledger_filter_save"),
    path("ledger/filters/<int:pk>/delete/", ledger.delete_filter, name="ledger_filter_delete"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    # files in and out (web/views/files.py)
    path("ledger/export/", files.ledger_export, name="ledger_export"),
    path("ledger/import/", files.ledger_import, name="ledger_import"),
    path("ledger/import/confirm/", files.ledger_import_confirm, name="ledger_import_confirm"),
    path("documents/", files.documents, name="documents"),
    path("documents/bulletin/", files.bulletin_download, name="bulletin_download"),
    path("directives/<int:pk>/report/", files.report_download, name="directive_report"),
    # notifications
    path("notifications/", notifications.inbox, name="notifications"),
    path("notifications/<int:pk>/read/", notifications.read, name="notification_read"),
    path("notifications/read-all/", notifications.read_all, name="notifications_read_all"),
]
