"""Every page of the workspace. Views live in web/views/, one module per area."""

from django.contrib.auth import views as auth_views
from django.urls import path, register_converter

from duban.web.fields import IdConverter
from duban.web.views import (
    auditor,
    batch,
    channels,
    dashboard,
    directives,
    extract,
    files,
    homes,
    integrations,
    ledger,
    notifications,
    preferences,
    preview,
    secadmin,
    supervision,
    sysadmin,
    tasks,
    units,
    workbench,
)
from duban.web.views.auth import SignInView, home, mfa_setup, mfa_verify, password_change

# Ids in paths: at most 18 digits, so a lookup never overflows a 64-bit column (issue 17).
register_converter(IdConverter, "id")

urlpatterns = [
    path("", home, name="home"),
    path("login/", SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", password_change, name="password_change"),
    path("login/verify/", mfa_verify, name="mfa_verify"),
    path("account/two-factor/", mfa_setup, name="mfa_setup"),
    # 三员: the system administrator (web/views/sysadmin.py)
    path("sysadmin/", sysadmin.users, name="sysadmin_users"),
    path("sysadmin/users/new/", sysadmin.user_new, name="sysadmin_user_new"),
    path("sysadmin/users/<id:pk>/", sysadmin.user_detail, name="sysadmin_user"),
    path("sysadmin/users/<id:pk>/active/", sysadmin.user_active, name="sysadmin_user_active"),
    path("sysadmin/users/<id:pk>/reset/", sysadmin.user_reset, name="sysadmin_user_reset"),
    path("sysadmin/users/<id:pk>/unlock/", sysadmin.user_unlock, name="sysadmin_user_unlock"),
    path("sysadmin/units/", sysadmin.units, name="sysadmin_units"),
    path("sysadmin/units/<id:pk>/", sysadmin.unit_detail, name="sysadmin_unit"),
    path("sysadmin/units/<id:pk>/aliases/", sysadmin.alias_add, name="sysadmin_alias_add"),
    path("sysadmin/aliases/<id:pk>/delete/", sysadmin.alias_remove, name="sysadmin_alias_remove"),
    path("sysadmin/groups/", sysadmin.groups, name="sysadmin_groups"),
    path("sysadmin/groups/new/", sysadmin.group_edit, name="sysadmin_group_new"),
    path("sysadmin/groups/<id:pk>/", sysadmin.group_edit, name="sysadmin_group"),
    path("sysadmin/leaders/", sysadmin.leaders, name="sysadmin_leaders"),
    path("sysadmin/leaders/new/", sysadmin.leader_edit, name="sysadmin_leader_new"),
    path("sysadmin/leaders/<id:pk>/", sysadmin.leader_edit, name="sysadmin_leader"),
    path("sysadmin/org/", sysadmin.org_file, name="sysadmin_org"),
    path("sysadmin/org/export/", sysadmin.org_export, name="sysadmin_org_export"),
    # the security administrator (web/views/secadmin.py)
    path("secadmin/", secadmin.roles, name="secadmin_roles"),
    path("secadmin/users/<id:pk>/", secadmin.role_edit, name="secadmin_role"),
    path("secadmin/users/<id:pk>/two-factor/reset/", secadmin.mfa_reset, name="secadmin_mfa_reset"),
    path("secadmin/policy/", secadmin.policy, name="secadmin_policy"),
    path("secadmin/sessions/", secadmin.session_list, name="secadmin_sessions"),
    path("secadmin/sessions/end/", secadmin.session_end, name="secadmin_session_end"),
    # the auditor (web/views/auditor.py)
    path("audit/", auditor.log, name="audit_log"),
    path("audit/export/", auditor.export, name="audit_export"),
    path("audit/record/", auditor.record_check, name="audit_record"),
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
    path("tasks/batch/", batch.batch, name="task_batch"),
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
    path("attachments/<id:pk>/preview/", preview.preview, name="attachment_preview"),
    path("attachments/<id:pk>/inline/", preview.inline, name="attachment_inline"),
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
    # the system administrator's integrations (对接系统) and their API tokens
    path("integrations/", integrations.integrations, name="integrations"),
    path("integrations/<id:pk>/token/", integrations.issue, name="integration_token_issue"),
    path("integrations/<id:pk>/webhook/", integrations.webhook, name="integration_webhook"),
    path(
        "integrations/tokens/<id:pk>/revoke/", integrations.revoke, name="integration_token_revoke"
    ),
    path(
        "integrations/deliveries/<id:pk>/retry/",
        integrations.retry,
        name="integration_delivery_retry",
    ),
    # notifications
    path("notifications/", notifications.inbox, name="notifications"),
    path("notifications/<id:pk>/read/", notifications.read, name="notification_read"),
    path("notifications/read-all/", notifications.read_all, name="notifications_read_all"),
    path("notifications/settings/", preferences.preferences, name="notify_preferences"),
    # the system administrator's notification channels (web/views/channels.py)
    path("sysadmin/channels/", channels.channels, name="sysadmin_channels"),
    path("sysadmin/channels/retry/", channels.retry, name="sysadmin_channels_retry"),
    path("sysadmin/channels/<str:kind>/", channels.channel_save, name="sysadmin_channel_save"),
    path("sysadmin/channels/<str:kind>/test/", channels.channel_test, name="sysadmin_channel_test"),
]
