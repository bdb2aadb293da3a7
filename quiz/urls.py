from __future__ import annotations

from django.urls import path

from quiz.views import account, data, pages, progress, quizzes, study

app_name = "quiz"

urlpatterns = [
    path("", pages.home, name="home"),
    path("learn/", pages.learn, name="learn"),
    path("learn/<slug:slug>/", pages.topic, name="topic"),
    path("study/", study.study, name="study"),
    path("study/reveal/", study.reveal, name="study-reveal"),
    path("study/answer/", study.answer, name="study-answer"),
    path("study/grade/", study.grade, name="study-grade"),
    path("study/undo/", study.undo, name="study-undo"),
    path("study/more/", study.more_new, name="study-more"),
    path("study/settings/", study.study_settings, name="study-settings"),
    path("study/settings/retention/", study.apply_retention, name="study-settings-retention"),
    path("study/missed/<int:missed>/", study.study, name="study-missed"),
    path("study/<slug:topic>/", study.study, name="study-topic"),
    path("quiz/", quizzes.quiz_start, name="quiz"),
    path("quiz/attempt/<int:pk>/", quizzes.quiz_attempt, name="quiz-attempt"),
    path("quiz/attempt/<int:pk>/answer/", quizzes.quiz_answer, name="quiz-answer"),
    path("quiz/<slug:topic>/", quizzes.quiz_start, name="quiz-topic"),
    path("progress/", progress.progress, name="progress"),
    path("account/", account.account, name="account"),
    path("account/signup/", account.signup, name="signup"),
    path("account/signin/", account.signin, name="signin"),
    path("account/signout/", account.signout, name="signout"),
    path("account/signout/everywhere/", account.signout_everywhere, name="signout-everywhere"),
    path("account/details/", account.account_details, name="account-details"),
    path("account/password/", account.password_change, name="password-change"),
    path("account/password/reset/", account.password_reset, name="password-reset"),
    path("account/password/reset/sent/", account.password_reset_sent, name="password-reset-sent"),
    path("account/password/reset/<uidb64>/<token>/", account.password_reset_confirm, name="password-reset-confirm"),
    path("account/password/reset/done/", account.password_reset_complete, name="password-reset-complete"),
    path("account/delete/", account.delete, name="account-delete"),
    path("account/export/", data.export_json, name="export"),
    path("account/export/reviews.csv", data.export_csv, name="export-csv"),
    path("account/anki/", data.anki, name="anki"),
    path("account/reset-progress/", data.reset_progress, name="reset-progress"),
    path("privacy/", pages.privacy, name="privacy"),
]
