from django.urls import path

from widget import attachment_views, views

app_name = "widget"
urlpatterns = [
    path("", views.client_page, name="client"),
    path("embed/", views.embed_page, name="embed"),
    path("d/<slug:desk_slug>/", views.desk_link_page, name="desk_link"),
    path("widget-test/", views.widget_test_page, name="widget_test"),
    path("widget-test/school/", views.widget_test_school_page, name="widget_test_school"),
    path("privacy/", views.privacy_page, name="privacy"),
    path("accessibility/", views.accessibility_page, name="accessibility"),
    # Issue 14: a client's file upload.
    path("chat/upload/", attachment_views.client_upload, name="upload"),
]
