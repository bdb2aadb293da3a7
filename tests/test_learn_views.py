"""Home and Learn pages."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from quiz.models import Fact, Topic


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
