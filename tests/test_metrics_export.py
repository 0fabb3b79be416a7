"""Metrics with identity: host and user labels, opt-in breakdowns, the gateway push and their config."""

from __future__ import annotations

import base64
import getpass
import shutil
import socket
import subprocess

import pytest

from tests.fakeserver import start_fake_server
from tests.test_export import parse_prometheus
from tokseg import config, prometheus, pushgateway
from tokseg.errors import ConfigError

WHO = prometheus.Identity("box", "me")
USD = "USD"


def usage(name_key: str, name: str, amount: float, tokens: int, period: str = "today") -> dict:
    return {name_key: name, "period": period, "spent": {"amount": amount, "currency": USD},
            "tokens": {"input": tokens, "output": 0, "cache_read": 0, "cache_write": 0, "total": tokens}}


SNAP = {"accounts": {"claude": {"status": "ok", "fetched_at": 1.5, "provider": "claude_logs", "reading": {
    "spent": {"today": {"amount": 3.5, "currency": USD}},
    "models": [usage("model", "opus", 3.0, 100), usage("model", "haiku", 0.5, 40)],
    "projects": [usage("project", "shop", 2.0, 90), usage("project", "shop", 1.0, 30),  # two folders, one name
                 usage("project", "blog", 0.5, 20)]}}}}


def promtool_ok(text: str) -> None:
    if shutil.which("promtool") is None:
        pytest.skip("promtool not installed (apt-get install prometheus)")
    done = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stdout + done.stderr


def test_breakdowns_are_opt_in():
    families = parse_prometheus(prometheus.render(SNAP, WHO))
    assert set(families) == {"tokseg_up", "tokseg_last_success_timestamp_seconds", "tokseg_spent_usd"}
    assert families["tokseg_spent_usd"]["samples"] == {
        frozenset({("host", "box"), ("user", "me"), ("account", "claude"), ("period", "today")}): 3.5}


def test_models_and_projects_when_asked_summed_by_name():
    text = prometheus.render(SNAP, prometheus.Identity("box", "me", models=True, projects=True))
    promtool_ok(text)
    families = parse_prometheus(text)
    base = {("host", "box"), ("user", "me"), ("account", "claude"), ("period", "today")}
    assert families["tokseg_model_spent_usd"]["samples"] == {
        frozenset({*base, ("model", "haiku")}): 0.5, frozenset({*base, ("model", "opus")}): 3.0}
    assert families["tokseg_project_spent_usd"]["samples"] == {
        frozenset({*base, ("project", "blog")}): 0.5, frozenset({*base, ("project", "shop")}): 3.0}
    assert families["tokseg_project_tokens"]["samples"][frozenset({*base, ("project", "shop")})] == 120
    assert all(family["type"] == "gauge" for family in families.values())
    assert not [name for name in families if name.endswith("_total")]  # nothing here is a counter


def test_identity_defaults_to_this_machine_and_user():
    who = prometheus.identity({})
    assert who == prometheus.Identity(socket.gethostname().split(".")[0], getpass.getuser())
    assert "." not in who.host
    assert prometheus.identity({"host": "laptop", "models": True}) == prometheus.Identity(
        "laptop", getpass.getuser(), models=True)


def test_an_account_reading_prometheus_is_not_exported_back():
    snap = {"accounts": {"team": {"status": "ok", "fetched_at": 2.0, "provider": "prometheus", "reading": {
        "spent": {"today": {"amount": 9.0, "currency": USD}}}}}}
    families = parse_prometheus(prometheus.render(snap, WHO))
    assert set(families) == {"tokseg_up", "tokseg_last_success_timestamp_seconds"}


@pytest.mark.parametrize(("text", "line", "fragment"), [
    ('[settings.metrics]\nhostname = "x"\n', 4, "[settings.metrics] hostname: unknown key; known: host, user"),
    ('[settings.metrics]\nmodels = "yes"\n', 4, "[settings.metrics] models: must be"),
    ('[settings.push]\npushgateway = "gateway:9091"\n', 4, "[settings.push] pushgateway: must be the gateway's http(s)"),
    ('[settings.push]\npushgateway = "https://me:pw@gw.example"\n', 4, "must not hold a user or password"),
    ('[settings.push]\npushgateway = "http://gw.example:9091"\npushgateway_auth_env = "GW"\n', 4, "plain http"),
    ('[settings.push]\npushgateway_auth_env = "not a var"\n', 4, "must name an environment variable"),
    ('[settings.push]\npushgatway = "http://gw"\n', 4, "unknown push target; known: "),
])
def test_config_errors(tmp_path, text, line, fragment):
    path = tmp_path / "config.toml"
    with pytest.raises(ConfigError) as caught:
        config.parse('[accounts.api]\nprovider = "demo"\n' + text, path)
    assert str(caught.value).startswith(f"{path}:{line}: ") and fragment in str(caught.value), str(caught.value)


def test_gateway_settings_stay_out_of_the_host_push_switches(tmp_path):
    cfg = config.parse('[settings.push]\ntmux = false\npushgateway = "http://gw.example:9091"\n'
                       '[settings.metrics]\nhost = "laptop"\n', tmp_path / "config.toml")
    assert cfg.settings.pushgateway == "http://gw.example:9091" and cfg.settings.push == {"tmux": False}
    assert "pushgateway" not in config.compile_hot_settings(cfg)["push"]
    assert cfg.settings.metrics == {"host": "laptop"}


def test_group_url_carries_any_host_name():
    assert pushgateway.group_url("http://gw:9091/", "laptop") == "http://gw:9091/metrics/job/tokseg/host/laptop"
    odd = pushgateway.group_url("http://gw:9091", "my box/1")
    assert odd == "http://gw:9091/metrics/job/tokseg/host@base64/" + base64.urlsafe_b64encode(b"my box/1").decode()


@pytest.mark.parametrize(("secret", "header"), [
    ("team:pw", "Basic " + base64.b64encode(b"team:pw").decode()), ("tok123", "Bearer tok123"), (None, None)])
def test_push_sends_the_body_and_the_auth_from_the_environment(secret, header):
    with start_fake_server(defaults=False) as fake:
        fake.route("PUT", "/metrics/job/tokseg/host/box", {})
        env = {"GW_AUTH": secret} if secret else {}
        problem = pushgateway.send(fake.url, "tokseg_up 1\n", "box", timeout=(1.0, 1.0),
                                   auth=pushgateway._auth("GW_AUTH" if secret else "", env))
        assert problem is None
        call = fake.calls("/metrics/job/tokseg/host/box")[0]
        assert call.body == b"tokseg_up 1\n" and call.headers.get("authorization") == header
        assert call.headers["content-type"].startswith("text/plain; version=0.0.4")


def test_push_problems_are_one_line_without_the_secret():
    with start_fake_server(defaults=False) as fake:
        fake.route("PUT", "/metrics/job/tokseg/host/box", {})
        assert "GW_AUTH, which is not set" in pushgateway.send(
            fake.url, "x 1\n", "box", timeout=(1.0, 1.0), auth=pushgateway._auth("GW_AUTH", {}))
        assert not fake.calls()
        fake.fault("*", "401")
        problem = pushgateway.send(fake.url, "x 1\n", "box", timeout=(1.0, 1.0), auth="team:hunter2")
        assert problem and "refused the credentials (HTTP 401)" in problem and "hunter2" not in problem
        assert "\n" not in problem
        fake.fault("*", "500")
        assert "refused the push (HTTP 500)" in (pushgateway.send(fake.url, "x 1\n", "box", timeout=(1.0, 1.0)) or "")
