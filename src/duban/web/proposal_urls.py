"""建议提案 pages, under /proposals/ (included from web/urls.py)."""

from django.urls import path

from duban.web.views import proposals as v

urlpatterns = [
    path("", v.item_list, name="proposals"),
    path("new/", v.intake, name="proposal_intake"),
    path("sessions/new/", v.session_new, name="proposal_session_new"),
    path("register/", v.register, name="proposal_register"),
    path("import/", v.import_list, name="proposal_import"),
    path("report/", v.report_download, name="proposal_report"),
    path("ledger/", v.ledger_download, name="proposal_ledger"),
    path("public/", v.public_download, name="proposal_public"),
    path("<id:pk>/", v.detail, name="proposal_detail"),
    path("<id:pk>/assign/", v.assign, name="proposal_assign"),
    path("<id:pk>/adjust/", v.adjust, name="proposal_adjust"),
    path("<id:pk>/contact/", v.contact, name="proposal_contact"),
    path("<id:pk>/opinion/", v.opinion, name="proposal_opinion"),
    path("<id:pk>/reply/", v.draft, name="proposal_draft"),
    path("<id:pk>/satisfaction/", v.satisfaction, name="proposal_satisfaction"),
    path("adjustments/<id:pk>/decide/", v.decide_adjustment, name="proposal_adjust_decide"),
    path("replies/<id:pk>/sign/", v.sign, name="proposal_sign"),
    path("replies/<id:pk>/review/", v.review, name="proposal_review"),
    path("replies/<id:pk>/send/", v.send, name="proposal_send"),
]
