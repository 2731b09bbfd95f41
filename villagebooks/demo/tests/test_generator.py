"""The demo generator's books obey the chart and the village's common sense (no database)."""

from __future__ import annotations

import csv
import shutil
import subprocess
from collections import defaultdict
from datetime import date

import pytest

from villagebooks.demo.generator import (
    CHART,
    FUND_KINDS,
    CountySpec,
    county_books,
    county_layout,
    id_number,
    write_county,
)
from villagebooks.ledger.domain.chart import chart_rules, chart_templates

SPEC = CountySpec(villages=12, vouchers_per_year=300, first_year=2025, end=date(2026, 11, 28), seed=7)


@pytest.fixture(scope="module")
def county():
    return list(county_books(SPEC))


def _rules():
    templates = chart_templates(CHART)
    return (
        {t.code for t in templates if t.requires_fund},
        {t.code for t in templates if t.requires_counterparty},
        {t.code: t.category for t in templates},
    )


def test_every_voucher_balances_on_leaf_accounts_with_required_dimensions(county):
    requires_fund, requires_party, categories = _rules()
    rules = chart_rules(CHART)
    for books in county:
        subs = {a.code: a.parent for a in books.accounts} | {
            rules.undistributed_code: rules.distribution_account,
            rules.appropriation_code: rules.distribution_account,
        }
        parents = set(subs.values())
        funds = {f.name for f in books.funds}
        parties = {c.name for c in books.counterparties}
        assert len(funds) == len(books.funds) and len(parties) == len(books.counterparties)
        keys = [v.key for v in books.vouchers]
        assert len(keys) == len(set(keys))
        assert [v.date for v in books.vouchers] == sorted(v.date for v in books.vouchers)
        for voucher in books.vouchers:
            assert len(voucher.lines) >= 2
            assert sum(x.debit_fen for x in voucher.lines) == sum(x.credit_fen for x in voucher.lines)
            for line in voucher.lines:
                assert (line.debit_fen > 0) != (line.credit_fen > 0), voucher
                assert line.account in categories or line.account in subs, line
                assert line.account not in parents, f"{line.account} is not a leaf"
                assert line.summary and len(line.summary) <= 200
                level_one = line.account[:3]
                if level_one in requires_fund:
                    assert line.fund, voucher
                if level_one in requires_party:
                    assert line.counterparty, voucher
                assert not line.fund or line.fund in funds
                assert not line.counterparty or line.counterparty in parties
        for opening in books.openings:
            assert opening.account not in parents
        assert sum(o.debit_fen for o in books.openings) == sum(o.credit_fen for o in books.openings)


def _absurd(account: str, net_debit: int) -> bool:
    """A balance on the wrong side for what the account holds."""
    if account[:3] in ("101", "102", "112", "141", "151", "153"):
        return net_debit < 0  # money, receivables, assets: never below zero
    if account[:3] in ("211", "231", "241"):
        return net_debit > 0  # payables and funds: never paid out beyond what came in
    return False


def test_no_account_is_driven_to_an_absurd_sign(county):
    """Cash and bank never below zero; funds never overspent; receivables and payables on their side."""
    for books in county:
        balance: dict[tuple, int] = defaultdict(int)
        totals: dict[str, int] = defaultdict(int)
        for o in books.openings:
            balance[(o.account, o.fund, o.counterparty)] += o.debit_fen - o.credit_fen
            totals[o.account] += o.debit_fen - o.credit_fen
        for voucher in books.vouchers:
            for line in voucher.lines:
                key = (line.account, line.fund, line.counterparty)
                balance[key] += line.debit_fen - line.credit_fen
                totals[line.account] += line.debit_fen - line.credit_fen
            for line in voucher.lines:
                key = (line.account, line.fund, line.counterparty)
                assert not _absurd(line.account, balance[key]), (voucher, key, balance[key])
                assert not _absurd(line.account, totals[line.account]), (voucher, line.account)
            assert totals["101"] <= 5_000_00 + 2_000_00, voucher  # about the cash limit


def test_every_fund_kind_in_every_village_with_issuer_and_document(county):
    for books in county:
        assert {f.kind for f in books.funds} == set(FUND_KINDS)
        for fund in books.funds:
            assert fund.issuer and fund.document_number and fund.amount_fen > 0
        used = {line.fund for v in books.vouchers for line in v.lines if line.fund}
        assert {f.kind for f in books.funds if f.name in used} == set(FUND_KINDS)


def test_village_business_is_all_there(county):
    for books in county:
        accounts = {line.account[:3] for v in books.vouchers for line in v.lines}
        assert {"101", "102", "112", "141", "151", "153", "211", "231", "241", "311"} <= accounts
        assert {"501", "502", "503", "504", "513", "514"} <= accounts
        kinds = {c.kind for c in books.counterparties}
        assert {"household", "organisation"} <= kinds
        households = [c for c in books.counterparties if c.kind == "household"]
        assert all(len(c.id_number) == 18 for c in households)
        paid = {line.counterparty for v in books.vouchers for line in v.lines if line.account == "211"}
        assert {c.name for c in households} <= paid  # subsidies reach named households


def test_regions_have_twelve_digit_codes_under_the_county():
    regions, sites = county_layout(CountySpec(villages=40))
    assert len(sites) == 40
    assert len({r.code for r in regions}) == len(regions)
    assert all(len(r.code) == 12 and r.code.isdigit() for r in regions)
    townships = [r for r in regions if r.kind == "township"]
    assert len(townships) == 5
    assert all(r.parent_code == "510781000000" for r in townships)
    assert all(s.code[:9] == s.township_code[:9] for s in sites)
    assert len({s.name for s in sites}) == 40


def test_id_numbers_carry_a_valid_check_character():
    import random

    rng = random.Random(1)
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    for _ in range(50):
        number = id_number(rng, "510781")
        total = sum(int(d) * w for d, w in zip(number[:17], weights, strict=True))
        assert number[17] == "10X98765432"[total % 11]


def test_same_seed_same_files_and_held_vouchers_are_the_last(tmp_path):
    spec = CountySpec(villages=3, vouchers_per_year=150, end=date(2026, 11, 28), seed=11)
    one = write_county(spec, tmp_path / "one", hold_last=3, split_by_township=True)
    two = write_county(spec, tmp_path / "two", hold_last=3, split_by_township=True)
    assert sorted(one.vouchers) == sorted(two.vouchers)
    for key, path in one.vouchers.items():
        assert path.read_bytes() == two.vouchers[key].read_bytes()
    assert one.pending.read_bytes() == two.pending.read_bytes()
    assert one.pending_count == 9
    with one.pending.open(encoding="utf-8") as handle:
        pending = list(csv.DictReader(handle))
    assert {row["date"][:7] for row in pending} == {"2026-11"}
    last_posted: dict[str, str] = {}
    for path in one.vouchers.values():
        with path.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                last_posted[row["ledger"]] = max(last_posted.get(row["ledger"], ""), row["voucher"])
    for row in pending:
        assert row["voucher"] > last_posted[row["ledger"]]
        assert row["date"] <= "2026-11-28"


@pytest.mark.skipif(not shutil.which("hledger"), reason="hledger is not installed")
def test_hledger_computes_the_balances_of_the_import_files(tmp_path):
    spec = CountySpec(villages=2, vouchers_per_year=120, seed=3)
    files = write_county(spec, tmp_path, journal=True)
    expected: dict[str, int] = defaultdict(int)
    for books in county_books(spec):
        for o in books.openings:
            expected[o.account] += o.debit_fen - o.credit_fen
    with files.vouchers["2025"].open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            debit = int(row["debit"].replace(".", "") or 0)
            credit = int(row["credit"].replace(".", "") or 0)
            expected[row["account"]] += debit - credit
    output = subprocess.run(
        ["hledger", "-f", str(files.journal), "bal", "--flat", "--no-total", "-O", "csv"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    computed = {}
    for row in list(csv.reader(output.splitlines()))[1:]:
        leaf = row[0].rsplit(":", 1)[-1][1:]
        computed[leaf] = int(row[1].replace(".", "")) if "." in row[1] else int(row[1]) * 100
    leaves = {code: fen for code, fen in expected.items() if fen}
    assert {code: computed.get(code, 0) for code in leaves} == leaves


def test_cash_payments_stay_within_the_supervision_cash_limit(county):
    """The ordinary books follow the supervision rules: no cash payment above 1,000.00 yuan (the
    default of cash_over_limit), so that the demo's alerts are the real ones. Cash paid into the
    bank is no payment."""
    from villagebooks.supervision.thresholds import defaults

    limit = int(defaults()["cash_over_limit"]["cash_limit"].replace(".", ""))
    for books in county:
        for voucher in books.vouchers:
            if any(line.account.startswith("102") and line.debit_fen for line in voucher.lines):
                continue
            for line in voucher.lines:
                if line.account.startswith("101"):
                    assert line.credit_fen <= limit, voucher


def test_a_vouchers_summary_is_true_of_its_accounts(county):
    """A routine voucher's summary (its first line's, which the lists show) names one kind of
    spending, and every expense line of the voucher is on that kind's sub-account: no
    慰问老党员 booked to 道路维护."""
    from villagebooks.demo.generator import OFFICE_ITEMS, WELFARE_ITEMS

    kinds = [(max(text.split("{person}"), key=len), code) for code, text in (*OFFICE_ITEMS, *WELFARE_ITEMS)]
    checked = 0
    for books in county:
        for voucher in books.vouchers:
            codes = {code for text, code in kinds if text in voucher.summary}
            if len(codes) != 1:
                continue
            expense = {line.account for line in voucher.lines if line.account[:3] in ("513", "514")}
            assert expense <= codes, (books.site, voucher.key, voucher.summary, expense)
            checked += 1
    assert checked > 500
