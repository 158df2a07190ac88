from django.urls import path

from console import history_views, report_views, views

app_name = "console"
urlpatterns = [
    path("", views.home, name="home"),
    path("keepalive/", views.keepalive, name="keepalive"),
    path("canned/", views.canned_list, name="canned"),
    path("canned/new/", views.canned_create, name="canned_create"),
    path("canned/<int:reply_id>/", views.canned_edit, name="canned_edit"),
    path("canned/<int:reply_id>/delete/", views.canned_delete, name="canned_delete"),
    path("history/", history_views.history_search, name="history"),
    path("history/<int:conversation_id>/", history_views.history_conversation, name="history_conversation"),
    path("reports/", report_views.report_page, name="reports"),
    path("reports/csv/", report_views.report_csv, name="report_csv"),
    path("reports/xlsx/", report_views.report_xlsx, name="report_xlsx"),
]
