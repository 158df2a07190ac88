from django.urls import path

from bot import api

app_name = "bot"

urlpatterns = [
    path("bot/ask", api.ask, name="ask"),
    path("bot/status", api.status, name="status"),
    path("schema", api.openapi_schema, name="schema"),
]
