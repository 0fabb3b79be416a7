"""`config check` refuses what would break the bar: huge template widths, nan/inf, files that are no config."""

from __future__ import annotations

import os
import time

import pytest

from tests.conftest import run_tokseg, write_config
from tokseg.render import template as templates

ACCOUNT = '[accounts.credits]\nprovider = "demo"\n'


@pytest.mark.parametrize("spec", [">999999999", ">99999999999", ".300f", "0>257", ">0257", ">" + "9" * 5000])
def test_config_check_refuses_huge_widths_and_precisions(config_file, spec):
    write_config(config_file, f'[settings]\ntemplate = "{{credits.value:{spec}}}"\n{ACCOUNT}')
    done = run_tokseg("config", "check")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"{config_file}:2: [settings] template: {{credits.value:{spec}}}: width or precision" in done.stderr
    assert f"is above {templates.MAX_SPEC_NUMBER}" in done.stderr


def test_config_check_accepts_ordinary_widths(config_file):
    write_config(config_file, f'[settings]\ntemplate = "{{credits.value:>8.2f}} {{credits.value:0>256}}"\n{ACCOUNT}')
    assert run_tokseg("config", "check").returncode == 0


def test_format_check_and_the_segment_bound_widths(config_file):
    write_config(config_file, ACCOUNT)
    run_tokseg("refresh", "-q")
    checked = run_tokseg("format", "check", "{credits.value:>999999999}", timeout=10)
    assert checked.returncode == 1
    assert "template: {credits.value:>999999999}: width or precision 999999999 is above 256" in checked.stderr
    started = time.monotonic()
    shown = run_tokseg("--template", "{credits.value:>999999999}|{credits.value:.2f}", timeout=10)
    assert time.monotonic() - started < 5 and shown.returncode == 0
    body = shown.stdout.strip()
    assert body.endswith(" !tpl")  # the spec is refused, and the segment says the template is wrong
    value, rounded = body.removesuffix(" !tpl").split("|")
    assert len(value) < 20 and float(value) == pytest.approx(float(rounded), abs=0.01)


@pytest.mark.parametrize(("table", "key"), [
    ("settings", "interval"), ("settings", "timeout"), ("settings", "stale_factor"), ("settings", "history_days"),
    ("settings", "deadline"), ("accounts.credits", "warn_below"), ("accounts.credits", "crit_below"),
    ("accounts.credits", "interval"),
])
@pytest.mark.parametrize("number", ["nan", "inf", "-inf"])
def test_non_finite_numbers_are_refused(config_file, table, key, number):
    body = f'[{table}]\n{key} = {number}\n'
    if table == "accounts.credits":
        body = f'[accounts.credits]\nprovider = "demo"\n{key} = {number}\n'
    write_config(config_file, body)
    done = run_tokseg("config", "check")
    line = 3 if table == "accounts.credits" else 2
    assert done.returncode == 1
    assert f"{config_file}:{line}: [{table}] {key}: must be a finite number, not nan or inf" in done.stderr


def test_files_that_are_no_config_are_refused_at_once(tmp_path):
    fifo = tmp_path / "fifo.toml"
    os.mkfifo(fifo)
    big = tmp_path / "big.toml"
    big.write_text("#" * (1024 * 1024 + 1))
    for path, problem in ((os.devnull, "not a regular file"), ("/dev/zero", "not a regular file"),
                          (str(tmp_path), "not a regular file"), (str(fifo), "not a regular file"),
                          (str(big), "more than a config can be")):
        done = run_tokseg("config", "check", env={"TOKSEG_CONFIG": path}, timeout=10)
        assert done.returncode == 1 and f"{path}: " in done.stderr and problem in done.stderr, done.stderr
    added = run_tokseg("add", "demo", env={"TOKSEG_CONFIG": "/dev/zero"}, timeout=10)
    assert added.returncode == 1 and "not a regular file" in added.stderr


def test_render_time_specs_beyond_the_cap_show_the_value_unformatted():
    values = {"x": 1.5}
    assert templates.render("{x:>0256}", values) == "0" * 253 + "1.5"
    assert templates.render("{x:>0257}|{x:.999f}|{x:>" + "0" * 5000 + "4}", values) == "1.5|1.5|01.5"
