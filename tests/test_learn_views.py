"""Home and Learn pages."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.translation import gettext

from quiz.models import Fact, Source, Topic


def test_home_explains_the_app_and_shows_the_warning_signs(client, content):
    html = client.get("/").content.decode()
    assert "<h1>Muscle twitching, explained</h1>" in html
    for fact in Fact.objects.warning_signs():
        assert fact.statement_en in html
    assert 'href="/learn/when-to-worry/"' in html
    for topic in Topic.objects.all():
        assert f'href="/learn/{topic.slug}/"' in html


def test_the_disclaimer_is_on_every_page(client, content):
    for path in ["/", "/learn/", "/learn/causes/", "/es/learn/bfs/"]:
        html = client.get(path).content.decode()
        assert 'id="disclaimer"' in html
        assert 'href="' in html and "/learn/when-to-worry/" in html


def test_learn_lists_every_topic_in_order(client, content):
    html = client.get("/learn/").content.decode()
    positions = [html.index(topic.name_en) for topic in Topic.objects.order_by("position")]
    assert positions == sorted(positions)


def test_a_topic_page_shows_its_facts_with_citations(client, content):
    html = client.get("/learn/causes/").content.decode()
    causes = Fact.objects.filter(topic__slug="causes")
    assert causes.count() >= 5
    for fact in causes:
        assert f'id="fact-{fact.key}"' in html
        assert escape(fact.explanation_en) in html
    assert "paragraph 13" in html
    assert "Lorra Garrick" in html


def test_warning_sign_facts_are_set_apart(client, content):
    html = client.get("/learn/when-to-worry/").content.decode()
    box = html[html.index('class="warning-box"') : html.index("</section>", html.index('class="warning-box"'))]
    for fact in Fact.objects.filter(topic__slug="when-to-worry"):
        assert (f'id="fact-{fact.key}"' in box) == fact.is_warning_sign


def test_unpublished_facts_are_hidden(client, content):
    Fact.objects.filter(key="fatigue").update(is_published=False)
    html = client.get("/learn/causes/").content.decode()
    assert 'id="fact-fatigue"' not in html


def test_an_unknown_topic_is_404(client, content):
    assert client.get("/learn/no-such-topic/").status_code == 404


@pytest.mark.parametrize("code", ["es", "ar", "zh-hans", "hi"])
def test_a_topic_page_is_in_the_chosen_language(client, content, code):
    fact = Fact.objects.get(key="slurred-speech-is-a-warning-sign")
    html = client.get(f"/{code}/learn/when-to-worry/").content.decode()
    assert getattr(fact, f"statement_{code.replace('-', '_')}") in html
    assert fact.statement_en not in html


def test_a_topic_page_runs_a_constant_number_of_queries(client, content):
    with CaptureQueriesContext(connection) as small:
        client.get("/learn/expert/")
    with CaptureQueriesContext(connection) as large:
        client.get("/learn/causes/")
    assert len(small) == len(large) <= 3


def test_pages_have_a_title_and_description_for_search_engines(client, content):
    html = client.get("/es/learn/triggers/").content.decode()
    topic = Topic.objects.get(slug="triggers")
    assert f"<title>{topic.name_es} · " in html
    assert f'<meta name="description" content="{topic.description_es}">' in html


# --- The bottom line, and where the content comes from -----------------------

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]
REASSURANCE = (
    "Twitching that comes and goes is, by itself, no cause for concern. If you have no noticeable weakness and no "
    "other concerning symptoms, such as slurred speech, chances are pretty high that you do not have a neurological "
    "disease."
)
EMERGENCY = "If weakness, slurred speech or a drooping face comes on suddenly, call emergency services at once."


def prefix(code: str) -> str:
    return "" if code == settings.LANGUAGE_CODE else f"/{code}"


def bottom_line(html: str) -> str:
    start = html.index('id="bottom-line"')
    return html[start : html.index("</section>", start)]


@pytest.mark.parametrize("code", LANGUAGE_CODES)
@pytest.mark.parametrize("path", ["/", "/learn/when-to-worry/"])
def test_the_home_and_doctor_pages_lead_with_the_bottom_line_in_every_language(client, content, code, path):
    html = client.get(f"{prefix(code)}{path}").content.decode()
    with translation.override(code):
        reassurance, advice, emergency = gettext(REASSURANCE), gettext("Advice from this app:"), gettext(EMERGENCY)
    if code != "en":
        assert reassurance != REASSURANCE
    line = bottom_line(html)
    assert escape(reassurance) in line
    assert escape(advice) in line
    assert escape(emergency) in line
    # First after the page's one heading: before the lead, the warning box and the facts.
    assert html.count("<h1") == 1
    assert html.index("</h1>") < html.index('id="bottom-line"') < html.index('class="warning-box"')
    assert html.index('id="bottom-line"') < html.index('class="lead"')


def test_the_bottom_line_cites_the_paragraphs_that_say_it(client, content):
    line = bottom_line(client.get("/").content.decode())
    assert "The article, paragraphs 6 and 14." in line
    # The paragraphs of the reassurance facts it is made of.
    paragraphs = Fact.objects.filter(key__in=["coming-and-going-is-not-a-worry", "no-weakness-is-reassuring"])
    assert sorted(paragraphs.values_list("paragraph", flat=True)) == [6, 14]


def test_other_topic_pages_have_no_bottom_line(client, content):
    assert 'id="bottom-line"' not in client.get("/learn/causes/").content.decode()


def provenance(html: str) -> str:
    start = html.index('class="provenance"')
    return html[start : html.index("</p>", start)]


def test_the_learn_page_says_the_source_and_the_newest_review_date(client, content):
    Fact.objects.filter(key="hiking").update(reviewed_on=datetime.date(2026, 12, 1))
    line = provenance(client.get("/learn/").content.decode())
    source = Source.objects.get()
    assert escape(f"Source: “{source.title_en}” by {source.author}.") in line
    assert f"Content last reviewed on {date_format(datetime.date(2026, 12, 1))}." in line


def test_a_topic_page_says_the_newest_review_date_of_its_own_facts(client, content):
    Fact.objects.filter(key="hiking").update(reviewed_on=datetime.date(2026, 12, 1))
    Fact.objects.filter(key="fatigue").update(reviewed_on=datetime.date(2026, 12, 2))
    line = provenance(client.get("/learn/triggers/").content.decode())
    assert "Lorra Garrick" in line
    assert f"Content last reviewed on {date_format(datetime.date(2026, 12, 1))}." in line


def test_the_source_and_review_date_are_translated(client, content):
    html = client.get("/de/learn/").content.decode()
    source = Source.objects.get()
    newest = max(Fact.objects.published().values_list("reviewed_on", flat=True))
    with translation.override("de"):
        expected = f"Quelle: „{source.title_de}“ von {source.author}. Inhalt zuletzt geprüft am {date_format(newest)}."
    assert expected in provenance(html)
