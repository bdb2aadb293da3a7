from __future__ import annotations

from django.urls import path

from quiz.views import account, pages, progress, quizzes, study

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
]
