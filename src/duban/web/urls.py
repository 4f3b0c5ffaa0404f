"""Every page of the workspace. Views live in web/views/, one module per area."""

from django.contrib.auth import views as auth_views
from django.urls import path

from duban.web.views import (
    batch,
    dashboard,
    directives,
    extract,
    files,
    homes,
    ledger,
    notifications,
    preview,
    supervision,
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
    path("tasks/batch/", batch.batch, name="task_batch"),
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
    path("attachments/<int:pk>/preview/", preview.preview, name="attachment_preview"),
    path("attachments/<int:pk>/inline/", preview.inline, name="attachment_inline"),
    # homes by role
    path("unit/", homes.unit_home, name="unit_home"),
    path("leader/", homes.leader_home, name="leader_home"),
    # ledger and statistics
    path("ledger/", ledger.ledger, name="ledger"),
    path("ledger/filters/", ledger.save_filter, name="ledger_filter_save"),
    path("ledger/filters/<int:pk>/delete/", ledger.delete_filter, name="ledger_filter_delete"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    # supervision (督查): web/views/supervision.py
    path("supervise/", supervision.home, name="supervise"),
    path("supervise/today/", supervision.today, name="supervise_today"),
    path("supervise/lines/", supervision.line_list, name="supervise_lines"),
    path("supervise/lines/<int:pk>/", supervision.line_detail, name="supervise_line"),
    path("supervise/key/", supervision.key_items, name="supervise_key"),
    path("supervise/key/mark/", supervision.key_mark, name="supervise_key_mark"),
    path("supervise/key/<int:pk>/unmark/", supervision.key_unmark, name="supervise_key_unmark"),
    path("supervise/spotchecks/", supervision.spot_checks, name="supervise_spot_checks"),
    path("supervise/spotchecks/new/", supervision.spot_check_new, name="supervise_spot_check_new"),
    path("supervise/spotchecks/<int:pk>/", supervision.spot_check, name="supervise_spot_check"),
    path(
        "supervise/spotchecks/<int:pk>/close/",
        supervision.spot_check_close,
        name="supervise_spot_check_close",
    ),
    path(
        "supervise/spotchecks/items/<int:pk>/finding/",
        supervision.spot_check_finding,
        name="supervise_finding",
    ),
    path("supervise/scores/", supervision.score_board, name="supervise_scores"),
    path("supervise/scores/<int:pk>/", supervision.score_unit, name="supervise_score_unit"),
    path("supervise/scores/<int:pk>/appeal/", supervision.score_appeal, name="supervise_appeal"),
    path("supervise/appeals/", supervision.appeal_list, name="supervise_appeals"),
    path(
        "supervise/appeals/<int:pk>/decide/",
        supervision.appeal_decide,
        name="supervise_appeal_decide",
    ),
    path("supervise/settlement/", supervision.settlement, name="supervise_settlement"),
    path("supervise/campaigns/", supervision.campaigns, name="supervise_campaigns"),
    path("supervise/campaigns/new/", supervision.campaign_new, name="supervise_campaign_new"),
    path("supervise/campaigns/<int:pk>/", supervision.campaign, name="supervise_campaign"),
    path(
        "supervise/campaigns/<int:pk>/visit/",
        supervision.campaign_visit,
        name="supervise_campaign_visit",
    ),
    path(
        "supervise/campaigns/<int:pk>/close/",
        supervision.campaign_close,
        name="supervise_campaign_close",
    ),
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
