from __future__ import annotations

from django.urls import path

from quiz.views import account, data, pages, progress, quizzes, second_factor, study

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
    path("account/signin/code/", second_factor.signin_code, name="signin-code"),
    path("account/signout/", account.signout, name="signout"),
    path("account/merge/", account.merge, name="account-merge"),
    path("account/details/", account.account_details, name="account-details"),
    path("account/email/", account.email_change, name="email-change"),
    path("account/email/confirm/<str:token>/", account.email_change_confirm, name="email-change-confirm"),
    path("account/password/", account.password_change, name="password-change"),
    path("account/password/reset/", account.password_reset, name="password-reset"),
    path("account/password/reset/sent/", account.password_reset_sent, name="password-reset-sent"),
    path("account/password/reset/<uidb64>/<token>/", account.password_reset_confirm, name="password-reset-confirm"),
    path("account/password/reset/done/", account.password_reset_complete, name="password-reset-complete"),
    path("account/two-step/", second_factor.two_step, name="two-step"),
    path("account/two-step/start/", second_factor.two_step_start, name="two-step-start"),
    path("account/two-step/setup/", second_factor.two_step_setup, name="two-step-setup"),
    path("account/two-step/codes/", second_factor.two_step_codes, name="two-step-codes"),
    path("account/two-step/codes/new/", second_factor.recovery_codes, name="two-step-recovery-codes"),
    path("account/two-step/off/", second_factor.two_step_off, name="two-step-off"),
    path("account/delete/", account.delete, name="account-delete"),
    path("account/export/", data.export_json, name="export"),
    path("account/export/reviews.csv", data.export_csv, name="export-csv"),
    path("account/anki/", data.anki, name="anki"),
    path("account/reset-progress/", data.reset_progress, name="reset-progress"),
    path("privacy/", pages.privacy, name="privacy"),
]
