"""MiniMax coding plan: each model's interval (5-hour) and weekly window, used % and reset.

Options:
    base_url: API root; while it is left at this default, `region` picks the host; set it for a
        proxy or gateway (default "https://api.minimax.io")
    region: "global" (api.minimax.io) or "cn" (api.minimaxi.com); a key works only in the region
        whose console issued it (default "global")
    group_id: the account's GroupId, sent as a query parameter when set; the endpoint answers
        without it (default "")
Reports:
    per model of the plan, a window named after the model (MiniMax-M2 → `m2`, MiniMax-M2.5 →
    `m2-5`): the rolling interval window (5 hours on coding plans), and `<model>.week`, the weekly
    window; each with used % and reset time. A window the plan does not limit is left out. Only
    the weekly window has a known length (a week), so only it shows a pace. Headline: the fullest
    window.
Needs:
    a coding-plan key `sk-cp-…` from the console of the same region (pay-as-you-go API keys have no
    plan windows). Reading the windows costs no tokens.
Errors:
    401/403 or base_resp.status_code 1004: auth; status_code 1002 ("rate limit") or HTTP 429:
    rate_limited; any other non-zero status_code: bad_response with MiniMax's status_msg; a 404 on
    the coding-plan path is asked once more at /v1/token_plan/remains; 5xx: server
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tokseg.errors import AuthError, BadResponse, ConfigError
from tokseg.providers._base import Ctx, Run, SecretSpec, Source
from tokseg.providers._common import (
    auth_hint,
    bearer,
    no_leak,
    prefix_problem,
    raise_coded,
    require_secret,
    vendor_message,
)
from tokseg.providers._subscription import as_dict, epoch_seconds, number, unique
from tokseg.reading import Headline, Reading, Window

NAME, TITLE = "minimax", "MiniMax (coding plan windows)"
CONSOLE = "https://platform.minimax.io/user-center/payment/coding-plan"
CONSOLE_CN = "https://platform.minimaxi.com/user-center/payment/coding-plan"
SECRET = SecretSpec(env="MINIMAX_CODING_API_KEY", hint=f"create a coding-plan key at {CONSOLE} (China: {CONSOLE_CN})")
OTHER_ENV = "MINIMAX_API_KEY"  # other tools' name for it; MINIMAX_CODING_API_KEY wins when both are set
HOSTS = {"global": "https://api.minimax.io", "cn": "https://api.minimaxi.com"}
CHOICES = {"region": tuple(HOSTS)}

# Reverse-engineered (UNCONFIRMED): neither path nor any field below is documented by MiniMax.
PATH = "/v1/api/openplatform/coding_plan/remains"
FALLBACK_PATH = "/v1/token_plan/remains"  # the token plan's twin, asked only when PATH answers 404
KEY_PREFIX = "sk-cp-"
AUTH_CODES = frozenset({1004})  # MiniMax's error table: "not authorized / token not match group"
RATE_CODES = frozenset({1002})  # "rate limit"
UNLIMITED = 3  # UNCONFIRMED: current_*_status 3 marks a window without a limit
MAX_AHEAD = 366 * 86400  # a reset further ahead than this is not believed
MAX_NAME = 24
WHERE = "minimax coding_plan/remains"
KEY_HINT = ("MiniMax refused the key: it needs a coding-plan key sk-cp-… from the console of the same "
            'region (keys from platform.minimaxi.com need region = "cn")')
# (window suffix, field prefix, reset time field, time-to-reset field) of the two windows per model.
# (name suffix, field prefix, end field, time-left field, length). The interval's length is not in the
# answer and differs by plan, so it stays unknown (no pace); the weekly window is a week by its name.
WINDOWS = (("", "current_interval", "end_time", "remains_time", None),
           (".week", "current_weekly", "weekly_end_time", "weekly_remains_time", 7 * 86400.0))


@dataclass(frozen=True)
class Options:
    base_url: str = "https://api.minimax.io"
    region: str = "global"
    group_id: str = ""


def key_problem(secret: str) -> str | None:
    """A one-line explanation when `secret` is not a coding-plan key, else None."""
    return prefix_problem(secret, KEY_PREFIX, "MiniMax coding-plan", CONSOLE)


def api_root(options: Options) -> str:
    """base_url once it was changed (a proxy, a test server), else the region's host."""
    if options.base_url.rstrip("/") != Options.base_url:
        return options.base_url
    if options.region not in HOSTS:
        raise ConfigError(f"{NAME}: region {options.region!r} is not one of: {', '.join(HOSTS)}")
    return HOSTS[options.region]


def fetch(ctx: Ctx[Options]) -> Reading:
    opts = ctx.options
    secret = require_secret(ctx.secret, NAME)
    root = api_root(opts)
    headers = {**bearer(secret), "Accept": "application/json"}
    params = {"GroupId": opts.group_id} if opts.group_id else None
    with no_leak(secret):
        try:
            body = _remains(ctx, root, headers, params)
        except AuthError as exc:
            raise auth_hint(exc, KEY_HINT) from exc
        return parse(body, ctx.now())


def _remains(ctx: Ctx[Options], root: str, headers: dict[str, str], params: dict[str, str] | None) -> Any:
    try:
        return ctx.http.get_json(PATH, params=params, headers=headers, base=root)
    except BadResponse as exc:
        if exc.status != 404:
            raise
    return ctx.http.get_json(FALLBACK_PATH, params=params, headers=headers, base=root)


def parse(body: Any, now: float) -> Reading:
    """The windows of a remains answer; an error in base_resp raises its class."""
    if not isinstance(body, dict):
        raise BadResponse(f"{WHERE}: the answer is not an object")
    data = as_dict(body.get("data")) or body  # UNCONFIRMED: some answers nest everything under "data"
    check_status(as_dict(body.get("base_resp")) or as_dict(data.get("base_resp")))
    remains = data.get("model_remains")
    if not isinstance(remains, list):
        state = "is missing" if remains is None else "is not a list"
        raise BadResponse(f"{WHERE}: field model_remains {state}")
    windows: list[Window] = []
    taken: set[str] = set()
    for index, entry in enumerate(remains):
        if isinstance(entry, dict):
            name = unique(window_name(entry.get("model_name"), index), taken)
            windows.extend(model_windows(entry, name, now))
    if not windows:
        why = "this key has no coding plan (no models in the answer)" if not remains else \
            "the plan reports no limited window"
        return Reading(notes=(why,))
    fullest = max(windows, key=lambda w: w.used_pct)  # the first of equals: interval before weekly
    return Reading(headline=Headline("window", fullest.name), windows=tuple(windows))


def check_status(base_resp: dict) -> None:
    """Raise the error a non-zero `status_code` stands for; no base_resp at all counts as success."""
    if "status_code" not in base_resp:
        return
    code = number(base_resp["status_code"])
    if code is None:
        raise BadResponse(f"{WHERE}: field base_resp.status_code is not a number")
    if code == 0:
        return
    text = f"{WHERE}: MiniMax answered status_code {code:g} ({vendor_message(base_resp.get('status_msg'))})"
    raise_coded(text, code, AUTH_CODES, RATE_CODES, KEY_HINT)


def window_name(model: Any, index: int) -> str:
    """MiniMax-M2 → m2, MiniMax-M2.5 → m2-5, MiniMax-M* → m: letters, digits and dashes, as templates name fields."""
    text = model.lower() if isinstance(model, str) else ""
    text = text[len("minimax-"):] if text.startswith("minimax-") else text
    slug = "-".join(re.findall(r"[a-z0-9]+", text))[:MAX_NAME].strip("-")
    return slug or f"model{index + 1}"


def model_windows(entry: dict, name: str, now: float) -> list[Window]:
    """The interval window `name` and the weekly window `name.week`, each only when the answer limits it."""
    found = []
    for suffix, prefix, end_field, after_field, length in WINDOWS:
        if number(entry.get(f"{prefix}_status")) == UNLIMITED:
            continue
        used = used_pct(entry, prefix)
        if used is not None:
            resets_at = reset_time(entry.get(end_field), entry.get(after_field), now)
            found.append(Window(name + suffix, used, resets_at, length))
    return found


def used_pct(entry: dict, prefix: str) -> float | None:
    """Percent used, from `<prefix>_remaining_percent` when given, else from the counts; None if neither adds up.

    UNCONFIRMED, and counter to its name: `<prefix>_usage_count` is what is LEFT of
    `<prefix>_total_count` (every tool reading this endpoint found so), so used = total - usage_count.
    The remaining percent is unambiguous, so it wins when both are there.
    """
    left_pct = number(entry.get(f"{prefix}_remaining_percent"))
    if left_pct is not None and 0 <= left_pct <= 100:
        return 100.0 - left_pct
    total = number(entry.get(f"{prefix}_total_count"))
    left = number(entry.get(f"{prefix}_usage_count"))
    if total is None or left is None or total <= 0 or not 0 <= left <= total:
        return None
    return (total - left) / total * 100.0


def reset_time(end: Any, after_ms: Any, now: float) -> float | None:
    """The window's end (epoch ms), else now + the time left (ms, UNCONFIRMED); None when neither is believable."""
    at = epoch_seconds(end)
    if at is None or at <= now:
        after = number(after_ms)
        at = now + after / 1000.0 if after is not None and after > 0 else None
    return at if at is not None and 0 < at - now <= MAX_AHEAD else None


def detect(env: Mapping[str, str], run: Run) -> list[Source]:
    """A coding-plan key in $MINIMAX_API_KEY (only its prefix is looked at), unless $MINIMAX_CODING_API_KEY is set."""
    key = env.get(OTHER_ENV, "").strip()
    if not key.startswith(KEY_PREFIX) or env.get(SECRET.env or "", "").strip():
        return []
    return [Source(f"MiniMax coding-plan key in ${OTHER_ENV}", f"${OTHER_ENV}", NAME, NAME, key_env=OTHER_ENV)]
