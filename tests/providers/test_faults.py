"""Every provider, every fault class, through the fake server: the right tokseg error and message."""

from __future__ import annotations

import pytest

from tests.providers.conftest import NOW, SPECS, fetch
from tokseg.errors import AuthError, BadResponse, NetworkError, RateLimited, ServerError

NAMES = sorted(SPECS)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("status", ["401", "403"])
def test_refused_key_is_auth(fake, session, name, status):
    fake.fault("*", status)
    with pytest.raises(AuthError) as caught:
        fetch(fake, session, name)
    assert caught.value.kind == "auth"
    assert caught.value.status == int(status)


@pytest.mark.parametrize("name", NAMES)
def test_rate_limited_with_retry_after_seconds(fake, session, name):
    fake.fault("*", "429", retry_after="7")
    with pytest.raises(RateLimited) as caught:
        fetch(fake, session, name)
    assert caught.value.kind == "rate_limited"
    assert caught.value.retry_after == 7.0


@pytest.mark.parametrize("name", NAMES)
def test_rate_limited_with_retry_after_http_date(fake, session, name):
    fake.fault("*", "429", retry_after="date", at=NOW)
    with pytest.raises(RateLimited) as caught:
        fetch(fake, session, name)
    assert caught.value.retry_after == 30.0


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("status", ["500", "503", "529"])
def test_server_errors(fake, session, name, status):
    fake.fault("*", status)
    with pytest.raises(ServerError) as caught:
        fetch(fake, session, name)
    assert caught.value.kind == "server" and caught.value.status == int(status)


@pytest.mark.parametrize("name", NAMES)
def test_slow_answer_is_network_within_the_timeout(fake, session, name):
    fake.fault("*", "slow", delay=3.0)
    with pytest.raises(NetworkError) as caught:
        fetch(fake, session, name, timeout=(1.0, 0.3))
    assert "did not answer within 0.3s" in str(caught.value)


@pytest.mark.parametrize("name", NAMES)
def test_truncated_body_is_bad_response(fake, session, name):
    fake.fault("*", "truncated")
    with pytest.raises(BadResponse) as caught:
        fetch(fake, session, name)
    assert "cut short" in str(caught.value)


@pytest.mark.parametrize("name", NAMES)
def test_html_page_is_bad_response_naming_the_type(fake, session, name):
    fake.fault("*", "html")
    with pytest.raises(BadResponse) as caught:
        fetch(fake, session, name)
    assert "did not send JSON (text/html)" in str(caught.value)


@pytest.mark.parametrize("name", NAMES)
def test_wrong_content_type_is_bad_response_naming_the_type(fake, session, name):
    fake.fault("*", "wrong_type")
    with pytest.raises(BadResponse) as caught:
        fetch(fake, session, name)
    assert "did not send JSON (text/plain)" in str(caught.value)


@pytest.mark.parametrize("name", NAMES)
def test_html_error_page_with_5xx_is_server(fake, session, name):
    fake.fault("*", "html", status=502)
    with pytest.raises(ServerError):
        fetch(fake, session, name)


@pytest.mark.parametrize("name", NAMES)
def test_key_does_not_cross_a_redirect_to_another_host(fake, session, name):
    from tests.fakeserver import start_fake_server

    with start_fake_server() as other:
        other.fault("*", "401")
        fake.fault(SPECS[name].primary, "redirect", location=other.url + SPECS[name].primary, times=1)
        with pytest.raises(AuthError):
            fetch(fake, session, name)
        assert other.calls(), "the redirect was not followed"
        key = SPECS[name].key
        for call in other.calls():
            assert key not in " ".join(call.headers.values())
            assert "authorization" not in call.headers and "x-api-key" not in call.headers
