"""The shapes that travel from the refresher to the renderers, for the type checker.

    Reading.to_dict ──▶ snapshot.json (Snapshot, AccountEntry) ──▶ view.build (View, ViewItem) ──▶ view.fields

The snapshot is plain JSON written by the refresher (`refresh._merge`,
`insights.annotate`, `config.compile_hot_settings`) and read by the hot
path; the view is what `render/view.py` makes of it for every renderer.
A figure keeps one name the whole way (the account's `budget_state` is
`budget_state` in the snapshot, the view and `--json`); only the template
fields users write (`{NAME.budget}`) and the `--json` schema keep their
documented names.

Every module imports this one only under `TYPE_CHECKING`, so it costs the
hot path nothing and may use `typing` freely. A snapshot written by an
older version may lack keys added since: readers use `.get` for those.
"""

from __future__ import annotations

from typing import Literal, TypedDict

BudgetState = Literal["ok", "warn", "crit"]
# What colours an account: a threshold or budget crossed outranks staleness.
AccountState = Literal["ok", "warn", "crit", "stale", "error", "pending"]
# Freshness of the figures shown: "error" means there are none, only an error.
Freshness = Literal["ok", "stale", "error", "pending"]
# The refresh schedule of an account; "parked" waits for a new key or config.
EntryStatus = Literal["pending", "ok", "error", "parked"]


# --- the reading (Reading.to_dict) ---

class MoneyDict(TypedDict):
    amount: float
    currency: str


class TokensDict(TypedDict):
    input: int
    output: int
    cache_read: int
    cache_write: int
    total: int


class _WindowBase(TypedDict):
    name: str
    used_pct: float
    resets_at: float | None


class WindowDict(_WindowBase, total=False):
    """`length_s` (seconds from start to reset, null when unknown) is written by every version that has it;
    older snapshots lack it."""

    length_s: float | None


class RateLimitDict(TypedDict):
    name: str
    limit: float
    remaining: float
    resets_at: float | None


class HeadlineDict(TypedDict):
    kind: str
    key: str


class ModelUsageDict(TypedDict):
    model: str
    period: str
    spent: MoneyDict | None
    tokens: TokensDict | None


class UsageDict(TypedDict):
    requests: int
    spent: MoneyDict | None
    tokens: TokensDict


class BranchUsageDict(UsageDict):
    branch: str


class ProjectUsageDict(UsageDict):
    project: str
    root: str
    remote: str
    period: str
    sessions: int
    branches: list[BranchUsageDict]


class SessionUsageDict(UsageDict):
    session: str
    project: str
    branch: str
    period: str
    first: float | None
    last: float | None


class EfficiencyDict(TypedDict):
    period: str
    requests: int
    cache_leverage: float | None
    cost_per_request: MoneyDict | None
    output_share: float | None


class _LogFigures(TypedDict, total=False):
    """Only local-log sources report these; a snapshot from before them has none."""

    projects: list[ProjectUsageDict]
    sessions: list[SessionUsageDict]
    efficiency: list[EfficiencyDict]


class _AgentFigures(TypedDict, total=False):
    """`context_pct` (a coding agent's context window fill, percent) is written only by a provider that
    knows it (claude_statusline); every reader uses `.get` for it."""

    context_pct: float


class ReadingDict(_LogFigures, _AgentFigures):
    headline: HeadlineDict
    balance: list[MoneyDict]
    limit: MoneyDict | None
    limit_remaining: MoneyDict | None
    spent: dict[str, MoneyDict]
    tokens: dict[str, TokensDict]
    windows: list[WindowDict]
    rate_limits: list[RateLimitDict]
    models: list[ModelUsageDict]
    notes: list[str]


# --- what the refresher derives (insights.annotate) ---

class ForecastDict(TypedDict):
    """`forecast.forecast`: burn rate from history and when the figure runs out or fills."""

    metric: str
    unit: str
    kind: str
    burn_per_hour: float
    span_h: float
    runs_out_at: float | None
    resets_at: float | None


class BudgetCheck(TypedDict):
    """One budget rule against its figure (`budgets.spend_checks`, `budgets.account_checks`)."""

    rule: str
    used: float
    limit: float | None
    unit: str
    pct: float | None
    state: BudgetState


class TotalBudget(TypedDict):
    """The all-accounts `[budgets]` table's checks, in its one currency."""

    state: BudgetState
    currency: str
    checks: list[BudgetCheck]


class ErrorDict(TypedDict):
    kind: str
    message: str
    at: float | None


# --- the snapshot ---

class ConfiguredAccount(TypedDict):
    """The account's config as the snapshot keeps it (`fingerprint` changes with any of its keys)."""

    provider: str
    label: str
    interval: float
    enabled: bool
    fingerprint: str


class _AccountEntryBase(ConfiguredAccount):
    """Written by `refresh._merge` for every configured account."""

    reading: ReadingDict | None
    fetched_at: float | None
    failures: int
    status: EntryStatus
    next_due: float | None


class AccountEntry(_AccountEntryBase, total=False):
    """`snapshot["accounts"][NAME]`; the keys below appear after the first fetch (`refresh._apply`)
    and the first run with history (`insights.annotate`)."""

    last_attempt: float
    error: ErrorDict | None
    park_key: str | None
    forecast: ForecastDict | None
    budget: list[BudgetCheck]
    budget_state: BudgetState
    trend: str


class Thresholds(TypedDict, total=False):
    """An account's `warn_below`/`crit_below` (money left) and `warn_pct`/`crit_pct` (percent used)."""

    warn_below: float
    crit_below: float
    warn_pct: float
    crit_pct: float


class HotSettings(TypedDict, total=False):
    """`config.compile_hot_settings`: what the hot path needs from the config; empty before the first
    good config."""

    template: str
    separator: str
    stale_factor: float
    spawn_cooldown: float
    thresholds: dict[str, Thresholds]
    palette: dict[str, dict[str, object]]
    push: dict[str, bool | int]
    project_names: str  # "folder" or "remote": how {NAME.project.name} names a project


class SnapshotConfig(TypedDict, total=False):
    """Which config the snapshot was made from; `error` is set while that file is invalid."""

    path: str
    mtime: float | None
    error: str | None
    accounts: list[str]


class _SnapshotBase(TypedDict):
    schema: int
    written_at: float | None
    settings: HotSettings
    config: SnapshotConfig
    accounts: dict[str, AccountEntry]


class Snapshot(_SnapshotBase, total=False):
    """snapshot.json; `budget` appears after the first run with history."""

    budget: TotalBudget


# --- the view (render/view.py) ---

class ViewItem(TypedDict):
    """One account as every renderer draws it."""

    name: str
    provider: str | None
    label: str
    status: Freshness
    state: AccountState
    stale: bool
    error: ErrorDict | None
    fetched_at: float | None
    age_s: float | None
    headline: str
    value: float | None
    reading: ReadingDict | None
    used_pct: float | None
    forecast: ForecastDict | None
    budget_state: BudgetState
    budget: list[BudgetCheck]
    trend: str


class Totals(TypedDict, total=False):
    """Sums per currency (CNY is never added to USD); empty when there is no snapshot."""

    balance: dict[str, float]
    spent_today: dict[str, float]
    spent_month: dict[str, float]


class _ViewBase(TypedDict):
    missing: bool
    now: float
    accounts: list[ViewItem]
    totals: Totals
    config_error: str | None
    due: bool
    settings: HotSettings


class View(_ViewBase, total=False):
    """What `view.build` makes of a snapshot; `refreshing` is set by the hot path when it spawned one,
    `template_error` by `render.render` for the template it renders."""

    budget: TotalBudget | None
    cwd: str  # the folder whose project `{NAME.project}` shows: the caller's, or a pushed variant's
    refreshing: bool
    template_error: str | None
