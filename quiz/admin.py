"""Admin for content editors: tabbed translation forms, validated with the
same rules as `check_content` (quiz/content_rules.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import reversion
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone, translation
from django.utils.functional import lazy
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from modeltranslation.admin import TabbedTranslationAdmin, TranslationTabularInline
from modeltranslation.utils import build_localized_fieldname
from reversion.admin import VersionAdmin

from quiz import content_rules, fitting, security_events
from quiz.admin_site import StaffAdminSite
from quiz.models import Choice, Fact, ParameterSet, Question, Source, Topic, Translated, translated_fields
from quiz.security_events import Event, Outcome
from quiz.study import choices_prefetch

# Every staff account signs in to the admin with a second factor (quiz/admin_site.py).
admin.site.__class__ = StaffAdminSite
# Devices are set up on the account page and removed by `manage.py reset_second_factor`,
# not edited here: django-otp's device pages would show their secrets.
admin.site.unregister([TOTPDevice, StaticDevice])

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


class StaleTranslationFilter(admin.SimpleListFilter):
    """Items with a translation to review in one language (the English text changed)."""

    title = _("translation to review")
    parameter_name = "review"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [(code, str(name)) for code, name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        code = self.value()
        if code not in dict(settings.LANGUAGES):
            return queryset
        query = Q(needs_review__has_key=code)
        if queryset.model is Question:
            query |= Q(Exists(Choice.objects.filter(needs_review__has_key=code, question=OuterRef("pk"))))
        return queryset.filter(query)


def confirm_action(code: str) -> Callable[[admin.ModelAdmin, HttpRequest, QuerySet], None]:
    """An admin action: the `code` translation of the selected items is still right."""
    language = dict(settings.LANGUAGES)[code]

    def confirm(model_admin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
        with transaction.atomic(), reversion.create_revision():
            reversion.set_user(request.user)
            reversion.set_comment(f"confirmed {code}")
            count = 0
            for obj in queryset:
                if obj.confirm_translation(code):
                    count += 1
                    # Recorded in the history: who said the translation is still right, and when.
                    obj.save(update_fields=["needs_review"])
        model_admin.message_user(
            request,
            ngettext(
                "%(language)s: %(count)d item confirmed as still right.",
                "%(language)s: %(count)d items confirmed as still right.",
                count,
            )
            % {"count": count, "language": language},
        )

    confirm.__name__ = f"confirm_{code.replace('-', '_')}"
    description = lazy(
        lambda: gettext("Confirm the translation is still right: %(language)s") % {"language": language}, str
    )()
    return admin.action(description=description, permissions=["change"])(confirm)


# One action per language other than English.
CONFIRM_ACTIONS = [confirm_action(code) for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


class ContentAdmin(VersionAdmin, TabbedTranslationAdmin):
    """Shared by the content pages: the history of every change (with undo and
    recovery of deleted items), translation freshness, and no learner data."""

    history_latest_first = True

    @admin.display(description=_("to review"))
    def to_review(self, obj: Translated) -> str:
        return ", ".join(obj.stale_languages()) or "–"

    def has_learner_data(self, obj: Model) -> bool:
        return False

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: dict | None = None) -> HttpResponse:
        obj = self.get_object(request, object_id)
        if obj is not None and self.has_learner_data(obj):
            # The confirmation page would list learners' rows: refuse before it.
            self.message_user(request, refused_deletion_message(), messages.ERROR)
            return HttpResponseRedirect(reverse(f"admin:quiz_{obj._meta.model_name}_change", args=[obj.pk]))
        return super().delete_view(request, object_id, extra_context)

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> tuple[list, dict, set, list]:
        # The bulk delete action: never list learners' rows; refuse instead.
        if any(self.has_learner_data(obj) for obj in objs):
            return [], {}, set(), [refused_deletion_message()]
        return super().get_deleted_objects(objs, request)


def refused_deletion_message() -> str:
    return gettext("Learners have studied this content, so it cannot be deleted. Unpublish it instead.")


def search_fields_for(model: type[Model]) -> list[str]:
    """Every language's column of every translated field of `model`."""
    return [build_localized_fieldname(field, code) for field in translated_fields(model) for code in LANGUAGE_CODES]


@admin.register(Source)
class SourceAdmin(ContentAdmin):
    form = AllLanguagesRequiredForm
    actions = CONFIRM_ACTIONS
    list_display = ["title", "author", "expert_name", "translations", "to_review"]
    search_fields = ["key", "author", "expert_name", *search_fields_for(Source)]
    list_filter = [MissingTranslationFilter, StaleTranslationFilter]

    @admin.display(description=_("translations"))
    def translations(self, obj: Source) -> str:
        return completeness(obj.missing_languages())


@admin.register(Topic)
class TopicAdmin(ContentAdmin):
    form = AllLanguagesRequiredForm
    actions = CONFIRM_ACTIONS
    list_display = ["name", "slug", "position", "translations", "to_review"]
    list_editable = ["position"]
    search_fields = ["slug", *search_fields_for(Topic)]
    list_filter = [MissingTranslationFilter, StaleTranslationFilter]
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
class FactAdmin(ContentAdmin):
    form = FactForm
    inlines = [QuestionLinkInline]
    list_display = [
        "statement",
        "topic",
        "paragraph",
        "is_warning_sign",
        "is_published",
        "reviewed_on",
        "next_review_on",
        "translations",
        "to_review",
    ]
    list_filter = ["topic", "is_published", "is_warning_sign", MissingTranslationFilter, StaleTranslationFilter]
    list_select_related = ["topic"]
    search_fields = ["key", *search_fields_for(Fact)]
    actions = ["publish", "unpublish", "mark_reviewed", *CONFIRM_ACTIONS]

    def has_learner_data(self, obj: Model) -> bool:
        return isinstance(obj, Fact) and obj.has_learner_data()

    @admin.action(description=_("Mark selected facts reviewed today"), permissions=["change"])
    def mark_reviewed(self, request: HttpRequest, queryset: QuerySet[Fact]) -> None:
        today = timezone.localdate()
        with transaction.atomic(), reversion.create_revision():
            reversion.set_user(request.user)
            reversion.set_comment("marked reviewed")
            for fact in queryset:
                fact.mark_reviewed(today)
        count = len(queryset)
        self.message_user(request, ngettext("%d fact marked reviewed.", "%d facts marked reviewed.", count) % count)

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
class QuestionAdmin(ContentAdmin):
    form = QuestionForm
    inlines = [ChoiceInline]
    list_display = ["prompt", "kind", "fact_link", "topic", "is_published", "translations", "to_review"]
    list_filter = [
        "kind",
        "is_published",
        "fact__topic",
        "fact__is_warning_sign",
        MissingTranslationFilter,
        StaleTranslationFilter,
    ]
    list_select_related = ["fact", "fact__topic"]
    search_fields = ["key", *search_fields_for(Question)]
    autocomplete_fields = ["fact"]
    readonly_fields = ["preview"]
    actions = ["publish", "unpublish", *CONFIRM_ACTIONS]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Question]:
        return super().get_queryset(request).prefetch_related("choices")

    def has_learner_data(self, obj: Model) -> bool:
        return isinstance(obj, Question) and obj.has_learner_data()

    def get_urls(self) -> list[URLPattern]:
        preview = path(
            "<int:object_id>/preview/<str:language>/",
            self.admin_site.admin_view(self.preview_view),
            name="quiz_question_preview",
        )
        return [preview, *super().get_urls()]

    @admin.display(description=_("preview"))
    def preview(self, obj: Question) -> str:
        if obj.pk is None:
            return "–"
        return format_html_join(
            " · ",
            '<a href="{}" lang="{}">{}</a>',
            (
                (reverse("admin:quiz_question_preview", args=[obj.pk, code]), code, name)
                for code, name in settings.LANGUAGES
            ),
        )

    def preview_view(self, request: HttpRequest, object_id: int, language: str) -> HttpResponse:
        """The card as a learner sees it in `language`: front, answer, explanation
        and citation. Only reads: no learner, card or answer is created."""
        if language not in dict(settings.LANGUAGES):
            raise Http404
        question: Question = get_object_or_404(
            Question.objects.select_related("fact__topic", "fact__source").prefetch_related(choices_prefetch()),
            pk=object_id,
        )
        if not self.has_view_permission(request, question):
            raise PermissionDenied
        with translation.override(language):
            return render(
                request,
                "admin/quiz/question/preview.html",
                {
                    "question": question,
                    "fact": question.fact,
                    "change_url": reverse("admin:quiz_question_change", args=[question.pk]),
                    "languages": [
                        (code, name, reverse("admin:quiz_question_preview", args=[question.pk, code]))
                        for code, name in settings.LANGUAGES
                    ],
                },
            )

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


@admin.register(ParameterSet)
class ParameterSetAdmin(admin.ModelAdmin):
    """The fitted FSRS parameter sets, read-only: `fit_schedule` writes them. A
    learner's own set says that it is one, never whose. A deck-wide set is
    pending until someone with the approve permission approves it here
    (issue 17, finding 8): only then does it schedule anyone."""

    list_display = (
        "created_at",
        "fitted_to",
        "status",
        "review_count",
        "learner_count",
        "log_loss_before",
        "log_loss_after",
        "rmse_before",
        "rmse_after",
        "recommended_retention",
    )
    list_filter = (("learner", admin.EmptyFieldListFilter), ("approved_at", admin.EmptyFieldListFilter))
    fields = (
        "created_at",
        "fitted_to",
        "status",
        "approved_at",
        "review_count",
        "learner_count",
        "held_out_count",
        "log_loss_before",
        "log_loss_after",
        "rmse_before",
        "rmse_after",
        "recommended_retention",
        "parameters",
    )
    readonly_fields = fields

    @admin.display(description=_("fitted to"))
    def fitted_to(self, obj: ParameterSet) -> str:
        return gettext("one learner's reviews") if obj.learner_id else gettext("all learners' reviews")

    @admin.display(description=_("status"))
    def status(self, obj: ParameterSet) -> str:
        if obj.learner_id is not None:
            return "–"
        if obj.approved_at is not None:
            return gettext("approved")
        return format_html(
            '{} · <a href="{}">{}</a>',
            gettext("pending approval"),
            reverse("admin:quiz_parameterset_approve", args=[obj.pk]),
            gettext("Approve this schedule"),
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ParameterSet | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ParameterSet | None = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        approve = path(
            "<int:object_id>/approve/",
            self.admin_site.admin_view(self.approve_view),
            name="quiz_parameterset_approve",
        )
        return [approve, *super().get_urls()]

    def approve_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """A pending deck-wide set beside the one in force: its metrics, what it
        was fitted to, and the first intervals of a new card answered Good under
        each. POST approves it, and from then on it schedules everyone."""
        if not request.user.has_perm("quiz.approve_parameterset"):
            raise PermissionDenied
        with transaction.atomic():
            candidate: ParameterSet = get_object_or_404(
                ParameterSet.objects.select_for_update().pending_decks(), pk=object_id
            )
            in_force = ParameterSet.objects.newest_approved_deck()
            if request.method == "POST":
                candidate.approve(request.user.pk, timezone.now())
                self.log_change(request, candidate, [{"changed": {"fields": ["approved_at", "approved_by"]}}])
                security_events.record(
                    Event.SCHEDULE_APPROVED,
                    request,
                    user_id=request.user.pk,
                    outcome=Outcome.SUCCESS,
                    parameter_set=candidate.pk,
                    replaces=in_force.pk if in_force is not None else None,
                )
                self.message_user(
                    request, gettext("The schedule is approved: it now schedules every learner without their own.")
                )
                return HttpResponseRedirect(reverse("admin:quiz_parameterset_change", args=[candidate.pk]))
        now = timezone.now()
        intervals = zip(
            fitting.good_intervals(in_force.weights if in_force is not None else None, now),
            fitting.good_intervals(candidate.weights, now),
            strict=True,
        )
        return render(
            request,
            "admin/quiz/parameterset/approve.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": gettext("Approve this schedule"),
                "candidate": candidate,
                "in_force": in_force,
                "intervals": [
                    (number, before, after, after / before - 1)
                    for number, (before, after) in enumerate(intervals, start=1)
                ],
            },
        )
