"""Accounts and the progress page."""

from __future__ import annotations

import ipaddress

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.core.exceptions import SuspiciousOperation

from quiz.accounts import client_ip
from quiz.models import Learner, ReviewLog
from tests.study_helpers import answer_current_card

PASSWORD = "correct horse battery"


def test_signing_up_keeps_what_the_visitor_studied(client, content):
    answer_current_card(client, rating=3)
    answer_current_card(client, rating=4)
    passphrase = "a long passphrase 42"
    response = client.post("/account/signup/", {"username": "fern", "password1": passphrase, "password2": passphrase})
    assert response.status_code == 302
    assert response.headers["Location"] == "/progress/"
    fern = User.objects.get(username="fern")
    assert ReviewLog.objects.filter(learner__user=fern).count() == 2
    assert not Learner.objects.filter(user=None).exists()
    assert "<dt>Reviews done today</dt><dd>2</dd>" in client.get("/progress/").content.decode()


def test_a_bad_sign_up_re_renders_the_form_and_creates_nothing(client, db):
    response = client.post("/account/signup/", {"username": "fern", "password1": "abc", "password2": "abd"})
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert not User.objects.filter(username="fern").exists()


def test_signing_in_brings_the_visitors_progress_along(client, alice, content):
    answer_current_card(client, rating=3)
    response = client.post("/account/signin/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    assert client.post(response.headers["Location"], {"choice": "merge"}).status_code == 302
    assert ReviewLog.objects.filter(learner__user=alice).count() == 1


def test_signing_in_asks_before_adding_the_visitors_progress_and_keeps_next(client, alice, content):
    answer_current_card(client, rating=3)
    answer_current_card(client, rating=4)
    guest = Learner.objects.get(user=None)
    response = client.post("/account/signin/", {"username": "alice", "password": PASSWORD, "next": "/study/"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/merge/?next=%2Fstudy%2F"
    # Signed in, and nothing of the visitor's is in the account yet.
    assert client.session["_auth_user_id"] == str(alice.pk)
    assert not ReviewLog.objects.filter(learner__user=alice).exists()

    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert "2 answers" in html and "2 cards" in html
    assert 'name="next" value="/study/"' in html

    done = client.post("/account/merge/", {"choice": "merge", "next": "/study/"})
    assert done.headers["Location"] == "/study/"
    assert ReviewLog.objects.filter(learner__user=alice).count() == 2
    assert not Learner.objects.filter(pk=guest.pk).exists()
    # Nothing is left to confirm.
    assert client.get("/account/merge/").headers["Location"] == "/progress/"


def test_discarding_the_visitors_progress_deletes_it_and_leaves_the_account_as_it_was(client, alice, content):
    account = Learner.objects.create(user=alice)
    answer_current_card(client, rating=3)
    guest = Learner.objects.get(user=None)
    client.post("/account/signin/", {"username": "alice", "password": PASSWORD})

    response = client.post("/account/merge/", {"choice": "discard"})

    assert response.headers["Location"] == "/progress/"
    assert not Learner.objects.filter(pk=guest.pk).exists()
    assert not ReviewLog.objects.filter(learner_id=guest.pk).exists()
    assert not ReviewLog.objects.filter(learner=account).exists()


def test_a_bad_choice_or_a_get_changes_nothing(client, alice, content):
    answer_current_card(client, rating=3)
    client.post("/account/signin/", {"username": "alice", "password": PASSWORD})
    assert client.get("/account/merge/?choice=merge").status_code == 200
    assert client.post("/account/merge/", {"choice": "both"}).status_code == 400
    assert not ReviewLog.objects.filter(learner__user=alice).exists()
    assert Learner.objects.filter(user=None).count() == 1


def test_only_a_guest_without_an_account_can_be_merged(client, alice, bob, content):
    bobs = Learner.objects.create(user=bob)
    answer_current_card(client, rating=3)
    client.post("/account/signin/", {"username": "alice", "password": PASSWORD})
    # A session made to point at someone else's learner gets nothing of theirs.
    session = client.session
    session["pending_guest_learner_id"] = bobs.pk
    session.save()
    assert client.get("/account/merge/").status_code == 302
    assert client.post("/account/merge/", {"choice": "merge"}).status_code == 302
    bobs.refresh_from_db()
    assert bobs.user_id == bob.pk
    assert not Learner.objects.filter(user=alice).exclude(pk=bobs.pk).filter(reviews__isnull=False).exists()


def test_the_merge_page_follows_the_preferred_language_and_never_leaves_the_site(client, alice, content):
    Learner.objects.create(user=alice, language="de")
    answer_current_card(client, rating=3)
    response = client.post("/account/signin/", {"username": "alice", "password": PASSWORD})
    assert response.headers["Location"] == "/de/account/merge/?next=%2Fprogress%2F"
    done = client.post("/de/account/merge/", {"choice": "merge", "next": "https://evil.example/"})
    assert done.headers["Location"] == "/de/progress/"


def test_signing_in_without_progress_in_the_browser_goes_straight_on(client, alice, content):
    response = client.post("/account/signin/", {"username": "alice", "password": PASSWORD, "next": "/study/"})
    assert response.headers["Location"] == "/study/"


def test_too_many_wrong_passwords_lock_the_account_for_that_client(client, alice, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post("/account/signin/", {"username": "alice", "password": "wrong"})
        assert response.status_code == 200
        assert 'role="alert"' in response.content.decode()
    locked = client.post("/account/signin/", {"username": "alice", "password": "wrong"})
    assert locked.status_code == 429
    assert "Too many attempts" in locked.content.decode()
    # Even the right password is refused while locked out.
    assert client.post("/account/signin/", {"username": "alice", "password": PASSWORD}).status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("next_url", ["/account/signin/", "/account/signin/?next=/account/signin/"])
def test_a_signed_in_user_sent_back_to_sign_in_goes_to_their_progress_not_round_in_circles(client, alice, next_url):
    client.force_login(alice)
    response = client.get("/account/signin/", {"next": next_url})
    assert response.status_code == 302
    assert response.headers["Location"] == "/progress/"


def test_a_signed_in_user_with_a_safe_next_still_goes_there(client, alice):
    client.force_login(alice)
    response = client.get("/account/signin/", {"next": "/study/"})
    assert response.headers["Location"] == "/study/"


def test_signing_out_needs_a_post(client, alice):
    client.force_login(alice)
    assert client.get("/account/signout/").status_code == 405
    response = client.post("/account/signout/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_the_account_page_offers_sign_up_or_sign_out(client, alice, db):
    assert 'href="/account/signup/"' in client.get("/account/").content.decode()
    client.force_login(alice)
    html = client.get("/account/").content.decode()
    assert "You are signed in as alice." in html
    assert 'action="/account/signout/"' in html


def test_progress_counts_what_was_studied(client, alice, content):
    client.force_login(alice)
    answer_current_card(client, rating=3)
    answer_current_card(client, rating=1)
    html = client.get("/progress/").content.decode()
    assert "<dt>Reviews done today</dt><dd>2</dd>" in html
    assert "Not enough reviews yet" in html
    assert '<th scope="row"><a href="/learn/what-they-are/">' in html


def test_the_client_address_behind_one_proxy_is_the_last_forwarded_one(rf, settings):
    request = rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9", REMOTE_ADDR="10.0.0.2")
    settings.TRUSTED_PROXIES = 0
    assert client_ip(request) == "10.0.0.2"
    settings.TRUSTED_PROXIES = 1
    assert client_ip(request) == "203.0.113.9"


def test_behind_two_proxies_the_client_is_the_second_entry_from_the_end(rf, settings):
    # A load balancer appended the client, then nginx appended the load balancer.
    request = rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9, 10.0.0.7", REMOTE_ADDR="10.0.0.2")
    settings.TRUSTED_PROXIES = 2
    assert client_ip(request) == "203.0.113.9"


@pytest.mark.parametrize("forwarded", ["not-an-address", "203.0.113.9; drop table", "", "1.2.3.4.5", "x" * 500])
def test_a_forwarded_entry_that_is_not_an_address_is_a_configuration_error(rf, settings, caplog, forwarded):
    request = rf.get("/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR="10.0.0.2")
    settings.TRUSTED_PROXIES = 1
    with pytest.raises(SuspiciousOperation):
        client_ip(request)
    [logged] = [record for record in caplog.records if record.name == "quiz.accounts"]
    assert logged.levelname == "ERROR"
    assert forwarded[:100] in logged.getMessage()


def test_fewer_forwarded_entries_than_proxies_is_a_configuration_error(rf, settings):
    request = rf.get("/", HTTP_X_FORWARDED_FOR="203.0.113.9", REMOTE_ADDR="10.0.0.2")
    settings.TRUSTED_PROXIES = 2
    with pytest.raises(SuspiciousOperation):
        client_ip(request)


def test_a_sign_in_through_a_misconfigured_proxy_is_refused_not_counted_on_the_proxy(client, alice, settings):
    settings.TRUSTED_PROXIES = 1
    data = {"username": "alice", "password": "wrong"}
    response = client.post("/account/signin/", data, HTTP_X_FORWARDED_FOR="unknown", REMOTE_ADDR="10.0.0.2")
    assert response.status_code == 400
    assert not AccessAttempt.objects.exists()


def test_ipv6_addresses_are_read_and_normalised(rf, settings):
    request = rf.get("/", HTTP_X_FORWARDED_FOR="2001:DB8::0:1", REMOTE_ADDR="10.0.0.2")
    settings.TRUSTED_PROXIES = 1
    assert client_ip(request) == "2001:db8::1"


@pytest.mark.parametrize(
    ("address", "counted_as"),
    [
        ("203.0.113.9", "203.0.113.9"),
        ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::"),
        ("2001:db8:1:2::1", "2001:db8:1:2::"),
        ("::ffff:203.0.113.9", "203.0.113.9"),
    ],
)
def test_clients_are_counted_by_address_for_ipv4_and_by_64_for_ipv6(rf, address, counted_as):
    from quiz.accounts import counting_address

    request = rf.get("/", REMOTE_ADDR=address)
    assert counting_address(request) == counted_as
    # The security log keeps the exact address.
    assert client_ip(request) == str(ipaddress.ip_address(address))
