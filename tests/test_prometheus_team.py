"""Many machines, one bar, through a real Prometheus and Pushgateway (Debian's `prometheus`,
`prometheus-pushgateway`; CI installs them, the tests skip only where the binaries are absent).

Two simulated machines (two TOKSEG_HOMEs with their own host label) run `tokseg refresh`, which pushes
to the gateway; Prometheus scrapes the gateway every second; a third home's `prometheus` account
shows the sum. `promtool check metrics` judges the textfile and what the gateway holds. A server
that is down or never answers is a classified error that keeps the last good figure.
"""

from __future__ import annotations

import json
import socket
import subprocess
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
import requests

from tests.conftest import run_tokseg
from tests.hosts import need, poll
from tokseg import prometheus
from tokseg.providers import prometheus as presets

START_TIMEOUT_S = 20.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A real server process on a loopback port, its output kept for a failure message."""

    def __init__(self, argv: list[str], port: int, ready_path: str, folder: Path) -> None:
        self.port, self.url = port, f"http://127.0.0.1:{port}"
        self.log = folder / f"{Path(argv[0]).name}-{port}.log"
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, cwd=folder)
        poll(lambda: self._ready(ready_path), timeout=START_TIMEOUT_S, interval=0.1,
             what=f"{argv[0]} ready on port {port} (log {self.log})")

    def _ready(self, path: str) -> bool:
        if self.proc.poll() is not None:
            pytest.fail(f"server exited: {self.log.read_text(errors='replace')[-2000:]}")
        try:
            return requests.get(self.url + path, timeout=1).status_code == 200
        except requests.RequestException:
            return False

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start_prometheus(folder: Path, scrape: str | None = None) -> Server:
    """Prometheus with temporary storage, scraping `scrape` (a host:port) every second with honor_labels."""
    need("prometheus")
    folder.mkdir(parents=True, exist_ok=True)
    targets = (f"scrape_configs:\n  - job_name: pushgateway\n    honor_labels: true\n"
               f"    static_configs:\n      - targets: ['{scrape}']\n") if scrape else ""
    (folder / "prometheus.yml").write_text(f"global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n{targets}")
    port = free_port()
    return Server(["prometheus", f"--config.file={folder / 'prometheus.yml'}", f"--storage.tsdb.path={folder / 'data'}",
                   f"--web.listen-address=127.0.0.1:{port}"], port, "/-/ready", folder)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Server]]:
    """One Pushgateway and one Prometheus scraping it, for the whole module."""
    need("prometheus", "prometheus-pushgateway")
    folder = tmp_path_factory.mktemp("prometheus-stack")
    port = free_port()
    # Debian's build persists to /var/lib/prometheus by default: memory only, so every run starts empty.
    gateway = Server(["prometheus-pushgateway", f"--web.listen-address=127.0.0.1:{port}", "--persistence.file="],
                     port, "/-/ready", folder)
    try:
        prom = start_prometheus(folder / "prometheus", scrape=f"127.0.0.1:{port}")
    except BaseException:
        gateway.stop()
        raise
    yield gateway, prom
    prom.stop()
    gateway.stop()


def machine(root: Path, name: str, config: str) -> dict[str, str]:
    """The environment of one simulated machine: its own TOKSEG_HOME, XDG folders and config."""
    base = root / name
    env = {"TOKSEG_HOME": str(base / "home"), "HOME": str(base / "user")}
    for var, sub in (("XDG_CACHE_HOME", "xcache"), ("XDG_CONFIG_HOME", "xconfig"),
                     ("XDG_DATA_HOME", "xdata"), ("XDG_STATE_HOME", "xstate")):
        env[var] = str(base / sub)
    (base / "home" / "config").mkdir(parents=True)
    (base / "home" / "config" / "config.toml").write_text(config, encoding="utf-8")
    return env


def segment_json(env: dict[str, str]) -> dict:
    done = run_tokseg("--json", env=env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def spent_today(env: dict[str, str], account: str) -> float | None:
    entry = next(a for a in segment_json(env)["accounts"] if a["name"] == account)
    spent = entry["spent"].get("today")
    return spent["amount"] if spent else None


def refreshed(env: dict[str, str]) -> None:
    done = run_tokseg("refresh", env=env, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def promtool(text: str) -> None:
    need("promtool")
    done = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, f"promtool: {done.stdout}{done.stderr}\n{text}"


def sender(host: str, gateway: str, textfile: Path | None = None) -> str:
    """A machine with two demo accounts (one spends today) that pushes, and maybe writes the textfile."""
    prom = f'prometheus_file = "{textfile}"\n' if textfile else ""
    return (f'[settings]\n{prom}[settings.push]\npushgateway = "{gateway}"\n'
            f'[settings.metrics]\nhost = "{host}"\nuser = "dev"\n'
            '[accounts.api]\nprovider = "demo"\nkind = "postpaid"\n[accounts.credits]\nprovider = "demo"\n')


def test_two_machines_summed_in_a_third_ones_segment(stack, tmp_path):
    gateway, prom = stack
    laptop = machine(tmp_path, "laptop", sender("laptop", gateway.url, tmp_path / "laptop.prom"))
    server = machine(tmp_path, "server", sender("build-01", gateway.url))
    for env in (laptop, server):
        refreshed(env)
    # Both demo accounts spend today (the postpaid one and the prepaid one's use): four figures summed.
    figures = [spent_today(env, name) for env in (laptop, server) for name in ("api", "credits")]
    assert all(figures), figures
    expected = sum(figures)

    promtool((tmp_path / "laptop.prom").read_text())
    pushed = requests.get(gateway.url + "/metrics", timeout=5).text
    assert 'tokseg_spent_usd{account="api",host="build-01",instance="",job="tokseg",period="today",user="dev"}' \
        in pushed
    promtool("".join(line + "\n" for line in _tokseg_families(pushed)))

    # A machine switched off since yesterday: the gateway keeps its last push, "today" and all; the
    # presets leave an account out whose last good fetch is older than local midnight.
    midnight = datetime.now().astimezone().replace(hour=0, minute=0, second=0, microsecond=0).timestamp()
    old = prometheus.render({"accounts": {"api": {"status": "ok", "fetched_at": midnight - 3600, "provider": "demo",
                                                  "reading": {"spent": {"today": {"amount": 100.0, "currency": "USD"}}}}}},
                            prometheus.Identity("old-box", "dev"))
    assert requests.put(gateway.url + "/metrics/job/tokseg/host/old-box", data=old, timeout=5).status_code == 200
    lead = machine(tmp_path, "lead", f'[accounts.team]\nprovider = "prometheus"\nbase_url = "{prom.url}"\n'
                                     f'[accounts.hosts]\nprovider = "prometheus"\nbase_url = "{prom.url}"\n'
                                     'preset = "spend_today_by_host"\n')

    def summed() -> bool:
        refreshed(lead)
        value = spent_today(lead, "team")
        return value is not None and abs(value - expected) < 1e-6

    poll(summed, timeout=30, interval=0.3, what=f"Prometheus has scraped both machines' pushes ({expected})")
    hosts = next(a for a in segment_json(lead)["accounts"] if a["name"] == "hosts")
    assert hosts["spent"]["today"]["amount"] == pytest.approx(expected)
    assert hosts["notes"][0].startswith("by host: ") and {"laptop", "build-01"} <= set(hosts["notes"][0].split())
    shown = run_tokseg("--template", "{team}", env=lead)
    assert shown.returncode == 0 and f"${expected:.2f}" in shown.stdout, shown.stdout
    dashboard_queries_answer(prom, expected)
    assert requests.delete(gateway.url + "/metrics/job/tokseg/host/old-box", timeout=5).status_code == 202


def test_every_preset_is_promql_the_server_accepts(stack):
    """Claude Code's metrics are not on this server: its presets answer with no series, not an error."""
    _, prom = stack
    for name, preset in presets.PRESETS.items():
        body = requests.get(prom.url + "/api/v1/query", params={"query": presets.expand(preset.query, time.time())},
                            timeout=5).json()
        assert body["status"] == "success", (name, body)


def dashboard_queries_answer(prom: Server, expected: float) -> None:
    """Every query of the shipped Grafana dashboard is PromQL this Prometheus answers, on the families pushed."""
    board = json.loads((Path(__file__).resolve().parent.parent / "tokseg" / "integrations" / "grafana" /
                        "tokseg-dashboard.json").read_text(encoding="utf-8"))
    exprs = {p["title"]: t["expr"].replace("$host", ".*").replace("$user", ".*")
             for p in board["panels"] for t in p["targets"]}
    answers = {}
    for title, expr in exprs.items():
        body = requests.get(prom.url + "/api/v1/query", params={"query": expr}, timeout=5).json()
        assert body["status"] == "success", (title, body)
        answers[title] = body["data"]["result"]
    assert answers["Machines reporting"][0]["value"][1] == "3"  # old-box too: it is exported, only stale
    assert {r["metric"]["host"] for r in answers["Spend today by host"]} >= {"laptop", "build-01"}


def _tokseg_families(exposition: str) -> list[str]:
    """The gateway's page holds its own Go metrics too: promtool judges only the lines of tokseg's families."""
    return [line for line in exposition.splitlines()
            if line.startswith("tokseg_") or line.startswith(("# HELP tokseg_", "# TYPE tokseg_"))]


def test_a_machine_that_changes_its_accounts_replaces_its_group(stack, tmp_path):
    gateway, _ = stack
    env = machine(tmp_path, "desk", sender("desk", gateway.url))
    refreshed(env)
    assert 'account="credits",host="desk"' in requests.get(gateway.url + "/metrics", timeout=5).text
    config = Path(env["TOKSEG_HOME"]) / "config" / "config.toml"
    config.write_text(config.read_text().split("[accounts.credits]")[0], encoding="utf-8")
    refreshed(env)
    page = requests.get(gateway.url + "/metrics", timeout=5).text
    assert 'account="api",host="desk"' in page and 'account="credits",host="desk"' not in page
    # The module's other tests sum every machine the gateway holds: leave it as found.
    assert requests.delete(gateway.url + "/metrics/job/tokseg/host/desk", timeout=5).status_code == 202


class BlackHole:
    """A listener that accepts and never answers: a hung server, for the timeouts."""

    def __init__(self, port: int = 0) -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def close(self) -> None:
        self.sock.close()


@pytest.mark.parametrize("kind", ["down", "slow"])
def test_a_gateway_down_or_slow_never_fails_the_refresh(tmp_path, kind):
    hole = BlackHole()
    url = hole.url if kind == "slow" else f"http://127.0.0.1:{free_port()}"
    try:
        env = machine(tmp_path, "laptop", sender("laptop", url).replace("[settings]\n", "[settings]\ntimeout = 1\n"))
        started = time.monotonic()
        refreshed(env)
        assert time.monotonic() - started < 10
    finally:
        hole.close()
    assert all(a["status"] == "ok" for a in segment_json(env)["accounts"])
    log = (Path(env["TOKSEG_HOME"]) / "cache" / "refresher.log").read_text()
    warnings = [line for line in log.splitlines() if "pushgateway:" in line]
    reason = "did not answer within 1s" if kind == "slow" else "could not connect to 127.0.0.1"
    assert len(warnings) == 1 and reason in warnings[0], warnings


def test_prometheus_down_or_hung_keeps_the_last_figure(tmp_path):
    prom = start_prometheus(tmp_path / "solo")
    try:
        env = machine(tmp_path, "lead", f'[settings]\ntimeout = 1\n[accounts.team]\nprovider = "prometheus"\n'
                                        f'base_url = "{prom.url}"\nquery = "vector(2.5)"\n')
        refreshed(env)
        assert spent_today(env, "team") == 2.5
        # `tokseg add` with no token (Enter alone): the live fetch against the real server, then the config.
        added = run_tokseg("add", "prometheus", "--name", "solo", "--base-url", prom.url, "-o", "query=vector(1.25)",
                           env=env, input="\n")
        assert added.returncode == 0, added.stdout + added.stderr
        assert spent_today(env, "solo") == 1.25
    finally:
        prom.stop()
    assert_kept(env, "could not connect")
    hole = BlackHole(prom.port)  # the same address, now accepting and never answering
    try:
        assert_kept(env, "did not answer within 1s")
    finally:
        hole.close()


def assert_kept(env: dict[str, str], reason: str) -> None:
    done = run_tokseg("refresh", env=env, timeout=60)
    assert done.returncode != 0
    entry = next(a for a in segment_json(env)["accounts"] if a["name"] == "team")
    assert entry["status"] == "stale" and entry["error"]["kind"] == "network", entry
    assert reason in entry["error"]["message"] and entry["spent"]["today"]["amount"] == 2.5


def test_ci_installs_the_servers():
    """Without the binaries the tests above skip; CI must have them, so they run there."""
    ci = (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text(encoding="utf-8")
    install = ci[ci.index("apt-get install"):].split("\n\n")[0].split()
    assert {"prometheus", "prometheus-pushgateway"} <= set(install)
