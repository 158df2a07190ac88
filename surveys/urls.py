"""The staff's survey pages (surveys.views), under /surveys/."""

from django.urls import path

from surveys import views

app_name = "surveys"
urlpatterns = [
    path("", views.survey_list, name="list"),
    path("new/", views.survey_create, name="create"),
    path("<int:survey_id>/", views.survey_detail, name="detail"),
    path("<int:survey_id>/edit/", views.survey_edit, name="edit"),
    path("<int:survey_id>/preview/", views.survey_preview, name="preview"),
    path("<int:survey_id>/open/", views.survey_open, name="open"),
    path("<int:survey_id>/close/", views.survey_close, name="close"),
    path("<int:survey_id>/duplicate/", views.survey_duplicate, name="duplicate"),
    path("<int:survey_id>/results/", views.survey_results_page, name="results"),
    path("<int:survey_id>/results.csv", views.survey_results_csv, name="results_csv"),
]
