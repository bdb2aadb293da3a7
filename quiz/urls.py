from __future__ import annotations

from django.urls import path

from quiz import views

app_name = "quiz"

urlpatterns = [
    path("", views.home, name="home"),
    path("learn/", views.learn, name="learn"),
    path("learn/<slug:slug>/", views.topic, name="topic"),
]
