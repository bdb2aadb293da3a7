"""Two sign-ups of one username at the same moment: one account, and the
other person gets the form back saying the name is taken, never a 500
(issue 17, finding 18). Real threads on the real database, as in
tests/test_concurrency.py."""

from __future__ import annotations

import threading
from unittest import mock

from django.contrib.auth.models import User
from django.db import connection
from django.test import Client

from quiz.forms import SignUpForm

PASSPHRASE = "a long passphrase 42"


def test_two_simultaneous_sign_ups_of_one_name_give_one_account_and_one_form_error(transactional_db):
    # Both forms are checked while the name is free, then both go on to save it.
    barrier = threading.Barrier(2)
    is_valid = SignUpForm.is_valid

    def checked_together(form) -> bool:
        valid = is_valid(form)
        barrier.wait(timeout=10)
        return valid

    responses = []
    errors: list[BaseException] = []

    def sign_up(address: str) -> None:
        try:
            worker = Client(REMOTE_ADDR=address, raise_request_exception=False)
            data = {"username": "fern", "password1": PASSPHRASE, "password2": PASSPHRASE}
            responses.append(worker.post("/account/signup/", data))
        except BaseException as error:  # collected and re-raised below
            errors.append(error)
        finally:
            connection.close()

    with mock.patch.object(SignUpForm, "is_valid", checked_together):
        threads = [threading.Thread(target=sign_up, args=(f"198.51.100.{n}",)) for n in (1, 2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert not errors, errors
    assert sorted(response.status_code for response in responses) == [302, 400]
    [refused] = [response for response in responses if response.status_code == 400]
    assert "A user with that username already exists." in refused.content.decode()
    assert User.objects.filter(username="fern").count() == 1
