from django.urls import path

from console import (
    attachment_views,
    audit_views,
    desk_members_views,
    desk_views,
    feedback_views,
    history_views,
    records_views,
    report_views,
    shift_views,
    views,
)

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
    path("records/", records_views.record_list, name="records"),
    path("records/new/", records_views.record_new, name="record_new"),
    path("records/<int:record_id>/", records_views.record_form, name="record"),
    path(
        "records/conversation/<int:conversation_id>/",
        records_views.record_for_conversation,
        name="record_for_conversation",
    ),
    path("categories/", records_views.categories, name="categories"),
    path("categories/<int:category_id>/", records_views.category_change, name="category_change"),
    path("audit/", audit_views.audit_log, name="audit"),
    path("desks/", desk_views.desk_list, name="desks"),
    path("desks/<int:desk_id>/hours/", desk_views.desk_hours, name="desk_hours"),
    path("feedback/", feedback_views.feedback_page, name="feedback"),
    path("desks/<int:desk_id>/members/", desk_members_views.desk_members, name="desk_members"),
    path("reports/", report_views.report_page, name="reports"),
    path("reports/csv/", report_views.report_csv, name="report_csv"),
    path("shifts/", shift_views.my_shifts, name="shifts"),
    path("shifts/plan/", shift_views.plan_shifts, name="plan_shifts"),
    path("shifts/<int:shift_id>/remove/", shift_views.remove_shift, name="remove_shift"),
    path("reports/xlsx/", report_views.report_xlsx, name="report_xlsx"),
    # Issue 14: a staff member's file upload.
    path("upload/", attachment_views.staff_upload, name="upload"),
]
