"""After each refresh run, PUT the metrics to a Prometheus Pushgateway, for machines nothing scrapes.

`[settings.push] pushgateway = "http://gateway:9091"` turns it on. The group is
`job="tokseg"` and this machine's `host` label (`/metrics/job/tokseg/host/<host>`):
a PUT replaces the machine's whole group, so an account removed here leaves the
gateway at the next run. Basic auth or a bearer token comes from the variable
`pushgateway_auth_env` names, never from the config. The request has the
providers' timeouts; a gateway that is down, slow or refusing is one warning in
the refresher's log for the run, and the refresh itself never fails for it.
"""

from __future__ import annotations

import base64
import logging
import os
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import requests

from tokseg import context, net, prometheus, safe_text, snapshot, store

if TYPE_CHECKING:
    from tokseg.config import Settings

JOB = "tokseg"
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
PLAIN_SEGMENT = re.compile(r"[A-Za-z0-9._-]+")

log = logging.getLogger("tokseg.refresh")


def after_run(settings: Settings, env: Mapping[str, str] | None = None) -> None:
    """Push what the snapshot holds now; a problem is logged once, never raised."""
    snap = snapshot.read(str(store.snapshot_path()))
    if snap is None:
        return
    who = prometheus.identity(settings.metrics)
    problem = send(settings.pushgateway, prometheus.render(snap, who), who.host,
                   timeout=context.timeouts(settings.timeout),
                   auth=_auth(settings.pushgateway_auth_env, os.environ if env is None else env))
    if problem:
        log.warning("pushgateway: %s; the next run pushes again", problem)
    else:
        log.info("pushgateway: pushed %s", group_url(settings.pushgateway, who.host))


def group_url(base: str, host: str) -> str:
    """The group's URL; a host name a path segment cannot carry as it is goes base64url-encoded, as the
    gateway allows (`host@base64/…`)."""
    root = f"{base.rstrip('/')}/metrics/job/{JOB}"
    if PLAIN_SEGMENT.fullmatch(host):
        return f"{root}/host/{host}"
    return f"{root}/host@base64/{base64.urlsafe_b64encode(host.encode()).decode() or '='}"


def send(base: str, body: str, host: str, *, timeout: tuple[float, float],
         auth: str | None | Exception = None) -> str | None:
    """PUT `body` to the host's group; None when the gateway took it, else the one-line reason."""
    if isinstance(auth, Exception):
        return str(auth)
    url = group_url(base, host)
    where = urlsplit(base).hostname
    headers = {"Content-Type": CONTENT_TYPE, "User-Agent": net.USER_AGENT, **_auth_header(auth)}
    try:
        response = requests.put(url, data=body.encode(), headers=headers, timeout=timeout, allow_redirects=False)
    except requests.Timeout:
        return f"{where} did not answer within {timeout[1]:g}s"
    except requests.ConnectionError:
        return f"could not connect to {where}"
    except requests.RequestException as exc:
        return f"push to {where} failed ({type(exc).__name__})"
    if response.status_code < 300:
        return None
    detail = safe_text.line(" ".join(response.text.split()), 160) if response.text else ""
    kind = "refused the credentials" if response.status_code in (401, 403) else "refused the push"
    return f"{where} {kind} (HTTP {response.status_code}){': ' + detail if detail else ''}"


def _auth(variable: str, env: Mapping[str, str]) -> str | None | Exception:
    """The secret the variable holds, None without one, or the problem to log."""
    if not variable:
        return None
    value = env.get(variable, "").strip()
    if not value:
        return ValueError(f"pushgateway_auth_env names {variable}, which is not set or empty; not pushed")
    return value


def _auth_header(secret: str | None) -> dict[str, str]:
    """"user:password" is basic auth; anything else is a bearer token."""
    if not secret:
        return {}
    if ":" in secret:
        return {"Authorization": "Basic " + base64.b64encode(secret.encode()).decode()}
    return {"Authorization": f"Bearer {secret}"}
