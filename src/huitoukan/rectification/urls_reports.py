"""Pages of the rectification reports (views_reports.py): self-check vs census, rates, the
rectification ledger (整改台账) and notices. Included under /problems/ by urls.py."""

from django.urls import path

from . import views_reports as views

urlpatterns = [
    path("report/selfcheck/", views.selfcheck_report, name="report_selfcheck"),
    path("report/selfcheck.xlsx", views.selfcheck_export, name="report_selfcheck_export"),
    path("report/rates/", views.rates_report, name="report_rates"),
    path("ledger.xlsx", views.ledger_xlsx, name="ledger_xlsx"),
    path("notices/", views.notice_list, name="notice_list"),
    path("notices/read/", views.notices_read, name="notices_read"),
]
