from django.urls import path

from widget import views

app_name = "widget"
urlpatterns = [
    path("", views.client_page, name="client"),
    path("embed/", views.embed_page, name="embed"),
    path("widget-test/", views.widget_test_page, name="widget_test"),
    path("privacy/", views.privacy_page, name="privacy"),
    path("accessibility/", views.accessibility_page, name="accessibility"),
]
