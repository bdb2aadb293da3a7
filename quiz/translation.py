"""Fields that modeltranslation stores once per language."""

from __future__ import annotations

from modeltranslation.translator import TranslationOptions, register

from quiz.models import Choice, Fact, Question, Source, Topic


@register(Source)
class SourceTranslation(TranslationOptions):
    fields = ("title", "expert_credentials")


@register(Topic)
class TopicTranslation(TranslationOptions):
    fields = ("name", "description")


@register(Fact)
class FactTranslation(TranslationOptions):
    fields = ("statement", "explanation")


@register(Question)
class QuestionTranslation(TranslationOptions):
    fields = ("prompt", "answer", "explanation")


@register(Choice)
class ChoiceTranslation(TranslationOptions):
    fields = ("text",)
