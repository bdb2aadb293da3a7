from __future__ import annotations

import gzip
import re

import pytest
from django.contrib.staticfiles import finders
from django.test import override_settings

from tests.study_helpers import answer_current_card

PAGES = ["/", "/learn/", "/learn/causes/", "/es/learn/when-to-worry/", "/ar/"]


def directives(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.strip() for part in header.split(";") if part.strip()}


@pytest.mark.parametrize("path", PAGES)
def test_pages_carry_the_strict_content_security_policy(client, content, path):
    response = client.get(path)
    assert response.status_code == 200
    policy = directives(response)
    assert policy["default-src"] == "default-src 'self'"
    assert re.fullmatch(r"script-src 'self' 'nonce-[\w+/=-]+'", policy["script-src"])
    assert policy["style-src"] == "style-src 'self'"
    assert policy["object-src"] == "object-src 'none'"
    assert policy["base-uri"] == "base-uri 'none'"
    assert policy["frame-ancestors"] == "frame-ancestors 'none'"
    assert policy["form-action"] == "form-action 'self'"
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert "unsafe-eval" not in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize("path", PAGES)
def test_pages_have_no_inline_styles_or_scripts_without_the_nonce(client, content, path):
    html = client.get(path).content.decode()
    assert " style=" not in html
    assert "<style" not in html
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag, tag


def test_htmx_is_configured_for_the_policy(client, content):
    html = client.get("/").content.decode()
    assert '"includeIndicatorStyles": false' in html
    assert '"allowEval": false' in html
    assert '"selfRequestsOnly": true' in html
    assert '"allowScriptTags": false' in html
    assert "/static/django_htmx/htmx-2.min.js" in html


def test_the_admin_carries_the_policy_and_still_renders(client, root):
    client.force_login(root)
    response = client.get("/admin/")
    assert response.status_code == 200
    assert "script-src 'self' 'nonce-" in response.headers["Content-Security-Policy"]
    login = client.get("/admin/login/")
    assert "Content-Security-Policy" in login.headers


def test_the_tabbed_translation_admin_uses_our_jquery_ui_copy(client, root, content):
    client.force_login(root)
    html = client.get("/admin/quiz/fact/add/").content.decode()
    assert "/static/jquery-ui/jquery-ui.min.js" in html
    assert "googleapis" not in html
    assert finders.find("jquery-ui/jquery-ui.min.js")


def test_the_favicon_is_served(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response.headers["Location"] == "/static/favicon.svg"
    assert finders.find("favicon.svg")


def test_pages_are_gzipped_only_for_browsers_that_accept_it(alice_client):
    # Page weight (issue 10, bench/weight.py): the settings page (all time zones) is 40 KB unzipped.
    zipped = alice_client.get("/study/settings/", headers={"Accept-Encoding": "gzip, deflate, br"})
    plain = alice_client.get("/study/settings/")
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert "Content-Encoding" not in plain.headers
    html = gzip.decompress(zipped.content).decode()
    assert html.count("<h1") == 1
    assert len(zipped.content) < len(html) / 3 and len(html) > 20_000


def test_with_https_settings_every_cookie_is_sent_with_the_host_prefix(client, content):
    from config.settings import cookie_settings

    with override_settings(**cookie_settings(https=True)):
        home = client.get("/account/signin/", secure=True)
        answer = answer_current_card(client, rating=3)
        language = client.post("/i18n/setlang/", {"language": "es", "next": "/"}, secure=True)
        cookies = {**home.cookies, **answer.cookies, **language.cookies}
        assert set(cookies) == {"__Host-csrftoken", "__Host-sessionid", "__Host-django_language"}
        for name, cookie in cookies.items():
            assert cookie["secure"] is True, name
            assert cookie["path"] == "/", name
            assert not cookie["domain"], name
        # The first-visit redirect to the browser's language reads the prefixed cookie.
        assert client.get("/", headers={"Accept-Language": "fr"}, secure=True).status_code == 200


# --- Caching of pages with learner data (issue 17, finding 15) ----------------
LEARNER_PAGES = [
    "/study/",
    "/study/settings/",
    "/progress/",
    "/quiz/",
    "/account/",
    "/account/export/",
    "/account/export/reviews.csv",
    "/es/progress/",
]


def no_store(response) -> bool:
    directives = {part.strip() for part in response.headers.get("Cache-Control", "").split(",")}
    return {"no-store", "private"} <= directives


@pytest.mark.parametrize("path", LEARNER_PAGES)
def test_a_signed_in_learners_pages_are_never_stored(alice_client, alice_learner, path):
    response = alice_client.get(path)
    assert response.status_code == 200
    assert no_store(response), response.headers.get("Cache-Control")


def test_a_visitors_pages_are_never_stored_once_they_hold_progress(client, content):
    graded = answer_current_card(client, rating=3, htmx=True)
    assert graded.status_code == 200
    assert no_store(graded)  # the htmx fragment too
    for path in ("/study/", "/progress/", "/account/"):
        assert no_store(client.get(path)), path


@pytest.mark.parametrize("path", ["/", "/learn/", "/learn/causes/", "/privacy/", "/study/"])
def test_public_pages_for_a_first_time_visitor_stay_cacheable(client, content, path):
    response = client.get(path)
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")


def test_static_files_keep_their_own_caching_for_signed_in_users_too(alice_client):
    response = alice_client.get("/static/favicon.svg")
    response.close()  # whitenoise streams the file
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")
    assert "private" not in response.headers.get("Cache-Control", "")


CLEAR_SITE_DATA = '"cache", "storage"'


def test_signing_out_clears_the_browsers_cache_and_storage_but_not_its_cookies(alice_client):
    response = alice_client.post("/account/signout/")
    assert response.status_code == 302
    assert response.headers["Clear-Site-Data"] == CLEAR_SITE_DATA


def test_deleting_the_account_clears_the_browsers_cache_and_storage(alice_client):
    refused = alice_client.post("/account/delete/", {"password": "not it"})
    assert refused.status_code == 400
    assert "Clear-Site-Data" not in refused.headers
    response = alice_client.post("/account/delete/", {"password": "correct horse battery"})
    assert response.status_code == 302
    assert response.headers["Clear-Site-Data"] == CLEAR_SITE_DATA
