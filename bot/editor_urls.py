from django.urls import path

from bot import views

app_name = "brain"
# Fixed paths before "<slug>/", and each of them in bot.actions.RESERVED_SLUGS.
urlpatterns = [
    path("", views.topic_list, name="list"),
    path("new/", views.topic_create, name="create"),
    path("preview/", views.answer_preview, name="preview"),
    path("try/", views.try_bot, name="try"),
    path("signals/", views.crisis_signals, name="signals"),
    path("words/", views.known_words, name="words"),
    path("unanswered/", views.unanswered_list, name="unanswered"),
    path("unanswered/<int:pk>/add/", views.unanswered_add, name="unanswered-add"),
    path("unanswered/<int:pk>/dismiss/", views.unanswered_dismiss, name="unanswered-dismiss"),
    path("<slug:slug>/", views.topic_edit, name="edit"),
    path("<slug:slug>/publish/", views.topic_publish, name="publish"),
    path("<slug:slug>/discard/", views.topic_discard, name="discard"),
    path("<slug:slug>/archive/", views.topic_archive, name="archive"),
    path("<slug:slug>/restore/", views.topic_restore, name="restore"),
    path("<slug:slug>/history/", views.topic_history, name="history"),
    path("<slug:slug>/history/<int:pk>/revert/", views.topic_revert, name="revert"),
]
