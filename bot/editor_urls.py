from django.urls import path

from bot import views

app_name = "brain"
urlpatterns = [
    path("", views.topic_list, name="list"),
    path("new/", views.topic_create, name="create"),
    path("try/", views.try_bot, name="try"),
    path("<slug:slug>/", views.topic_edit, name="edit"),
]
