from __future__ import annotations

import gettext
import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import to_locale

from quiz.models import Topic

ROOT = Path(__file__).resolve().parent.parent
OTHER_LANGUAGES = [code for code, _name in settings.LANGUAGES if code != "en"]
ALL_LANGUAGES = [code for code, _name in settings.LANGUAGES]


def prefix(code: str) -> str:
    return "" if code == "en" else f"/{code}"


def pages(code: str) -> list[str]:
    """Every public page, in one language."""
    topic_pages = [f"/learn/{slug}/" for slug in Topic.objects.values_list("slug", flat=True)]
    study_pages = ["/study/", "/study/settings/", "/study/causes/", "/quiz/", "/quiz/triggers/", "/progress/"]
    study_pages += ["/account/", "/account/signin/", "/account/signup/"]
    study_pages += ["/account/password/reset/", "/account/password/reset/sent/", "/account/reset-progress/"]
    study_pages += ["/privacy/"]
    return [prefix(code) + path for path in ["/", "/learn/", *topic_pages, *study_pages]]


@pytest.mark.parametrize("code", ALL_LANGUAGES)
def test_every_page_renders_with_the_right_lang_and_dir(client, content, code):
    expected_dir = "rtl" if code == "ar" else "ltr"
    for path in pages(code):
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.content.decode()
        assert f'<html lang="{code}" dir="{expected_dir}">' in html, path
        assert html.count("<h1") == 1, path
        assert html.count("<main") == 1, path
        assert re.search(r'<meta name="description" content="[^"]{10,}">', html), path


@pytest.mark.parametrize("code", OTHER_LANGUAGES)
def test_each_language_shows_its_translated_interface(client, content, code):
    with translation.override(code):
        expected = translation.gettext("Skip to main content")
    assert expected != "Skip to main content"
    html = client.get(f"/{code}/").content.decode()
    assert expected in html
    assert "Skip to main content" not in html


@pytest.mark.parametrize("code", OTHER_LANGUAGES)
def test_each_language_shows_its_translated_content(client, content, code):
    topic = Topic.objects.get(slug="when-to-worry")
    name = getattr(topic, f"name_{code.replace('-', '_')}")
    assert name and name != topic.name_en
    assert name in client.get(f"/{code}/learn/").content.decode()


def test_a_first_visit_follows_the_browsers_language(client, content):
    response = client.get("/learn/causes/", headers={"accept-language": "fr-CA,fr;q=0.9,en;q=0.5"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/fr/learn/causes/"


def test_an_english_browser_stays_on_the_unprefixed_page(client, content):
    response = client.get("/learn/", headers={"accept-language": "en-GB,en;q=0.9"})
    assert response.status_code == 200


def test_a_chosen_language_wins_over_the_browsers(client, content):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/learn/", headers={"accept-language": "de"})
    assert response.status_code == 200
    assert response.content.decode().count('lang="en"') == 2  # <html> and the English <option>


def test_the_switcher_returns_to_the_same_page_in_the_chosen_language(client, content):
    response = client.post("/i18n/setlang/", {"language": "ar", "next": "/learn/causes/"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/ar/learn/causes/"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ar"
    back = client.post("/ar/i18n/setlang/", {"language": "en", "next": "/ar/learn/causes/"})
    assert back.headers["Location"] == "/learn/causes/"


def test_every_page_has_a_language_switcher_pointing_back_to_itself(client, content):
    html = client.get("/es/learn/triggers/").content.decode()
    assert 'action="/es/i18n/setlang/"' in html
    assert 'name="next" type="hidden" value="/es/learn/triggers/"' in html
    for code in ALL_LANGUAGES:
        assert f'<option value="{code}"' in html


# Counts that reach every plural form of our languages (Spanish and French
# have a separate form for multiples of a million).
PLURAL_SAMPLES = [*range(0, 200), 1_000_000]


def po_files() -> list[Path]:
    return sorted(ROOT.glob("locale/*/LC_MESSAGES/django.po"))


def test_there_is_a_po_file_for_each_other_language():
    assert {path.parent.parent.name for path in po_files()} == {to_locale(code) for code in OTHER_LANGUAGES}


@pytest.mark.parametrize("path", po_files(), ids=lambda p: p.parent.parent.name)
def test_every_po_file_is_complete(path):
    catalog = polib.pofile(str(path))
    assert catalog.untranslated_entries() == []
    assert catalog.fuzzy_entries() == []
    assert len(catalog.translated_entries()) > 20


@pytest.mark.parametrize("path", po_files(), ids=lambda p: p.parent.parent.name)
def test_the_committed_mo_file_matches_its_po_file(path):
    """The .mo files are committed so machines without gettext get translations."""
    catalog = polib.pofile(str(path))
    with open(path.with_suffix(".mo"), "rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    # Set at run time from the catalog's Plural-Forms header; typeshed does not declare it.
    plural = compiled.plural  # type: ignore[attr-defined]
    for entry in catalog.translated_entries():
        if entry.msgid_plural:
            for index, text in entry.msgstr_plural.items():
                n = next(n for n in PLURAL_SAMPLES if plural(n) == int(index))
                got = (
                    compiled.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, n)
                    if entry.msgctxt
                    else (compiled.ngettext(entry.msgid, entry.msgid_plural, n))
                )
                assert got == text, entry.msgid
        elif entry.msgctxt:
            assert compiled.pgettext(entry.msgctxt, entry.msgid) == entry.msgstr, entry.msgid
        else:
            assert compiled.gettext(entry.msgid) == entry.msgstr, entry.msgid


@pytest.mark.parametrize("path", po_files(), ids=lambda p: p.parent.parent.name)
def test_translations_keep_the_placeholders_of_the_source(path):
    placeholder = re.compile(r"%\(\w+\)[sd]|%[sd]")
    for entry in polib.pofile(str(path)).translated_entries():
        if entry.msgid_plural:
            allowed = [set(placeholder.findall(entry.msgid)), set(placeholder.findall(entry.msgid_plural))]
            for text in entry.msgstr_plural.values():
                assert set(placeholder.findall(text)) in allowed, entry.msgid
        else:
            assert sorted(placeholder.findall(entry.msgstr)) == sorted(placeholder.findall(entry.msgid)), entry.msgid
