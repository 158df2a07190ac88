"""The public answering pages (surveys.public), under /s/: anybody with the link."""

from django.urls import path

from surveys import public

app_name = "survey_public"
urlpatterns = [
    path("<str:slug>/", public.answer, name="answer"),
    path("<str:slug>/thanks/", public.thanks, name="thanks"),
]
