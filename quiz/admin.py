"""Admin for content editors: tabbed translation forms, validated with the
same rules as `check_content` (quiz/content_rules.py)."""

from __future__ import annotations

from collections.abc import Iterable

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TabbedTranslationAdmin, TranslationTabularInline
from modeltranslation.utils import build_localized_fieldname

from quiz import content_rules
from quiz.models import Choice, Fact, Question, Source, Topic, translated_fields

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]


class AllLanguagesRequiredForm(forms.ModelForm):
    """Every translated field must be filled in every language before saving."""

    def required_translations(self) -> tuple[str, ...]:
        return self.instance.required_translations()

    def clean(self) -> dict:
        super().clean()
        cleaned = self.cleaned_data
        for field in self.required_translations():
            for code in LANGUAGE_CODES:
                name = build_localized_fieldname(field, code)
                if name in self.fields and not (cleaned.get(name) or "").strip():
                    self.add_error(name, gettext("This translation is required."))
        return cleaned


def completeness(missing: list[str]) -> str:
    if not missing:
        return f"{len(LANGUAGE_CODES)}/{len(LANGUAGE_CODES)}"
    return format_html(
        '<span class="errornote-inline">{}</span>',
        gettext("Missing: %(languages)s") % {"languages": ", ".join(missing)},
    )


def missing_translation_q(fields: Iterable[str]) -> Q:
    query = Q()
    for field in fields:
        for code in LANGUAGE_CODES:
            name = build_localized_fieldname(field, code)
            query |= Q(**{name: ""}) | Q(**{f"{name}__isnull": True})
    return query


class MissingTranslationFilter(admin.SimpleListFilter):
    title = _("translation")
    parameter_name = "translation"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("missing", gettext("Missing a language")), ("complete", gettext("All languages"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        model = queryset.model
        fields = translated_fields(model)
        if model is not Question:
            query = missing_translation_q(fields)
        else:
            # A flashcard's answer, and the text of a question's choices, count too.
            query = missing_translation_q(f for f in fields if f not in Question.FLASHCARD_ONLY)
            query |= missing_translation_q(Question.FLASHCARD_ONLY) & Q(kind=Question.Kind.FLASHCARD)
            query |= Q(
                Exists(Choice.objects.filter(missing_translation_q(translated_fields(Choice)), question=OuterRef("pk")))
            )
        if self.value() == "missing":
            return queryset.filter(query).distinct()
        if self.value() == "complete":
            return queryset.exclude(pk__in=model.objects.filter(query).values("pk"))
        return queryset


def search_fields_for(model: type[Model]) -> list[str]:
    """Every language's column of every translated field of `model`."""
    return [build_localized_fieldname(field, code) for field in translated_fields(model) for code in LANGUAGE_CODES]


@admin.register(Source)
class SourceAdmin(TabbedTranslationAdmin):
    form = AllLanguagesRequiredForm
    list_display = ["title", "author", "expert_name", "translations"]
    search_fields = ["key", "author", "expert_name", *search_fields_for(Source)]
    list_filter = [MissingTranslationFilter]

    @admin.display(description=_("translations"))
    def translations(self, obj: Source) -> str:
        return completeness(obj.missing_languages())


@admin.register(Topic)
class TopicAdmin(TabbedTranslationAdmin):
    form = AllLanguagesRequiredForm
    list_display = ["name", "slug", "position", "translations"]
    list_editable = ["position"]
    search_fields = ["slug", *search_fields_for(Topic)]
    list_filter = [MissingTranslationFilter]
    prepopulated_fields = {"slug": ["name_en"]}

    @admin.display(description=_("translations"))
    def translations(self, obj: Topic) -> str:
        return completeness(obj.missing_languages())


class FactForm(AllLanguagesRequiredForm):
    def clean(self) -> dict:
        cleaned = super().clean()
        instance = self.instance
        if (
            instance.pk
            and cleaned.get("is_published") is False
            and instance.questions.filter(is_published=True).exists()
        ):
            for problem in content_rules.publication_problems(question_published=True, fact_published=False):
                self.add_error("is_published", problem)
        reviewed, next_review = cleaned.get("reviewed_on"), cleaned.get("next_review_on")
        if reviewed and next_review and next_review < reviewed:
            self.add_error("next_review_on", gettext("The next review cannot come before the last one."))
        return cleaned


class QuestionLinkInline(admin.TabularInline):
    """A fact's questions, listed with links; they are edited on their own page
    because each question has its own inline choices."""

    model = Question
    fields = readonly_fields = ("key", "kind", "prompt", "is_published")
    show_change_link = True
    extra = 0
    can_delete = False
    verbose_name_plural = _("questions testing this fact")

    def has_add_permission(self, request: HttpRequest, obj: Fact | None = None) -> bool:
        return False


@admin.register(Fact)
class FactAdmin(TabbedTranslationAdmin):
    form = FactForm
    inlines = [QuestionLinkInline]
    list_display = [
        "statement",
        "topic",
        "paragraph",
        "is_warning_sign",
        "is_published",
        "next_review_on",
        "translations",
    ]
    list_filter = ["topic", "is_published", "is_warning_sign", MissingTranslationFilter]
    list_select_related = ["topic"]
    search_fields = ["key", *search_fields_for(Fact)]
    actions = ["publish", "unpublish"]

    @admin.display(description=_("translations"))
    def translations(self, obj: Fact) -> str:
        return completeness(obj.missing_languages())

    @admin.action(description=_("Publish selected facts"), permissions=["change"])
    def publish(self, request: HttpRequest, queryset: QuerySet[Fact]) -> None:
        count = queryset.update(is_published=True)
        self.message_user(request, ngettext("%d fact published.", "%d facts published.", count) % count)

    @admin.action(description=_("Unpublish selected facts and their questions"), permissions=["change"])
    def unpublish(self, request: HttpRequest, queryset: QuerySet[Fact]) -> None:
        # A published question may not test an unpublished fact, so its questions go too.
        Question.objects.filter(fact__in=queryset).update(is_published=False)
        count = queryset.update(is_published=False)
        self.message_user(request, ngettext("%d fact unpublished.", "%d facts unpublished.", count) % count)


class QuestionForm(AllLanguagesRequiredForm):
    def required_translations(self) -> tuple[str, ...]:
        # As the question will be: the kind being saved decides whether an answer is needed.
        return Question(kind=self.cleaned_data.get("kind") or "").required_translations()

    def clean(self) -> dict:
        cleaned = super().clean()
        fact = cleaned.get("fact")
        if fact is not None:
            for problem in content_rules.publication_problems(
                question_published=bool(cleaned.get("is_published")), fact_published=fact.is_published
            ):
                self.add_error("is_published", problem)
        return cleaned


class ChoiceFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        corrects = [
            bool(form.cleaned_data.get("is_correct"))
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        problems = content_rules.choice_problems(self.instance.kind, corrects)
        if problems:
            raise forms.ValidationError(problems)


class ChoiceForm(AllLanguagesRequiredForm):
    pass


class ChoiceInline(TranslationTabularInline):
    model = Choice
    form = ChoiceForm
    formset = ChoiceFormSet
    fields = ["text", "is_correct", "position"]
    extra = 0


@admin.register(Question)
class QuestionAdmin(TabbedTranslationAdmin):
    form = QuestionForm
    inlines = [ChoiceInline]
    list_display = ["prompt", "kind", "fact_link", "topic", "is_published", "translations"]
    list_filter = ["kind", "is_published", "fact__topic", "fact__is_warning_sign", MissingTranslationFilter]
    list_select_related = ["fact", "fact__topic"]
    search_fields = ["key", *search_fields_for(Question)]
    autocomplete_fields = ["fact"]
    actions = ["publish", "unpublish"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Question]:
        return super().get_queryset(request).prefetch_related("choices")

    @admin.display(description=_("fact"), ordering="fact__key")
    def fact_link(self, obj: Question) -> str:
        return format_html('<a href="{}">{}</a>', reverse("admin:quiz_fact_change", args=[obj.fact_id]), obj.fact.key)

    @admin.display(description=_("topic"), ordering="fact__topic__position")
    def topic(self, obj: Question) -> str:
        return obj.fact.topic.name

    @admin.display(description=_("translations"))
    def translations(self, obj: Question) -> str:
        return completeness(obj.missing_languages())

    @admin.action(description=_("Publish selected questions"), permissions=["change"])
    def publish(self, request: HttpRequest, queryset: QuerySet[Question]) -> None:
        count = queryset.filter(fact__is_published=True).update(is_published=True)
        skipped = queryset.filter(fact__is_published=False).count()
        self.message_user(request, ngettext("%d question published.", "%d questions published.", count) % count)
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%d question left unpublished: its fact is not published.",
                    "%d questions left unpublished: their facts are not published.",
                    skipped,
                )
                % skipped,
                messages.WARNING,
            )

    @admin.action(description=_("Unpublish selected questions"), permissions=["change"])
    def unpublish(self, request: HttpRequest, queryset: QuerySet[Question]) -> None:
        count = queryset.update(is_published=False)
        self.message_user(request, ngettext("%d question unpublished.", "%d questions unpublished.", count) % count)
