"""Every page of the workspace. Views live in web/views/, one module per area."""

from django.contrib.auth import views as auth_views
from django.urls import path, register_converter

from duban.web.fields import IdConverter
from duban.web.views import (
    dashboard,
    directives,
    extract,
    files,
    homes,
    ledger,
    notifications,
    supervision,
    tasks,
    units,
    workbench,
)
from duban.web.views.auth import SignInView, home, password_change

# Ids in paths: at most 18 digits, so a lookup never overflows a 64-bit column (issue 17).
register_converter(IdConverter, "id")

urlpatterns = [
    path("", home, name="home"),
    path("login/", SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", password_change, name="password_change"),
    # supervisor
    path("workbench/", workbench.workbench, name="workbench"),
    path("directives/new/", directives.new, name="directive_new"),
    path("directives/extract/", extract.draft, name="directive_extract"),
    path("directives/<id:pk>/", directives.detail, name="directive_detail"),
    path("directives/<id:pk>/assign/", directives.assign, name="directive_assign"),
    path("directives/<id:pk>/report-back/", directives.report_back, name="directive_report_back"),
    path("directives/<id:pk>/withdraw/", directives.withdraw, name="directive_withdraw"),
    path("units/search/", units.search, name="unit_search"),
    # one task, and the actions on it (POST only)
    path("tasks/<id:pk>/", tasks.detail, name="task_detail"),
    path("tasks/<id:pk>/receive/", tasks.receive, name="task_receive"),
    path("tasks/<id:pk>/return/", tasks.return_, name="task_return"),
    path("tasks/<id:pk>/report/", tasks.report, name="task_report"),
    path("tasks/<id:pk>/extend/", tasks.extend, name="task_extend"),
    path("tasks/<id:pk>/urge/", tasks.urge, name="task_urge"),
    path("tasks/<id:pk>/submit/", tasks.submit, name="task_submit"),
    path("tasks/<id:pk>/verify/", tasks.verify, name="task_verify"),
    path("tasks/<id:pk>/close/", tasks.close, name="task_close"),
    path("tasks/<id:pk>/withdraw/", tasks.withdraw, name="task_withdraw"),
    path("tasks/<id:pk>/reassign/", tasks.reassign, name="task_reassign"),
    path("tasks/<id:pk>/comment/", tasks.comment, name="task_comment"),
    path("extensions/<id:pk>/decide/", tasks.decide_extension, name="extension_decide"),
    path("attachments/<id:pk>/", tasks.attachment, name="attachment"),
    # homes by role
    path("unit/", homes.unit_home, name="unit_home"),
    path("leader/", homes.leader_home, name="leader_home"),
    # ledger and statistics
    path("ledger/", ledger.ledger, name="ledger"),
    path("ledger/filters/", ledger.save_filter, name="ledger_filter_save"),
    path("ledger/filters/<id:pk>/delete/", ledger.delete_filter, name="ledger_filter_delete"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    # supervision (督查): web/views/supervision.py
    path("supervise/", supervision.home, name="supervise"),
    path("supervise/today/", supervision.today, name="supervise_today"),
    path("supervise/lines/", supervision.line_list, name="supervise_lines"),
    path("supervise/lines/<id:pk>/", supervision.line_detail, name="supervise_line"),
    path("supervise/key/", supervision.key_items, name="supervise_key"),
    path("supervise/key/mark/", supervision.key_mark, name="supervise_key_mark"),
    path("supervise/key/<id:pk>/unmark/", supervision.key_unmark, name="supervise_key_unmark"),
    path("supervise/spotchecks/", supervision.spot_checks, name="supervise_spot_checks"),
    path("supervise/spotchecks/new/", supervision.spot_check_new, name="supervise_spot_check_new"),
    path("supervise/spotchecks/<id:pk>/", supervision.spot_check, name="supervise_spot_check"),
    path(
        "supervise/spotchecks/<id:pk>/close/",
        supervision.spot_check_close,
        name="supervise_spot_check_close",
    ),
    path(
        "supervise/spotchecks/items/<id:pk>/finding/",
        supervision.spot_check_finding,
        name="supervise_finding",
    ),
    path("supervise/scores/", supervision.score_board, name="supervise_scores"),
    path("supervise/scores/<id:pk>/", supervision.score_unit, name="supervise_score_unit"),
    path("supervise/scores/<id:pk>/appeal/", supervision.score_appeal, name="supervise_appeal"),
    path("supervise/appeals/", supervision.appeal_list, name="supervise_appeals"),
    path(
        "supervise/appeals/<id:pk>/decide/",
        supervision.appeal_decide,
        name="supervise_appeal_decide",
    ),
    path("supervise/settlement/", supervision.settlement, name="supervise_settlement"),
    path("supervise/campaigns/", supervision.campaigns, name="supervise_campaigns"),
    path("supervise/campaigns/new/", supervision.campaign_new, name="supervise_campaign_new"),
    path("supervise/campaigns/<id:pk>/", supervision.campaign, name="supervise_campaign"),
    path(
        "supervise/campaigns/<id:pk>/visit/",
        supervision.campaign_visit,
        name="supervise_campaign_visit",
    ),
    path(
        "supervise/campaigns/<id:pk>/close/",
        supervision.campaign_close,
        name="supervise_campaign_close",
    ),
    # files in and out (web/views/files.py)
    path("ledger/export/", files.ledger_export, name="ledger_export"),
    path("ledger/import/", files.ledger_import, name="ledger_import"),
    path("ledger/import/confirm/", files.ledger_import_confirm, name="ledger_import_confirm"),
    path("documents/", files.documents, name="documents"),
    path("documents/bulletin/", files.bulletin_download, name="bulletin_download"),
    path("directives/<id:pk>/report/", files.report_download, name="directive_report"),
    # notifications
    path("notifications/", notifications.inbox, name="notifications"),
    path("notifications/<id:pk>/read/", notifications.read, name="notification_read"),
    path("notifications/read-all/", notifications.read_all, name="notifications_read_all"),
]
