from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from kohtaamo.health import health
from widget.attachment_views import attachment_file

urlpatterns = [
    path("health", health, name="health"),
    path("", include("widget.urls")),
    path("staff/", include("accounts.urls")),
    path("console/", include("console.urls")),
    path("brain/", include("bot.editor_urls")),
    path("surveys/", include("surveys.urls")),
    path("s/", include("surveys.public_urls")),
    path("stats/", include("stats.urls")),
    path("admin/", admin.site.urls),
    path("api/", include("bot.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    # Issue 14: an attachment's file, by a signed link that expires (media.links).
    path("media/<str:token>/", attachment_file, name="attachment_file"),
]
