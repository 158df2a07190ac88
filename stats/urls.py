from django.urls import path

from stats import views

app_name = "stats"
urlpatterns = [
    path("reach/", views.reach_page, name="reach"),
    path("reach/export/", views.reach_export, name="reach_export"),
    path("population/", views.population, name="population"),
]
