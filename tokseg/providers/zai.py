"""Z.ai / Zhipu GLM coding plan: the 5-hour, weekly and MCP windows, used % and reset; the China balance.

Options:
    base_url: API root; while it is left at this default, `region` picks the host; set it for a
        proxy or gateway (default "https://api.z.ai")
    region: "global" (api.z.ai) or "cn" (open.bigmodel.cn); a key works only in the region whose
        console issued it (default "global")
    organization: a BigModel team's organization id, sent as the Bigmodel-Organization header;
        together with `project` it reads the team's plan instead of your own (default "")
    project: the team's project id, sent as the Bigmodel-Project header (default "")
    balance: in region "cn", also read the prepaid pay-as-you-go balance (CNY); when that answer
        fails or is odd the windows still show, with a note (default true)
Reports:
    the plan's token (or credit) windows, named by their length (`5h`, `7d`; `tokens`/`credits` when
    the answer gives no length), and `mcp`, the monthly MCP tool quota; each with used % and reset
    time, the token windows with their length (so a pace). In region "cn", the prepaid balance.
    A note names the plan level. Headline: the fullest token window, else `mcp`, else the balance.
Needs:
    an API key of an account with a GLM Coding Plan, from the console of the same region. Reading
    the windows costs no tokens.
Errors:
    HTTP 401/403 or an answer code 401/1000-1004: auth; HTTP 429 or code 1302/1303/1305: rate_limited;
    any other code than 200, or success false: bad_response with Z.ai's msg; 5xx: server; an
    organization without a project (or the reverse): config
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tokseg.errors import AuthError, BadResponse, ConfigError, TokError
from tokseg.providers._base import Ctx, Run, SecretSpec, Source
from tokseg.providers._common import auth_hint, bearer, no_leak, raise_coded, require_secret, vendor_message
from tokseg.providers._subscription import as_dict, epoch_seconds, number, unique, window_label
from tokseg.reading import MAX_FIGURE, Headline, Money, Reading, Window
from tokseg.safe_text import line as printable

NAME, TITLE = "zai", "Z.ai / Zhipu (GLM coding plan windows)"
CONSOLE = "https://z.ai/manage-apikey/apikey-list"
CONSOLE_CN = "https://bigmodel.cn/usercenter/proj-mgmt/apikeys"
SECRET = SecretSpec(env="ZAI_API_KEY", hint=f"create an API key at {CONSOLE} (China: {CONSOLE_CN})")
# Other tools' names for the key, in the order they are offered; the Zhipu ones are keys of the China site.
OTHER_ENVS = (("Z_AI_API_KEY", "global"), ("ZHIPUAI_API_KEY", "cn"), ("ZHIPU_API_KEY", "cn"),
              ("BIGMODEL_API_KEY", "cn"))
HOSTS = {"global": "https://api.z.ai", "cn": "https://open.bigmodel.cn"}
BALANCE_HOST = "https://www.bigmodel.cn"  # UNCONFIRMED: the console's host, not the API's
CHOICES = {"region": tuple(HOSTS)}

# Reverse-engineered (UNCONFIRMED): neither path nor any field below is documented by Z.ai.
PATH = "/api/monitor/usage/quota/limit"
BALANCE_PATH = "/api/biz/account/query-customer-account-report"
TEAM = "2"  # the `type` query value that asks for the team's plan
AUTH_CODES = frozenset({401, 1000, 1001, 1002, 1003, 1004})  # Z.ai's error table: authentication
RATE_CODES = frozenset({429, 1302, 1303, 1305})  # concurrency, frequency, traffic limits
UNIT_S = {3: 3600.0, 5: 60.0, 6: 7 * 86400.0}  # UNCONFIRMED: `unit` codes (hour, minute, week); others unknown
TOKEN_TYPES = {"TOKENS_LIMIT": "tokens", "CREDIT_LIMIT": "credits"}
MCP_TYPE = "TIME_LIMIT"  # UNCONFIRMED: the monthly MCP tool quota (web search, reader); its unit is no length
MAX_AHEAD = 366 * 86400  # a reset or a length beyond this is not believed
WHERE = "zai quota/limit"
KEY_HINT = ("Z.ai refused the key: it needs an API key of an account with a GLM Coding Plan, from the console "
            'of the same region (keys from bigmodel.cn need region = "cn")')


@dataclass(frozen=True)
class Options:
    base_url: str = "https://api.z.ai"
    region: str = "global"
    organization: str = ""
    project: str = ""
    balance: bool = True


def api_root(options: Options) -> str:
    """base_url once it was changed (a proxy, a test server), else the region's host."""
    if options.base_url.rstrip("/") != Options.base_url:
        return options.base_url
    if options.region not in HOSTS:
        raise ConfigError(f"{NAME}: region {options.region!r} is not one of: {', '.join(HOSTS)}")
    return HOSTS[options.region]


def team_parts(options: Options) -> tuple[dict[str, str], dict[str, str] | None]:
    """The team headers and query, or none for your own plan; one of the two ids alone is a config mistake."""
    org, project = options.organization.strip(), options.project.strip()
    if not org and not project:
        return {}, None
    if not org or not project:
        raise ConfigError(f"{NAME}: a team's plan needs both organization and project (one of them is empty)")
    return {"Bigmodel-Organization": org, "Bigmodel-Project": project}, {"type": TEAM}


def fetch(ctx: Ctx[Options]) -> Reading:
    opts = ctx.options
    secret = require_secret(ctx.secret, NAME)
    root = api_root(opts)
    team, params = team_parts(opts)
    headers = {**bearer(secret), "Accept": "application/json", **team}
    with no_leak(secret):
        try:
            body = ctx.http.get_json(PATH, params=params, headers=headers, base=root)
        except AuthError as exc:
            raise auth_hint(exc, KEY_HINT) from exc
        windows, notes = parse(body, ctx.now())
        balance: tuple[Money, ...] = ()
        if opts.balance and opts.region == "cn":
            balance, note = prepaid(ctx, root, secret)
            if note:
                notes.append(note)
    return reading(windows, notes, balance)


def reading(windows: list[Window], notes: list[str], balance: tuple[Money, ...]) -> Reading:
    """The headline is the fullest token window (the one that stops work), else the MCP one, else the balance."""
    tokens = [w for w in windows if w.name != "mcp"]
    if tokens or windows:
        fullest = max(tokens or windows, key=lambda w: w.used_pct)
        headline = Headline("window", fullest.name)
    else:
        headline = Headline("balance") if balance else Headline("none")
        notes = [*notes, "this key's account reports no coding-plan window"]
    return Reading(headline=headline, windows=tuple(windows), balance=balance, notes=tuple(notes))


def parse(body: Any, now: float) -> tuple[list[Window], list[str]]:
    """The windows and notes of a quota/limit answer; an error code in it raises its class."""
    if not isinstance(body, dict):
        raise BadResponse(f"{WHERE}: the answer is not an object")
    check_status(body, WHERE)
    data = body.get("data")
    if not isinstance(data, dict):
        raise BadResponse(f"{WHERE}: field data {'is missing' if data is None else 'is not an object'}")
    limits = data.get("limits")
    if not isinstance(limits, list):
        raise BadResponse(f"{WHERE}: field data.limits {'is missing' if limits is None else 'is not a list'}")
    windows: list[Window] = []
    taken: set[str] = set()
    for entry in limits:
        window = limit_window(entry, now) if isinstance(entry, dict) else None
        if window:
            windows.append(Window(unique(window.name, taken), window.used_pct, window.resets_at, window.length_s))
    level = data.get("level")  # UNCONFIRMED: "lite", "pro", "max"
    notes = [f"plan: {printable(level, 40)}"] if isinstance(level, str) and level.strip() else []
    return windows, notes


def check_status(body: dict, where: str) -> None:
    """Raise the error the answer's `code`/`success` stand for (Z.ai answers errors with HTTP 200 too)."""
    code, success = body.get("code"), body.get("success")
    value = number(code)
    if success is None and code is None:
        raise BadResponse(f"{where}: the answer has neither success nor code")
    if (success is True or success is None) and (code is None or value == 200):
        return
    text = f"{where}: Z.ai answered code {printable(str(code), 24)} ({vendor_message(body.get('msg'))})"
    raise_coded(text, value, AUTH_CODES, RATE_CODES, KEY_HINT)


def limit_window(entry: dict, now: float) -> Window | None:
    """One `limits[]` entry as a window (its name not yet unique); None for an unknown type or no usable figure."""
    kind = entry.get("type")
    if kind == MCP_TYPE:
        name, length = "mcp", None
    elif isinstance(kind, str) and kind in TOKEN_TYPES:
        length = window_length(entry.get("unit"), entry.get("number"))
        name = window_label(length) if length else TOKEN_TYPES[kind]
    else:
        return None
    used = used_pct(entry)
    if used is None:
        return None
    at = epoch_seconds(entry.get("nextResetTime"))  # UNCONFIRMED: epoch milliseconds
    return Window(name, used, at if at is not None and 0 < at - now <= MAX_AHEAD else None, length)


def window_length(unit: Any, count: Any) -> float | None:
    """Seconds from `unit` (a code, UNIT_S) times `number`; None when either is unknown or odd."""
    code, n = number(unit), number(count)
    scale = UNIT_S.get(int(code)) if code is not None and code == int(code) else None
    if scale is None or n is None or n <= 0 or n != int(n) or n * scale > MAX_AHEAD:
        return None
    return n * scale


def used_pct(entry: dict) -> float | None:
    """Percent used: from the counts when they add up, else the server's `percentage`; None if neither.

    UNCONFIRMED, and counter to its name: `usage` is the window's LIMIT and `currentValue` what is used
    (every tool reading this endpoint found so). The counts are finer than `percentage` (a whole number),
    so they win when both are there; `remaining` is not used (one answer was seen where it did not add up).
    """
    limit, used = number(entry.get("usage")), number(entry.get("currentValue"))
    if limit is not None and used is not None and limit > 0 and 0 <= used <= limit:
        return used / limit * 100.0
    percent = number(entry.get("percentage"))
    return percent if percent is not None and 0 <= percent <= 100 else None


def prepaid(ctx: Ctx[Options], root: str, secret: str) -> tuple[tuple[Money, ...], str]:
    """The China site's prepaid balance, or none and a note: the plan's windows never fail because of it."""
    host = BALANCE_HOST if root == HOSTS["cn"] else root
    try:
        body = ctx.http.get_json(BALANCE_PATH, headers={**bearer(secret), "Accept": "application/json"}, base=host)
        amount = balance_amount(body)
    except TokError as exc:
        return (), f"prepaid balance not read ({exc.kind})"
    return (Money(amount, "CNY"),), ""


def balance_amount(body: Any) -> float:
    """`data.availableBalance` (UNCONFIRMED; in CNY, may be negative when owed), else a BadResponse."""
    where = "zai account-report"
    if not isinstance(body, dict):
        raise BadResponse(f"{where}: the answer is not an object")
    check_status(body, where)
    amount = number(as_dict(body.get("data")).get("availableBalance"))
    if amount is None or abs(amount) >= MAX_FIGURE:
        raise BadResponse(f"{where}: field data.availableBalance is missing or not a number")
    return amount


def detect(env: Mapping[str, str], run: Run) -> list[Source]:
    """A key in another tool's variable (Zhipu's names mean the China site), unless $ZAI_API_KEY is set."""
    if env.get(SECRET.env or "", "").strip():
        return []
    for var, region in OTHER_ENVS:
        if env.get(var, "").strip():
            options = {"region": region} if region != "global" else {}
            return [Source(f"Z.ai / Zhipu API key in ${var}", f"${var}", NAME, NAME, options, key_env=var)]
    return []

