"""The English translation (villagebooks/locale/en): complete, compiled, consistent, and used.

The msgids are Chinese (zh-hans, the default language). These tests read the .po file with a
small parser of their own and the .mo file with Python's ``gettext``, so they need no gettext
tools: a fresh machine runs them as CI does.
"""

from __future__ import annotations

import ast
import gettext
import importlib
import re
from datetime import date
from pathlib import Path

import pytest
from django.test import Client
from django.utils import translation
from django.utils.functional import Promise

from villagebooks.common.errors import DomainError
from villagebooks.common.money import MoneyError, yuan_to_fen
from villagebooks.ledger import services
from villagebooks.ledger.domain.vouchers import LineInput
from villagebooks.ledger.models import Voucher, VoucherLine, VoucherStatus
from villagebooks.reports.catalog import REPORT_KINDS

LOCALE = Path(__file__).resolve().parents[2] / "locale" / "en" / "LC_MESSAGES"
PO = LOCALE / "django.po"
MO = LOCALE / "django.mo"

# The modules whose module-level texts users read; every lazy text in them must have English.
MESSAGE_MODULES = [
    "villagebooks.common.money",
    "villagebooks.ledger.errors",
    "villagebooks.ledger.access",
    "villagebooks.ledger.importing.apart",
    "villagebooks.ledger.importing.columns",
    "villagebooks.ledger.importing.messages",
    "villagebooks.ledger.domain.periods",
    "villagebooks.ledger.domain.vouchers",
    "villagebooks.claims.errors",
    "villagebooks.regions.access",
    "villagebooks.regions.commands",
    "villagebooks.regions.services",
    "villagebooks.reports.books",
    "villagebooks.reports.breakdown",
    "villagebooks.reports.catalog",
    "villagebooks.reports.comparisons",
    "villagebooks.reports.dimensions",
    "villagebooks.reports.fund_summary",
    "villagebooks.reports.ledger_export",
    "villagebooks.reports.pdf.reports",
    "villagebooks.reports.pdf.vouchers",
    "villagebooks.reports.scope",
    "villagebooks.reports.statements",
    "villagebooks.reports.trial_balance",
    "villagebooks.reports.xlsx",
]

BRACE = re.compile(r"(?<!\{)\{([A-Za-z_]\w*)(?:[:!][^}]*)?\}")
PERCENT = re.compile(r"%\(([A-Za-z_]\w*)\)[sdif]")
BARE_PERCENT = re.compile(r"%[sdif]")


# ---------------------------------------------------------------------------------------------
# Reading the .po file


def _string(line: str) -> str:
    return ast.literal_eval(line)


def read_po(path: Path) -> list[dict]:
    """The entries of a .po file: msgctxt, msgid, msgid_plural, msgstr {index: text}, flags,
    obsolete. The header is the entry whose msgid is ""."""
    entries, entry, field = [], None, None
    for raw in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = raw.strip()
        if not line:
            if entry is not None and entry["msgid"] is not None:
                entries.append(entry)
            entry, field = None, None
            continue
        if entry is None:
            entry = {"msgctxt": None, "msgid": None, "msgid_plural": None, "msgstr": {}, "flags": set()}
            entry["obsolete"] = False
        if line.startswith("#~"):
            entry["obsolete"] = True
            continue
        if line.startswith("#,"):
            entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
            continue
        if line.startswith("#"):
            continue
        match = re.match(r"(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])?\s+(\".*\")$", line)
        if match:
            field = (match.group(1), int(match.group(2) or 0))
            text = _string(match.group(3))
            if field[0] == "msgstr":
                entry["msgstr"][field[1]] = text
            else:
                entry[field[0]] = text
        else:
            assert line.startswith('"'), f"unreadable line in {path.name}: {raw!r}"
            text = _string(line)
            if field[0] == "msgstr":
                entry["msgstr"][field[1]] += text
            else:
                entry[field[0]] += text
    return entries


@pytest.fixture(scope="module")
def po_entries() -> list[dict]:
    return read_po(PO)


def _messages(entries: list[dict]) -> list[dict]:
    return [e for e in entries if e["msgid"] and not e["obsolete"]]


# ---------------------------------------------------------------------------------------------
# The catalogue itself


def test_the_catalogue_holds_the_source_messages(po_entries):
    messages = _messages(po_entries)
    msgids = {e["msgid"] for e in messages}
    # A few of each kind: a service error, a report title, a header, a page text.
    assert {"借贷不平衡：借方合计 {debit}，贷方合计 {credit}", "科目余额表", "期初借方", "村账通"} <= msgids
    assert len(messages) >= 700


def test_every_msgid_has_english_and_nothing_is_fuzzy(po_entries):
    header = next(e for e in po_entries if e["msgid"] == "")
    assert "fuzzy" not in header["flags"]
    assert "Language: en\n" in header["msgstr"][0]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);\n" in header["msgstr"][0]
    untranslated = [e["msgid"] for e in _messages(po_entries) if not all(e["msgstr"].values())]
    fuzzy = [e["msgid"] for e in po_entries if "fuzzy" in e["flags"]]
    plurals_short = [e["msgid"] for e in _messages(po_entries) if e["msgid_plural"] and len(e["msgstr"]) != 2]
    assert (untranslated, fuzzy, plurals_short) == ([], [], [])


def test_no_english_text_is_left_in_chinese(po_entries):
    """A msgstr that still holds Chinese is a msgid copied, not translated. The exceptions are
    examples of Chinese input that the English text names on purpose (account names users type)."""
    cjk = re.compile(r"[\u4e00-\u9fff]")
    # Values an import file must hold in Chinese (the English message names what to write).
    allowed = {
        "管理费用",
        "办公费",
        "省",
        "市",
        "县",
        "乡镇",
        "村",
        "成员大会",
        "成员代表大会",
        "是",
        "否",
        "不计提折旧",
    }
    left = [
        (e["msgid"], text)
        for e in _messages(po_entries)
        for text in e["msgstr"].values()
        if set(cjk.findall(text)) - set("".join(allowed))
    ]
    assert left == []


def test_the_placeholders_of_every_msgstr_are_those_of_its_msgid(po_entries):
    wrong = []
    for entry in _messages(po_entries):
        for index, text in entry["msgstr"].items():
            source = entry["msgid_plural"] if entry["msgid_plural"] and index > 0 else entry["msgid"]
            for pattern in (BRACE, PERCENT):
                if set(pattern.findall(text)) != set(pattern.findall(source)):
                    wrong.append((source, text))
            if len(BARE_PERCENT.findall(text)) != len(BARE_PERCENT.findall(source)):
                wrong.append((source, text))
    assert wrong == []


def test_the_compiled_mo_file_is_the_po_file(po_entries):
    """django.mo holds exactly what django.po says (run ``compilemessages`` after editing it).

    The .mo is read with Python's gettext, the .po with the parser above; msgfmt leaves out
    fuzzy and untranslated entries, so the expected catalogue does too.
    """
    expected = {}
    for entry in po_entries:
        if entry["obsolete"] or "fuzzy" in entry["flags"]:
            continue
        key = entry["msgid"] if entry["msgctxt"] is None else f"{entry['msgctxt']}\x04{entry['msgid']}"
        if entry["msgid_plural"] is not None:
            if all(entry["msgstr"].values()):
                expected.update({(key, index): text for index, text in entry["msgstr"].items()})
        elif entry["msgstr"].get(0):
            expected[key] = entry["msgstr"][0]
    # msgfmt leaves the template's creation date out of the compiled header.
    expected[""] = "".join(
        line for line in expected[""].splitlines(keepends=True) if not line.startswith("POT-Creation-Date:")
    )
    with MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)._catalog
    assert compiled == expected


def test_the_package_data_ships_the_compiled_catalogue():
    pyproject = (Path(__file__).resolve().parents[3] / "pyproject.toml").read_text(encoding="utf-8")
    assert '"locale/*/LC_MESSAGES/*"' in pyproject
    assert MO.relative_to(MO.parents[3]).as_posix() == "locale/en/LC_MESSAGES/django.mo"


# ---------------------------------------------------------------------------------------------
# The texts of the services


def _lazy_texts(value):
    if isinstance(value, Promise):
        yield value
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _lazy_texts(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _lazy_texts(item)


def test_every_lazy_message_of_the_services_has_english():
    missing, seen = [], 0
    for name in MESSAGE_MODULES:
        module = importlib.import_module(name)
        for attribute, value in vars(module).items():
            if not attribute.isupper():
                continue
            for text in _lazy_texts(value):
                seen += 1
                with translation.override("zh-hans"):
                    chinese = str(text)
                with translation.override("en"):
                    english = str(text)
                if english == chinese:
                    missing.append(f"{name}.{attribute}: {chinese}")
    assert missing == []
    assert seen >= 250


def test_every_choice_label_has_english_and_every_value_stays_an_identifier():
    from django.db import models

    kinds = [
        value
        for name in ("ledger", "claims", "regions", "reports")
        for value in vars(importlib.import_module(f"villagebooks.{name}.models")).values()
        if isinstance(value, type)
        and issubclass(value, models.TextChoices)
        and value is not models.TextChoices
    ]
    assert len(kinds) >= 12
    missing = []
    for kind in kinds:
        for member in kind:
            assert re.fullmatch(r"[a-z0-9_-]+", member.value), member
            with translation.override("zh-hans"):
                chinese = str(member.label)
            with translation.override("en"):
                english = str(member.label)
            if english == chinese:
                missing.append(f"{kind.__name__}.{member.name}: {chinese}")
    assert missing == []
    with translation.override("en"):
        assert dict(VoucherStatus.choices)[VoucherStatus.SUBMITTED] == "Awaiting review"


def test_report_titles_and_headers_follow_the_language_but_columns_do_not():
    kind = REPORT_KINDS["trial-balance"]
    with translation.override("en"):
        assert (str(kind.title), [str(h) for h in kind.headers]) == (
            "Trial balance",
            [
                "Account code",
                "Account name",
                "Opening debit",
                "Opening credit",
                "Period debit",
                "Period credit",
                "Closing debit",
                "Closing credit",
            ],
        )
    with translation.override("zh-hans"):
        assert str(kind.title) == "科目余额表"
        assert str(kind.headers[0]) == "科目编码"
    for kind in REPORT_KINDS.values():
        assert all(re.fullmatch(r"[a-z][a-z0-9_]*", column) for column in kind.columns), kind.slug
        assert len(kind.columns) == len(kind.headers), kind.slug
        with translation.override("en"):
            assert not re.search(r"[\u4e00-\u9fff]", str(kind.title) + "".join(map(str, kind.headers)))


@pytest.mark.django_db
def test_downloads_carry_english_titles_and_headers_and_the_same_csv_columns(ledger, accountant):
    import io

    from openpyxl import load_workbook
    from pypdf import PdfReader

    from villagebooks.reports.pdf import render_report_pdf
    from villagebooks.reports.render import render_csv
    from villagebooks.reports.scope import scope_for_ledger
    from villagebooks.reports.xlsx import render_xlsx

    kind = REPORT_KINDS["trial-balance"]
    files = {}
    for language in ("en", "zh-hans"):
        with translation.override(language):
            scope = scope_for_ledger(user=accountant, ledger_code="HT01", from_key=202501, to_key=202503)
            report = kind.build(scope)
            rows = [*kind.rows(report), kind.total(report)]
            files[language] = (
                render_xlsx(kind, scope, report),
                render_report_pdf(kind, scope, report),
                render_csv(kind.columns, rows, text_columns=kind.text_columns),
            )
    sheet = load_workbook(io.BytesIO(files["en"][0])).active
    cells = [[cell.value for cell in row] for row in sheet.iter_rows(max_row=6)]
    assert sheet.title == "Trial balance"
    assert cells[0][0] == "Trial balance"
    assert (cells[1][0], cells[1][2], cells[1][7]) == (
        "Prepared by: 黑滩村股份经济合作联合社",
        "Period: 2025-01 to 2025-03",
        "Unit: yuan",
    )
    assert cells[2][:3] == ["Account code", "Account name", "Opening debit"]
    assert cells[3][:2] == ["102", "银行存款"]  # the chart's names are data: never translated
    assert cells[5][:2] == [None, "Total"]
    assert load_workbook(io.BytesIO(files["zh-hans"][0])).active["A3"].value == "科目编码"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(files["en"][1])).pages)
    assert "Trial balance" in text and "Page 1 of 1" in text and "Opening credit" in text
    assert "科目余额表" not in text and "第 1 页" not in text
    csv_en, csv_zh = files["en"][2], files["zh-hans"][2]
    assert csv_en.splitlines()[0] == csv_zh.splitlines()[0] == ",".join(kind.columns)
    assert csv_en.splitlines()[-1].startswith(",Total,") and csv_zh.splitlines()[-1].startswith(",合计,")


def test_a_bad_amount_is_refused_in_the_active_language():
    for language, message in (("en", "An amount has at most two decimals"), ("zh-hans", "金额最多两位小数")):
        with translation.override(language), pytest.raises(MoneyError) as error:
            yuan_to_fen("12.345")
        assert str(error.value) == message
        assert type(error.value.args[0]) is str


UNBALANCED_LINES = [
    LineInput(summary="购买办公用品", account_code="513", debit_fen=10_000, row=1),
    LineInput(summary="购买办公用品", account_code="102", credit_fen=9_000, row=2),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "language, message",
    [
        ("en", "Debits and credits do not balance: total debit 100.00, total credit 90.00"),
        ("zh-hans", "借贷不平衡：借方合计 100.00，贷方合计 90.00"),
    ],
)
def test_an_unbalanced_voucher_is_refused_in_the_active_language(ledger, accountant, language, message):
    with translation.override(language), pytest.raises(DomainError) as error:
        services.voucher_create(
            actor=accountant, ledger=ledger, date=date(2025, 3, 10), lines=UNBALANCED_LINES
        )
    assert [(p.field, p.row, p.message) for p in error.value.problems] == [("lines", 1, message)]
    assert type(error.value.problems[0].message) is str
    row = "Row 1 " if language == "en" else "第1行 "
    assert str(error.value) == f"{row}lines: {message}"
    assert (Voucher.objects.count(), VoucherLine.objects.count()) == (0, 0)


@pytest.mark.django_db
def test_a_state_error_names_status_and_action_in_english(ledger, accountant):
    lines = [
        LineInput(summary="购买办公用品", account_code="513", debit_fen=10_000),
        LineInput(summary="购买办公用品", account_code="102", credit_fen=10_000),
    ]
    voucher = services.voucher_create(actor=accountant, ledger=ledger, date=date(2025, 3, 10), lines=lines)
    with translation.override("en"), pytest.raises(DomainError) as error:
        services.voucher_post(actor=accountant, voucher=voucher)
    assert error.value.problems[0].message == "The voucher's status is “Draft”: it cannot be posted"
    with translation.override("zh-hans"), pytest.raises(DomainError) as error:
        services.voucher_post(actor=accountant, voucher=voucher)
    assert error.value.problems[0].message == "凭证当前状态为“草稿”，不能记账"


# ---------------------------------------------------------------------------------------------
# Whose choice the language is


@pytest.mark.django_db
def test_an_english_browser_gets_chinese_until_english_is_chosen(client, settings):
    chinese = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "登录村账通" in chinese and "Log in to VillageBooks" not in chinese
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get("/login/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert "Log in to VillageBooks" in english and "登录村账通" not in english
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"  # not a language of LANGUAGES: no choice
    assert "登录村账通" in client.get("/login/").content.decode()


@pytest.mark.django_db
def test_the_api_answers_an_english_user_in_english(ledger, accountant, settings):
    from villagebooks.api.services import api_token_create

    secret = api_token_create(actor=accountant, name="测试").secret
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = {
        "date": "2025-03-10",
        "lines": [
            {"summary": "购买", "account": "513", "debit": "100.00"},
            {"summary": "购买", "account": "102", "credit": "90.001"},
        ],
    }
    response = client.post("/api/ledgers/HT01/vouchers", body, content_type="application/json")
    assert response.status_code == 422
    assert [(p["field"], p["row"], p["message"]) for p in response.json()["problems"]] == [
        ("credit", 2, "An amount has at most two decimals")
    ]
    assert Voucher.objects.count() == 0


# ---------------------------------------------------------------------------------------------
# Templates: no Chinese a user reads outside {% translate %} / {% blocktranslate %}

TEMPLATE_ROOT = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u3400-\u9fff]")
NOT_SHOWN_OR_TRANSLATED = [
    re.compile(r"\{#.*?#\}", re.S),
    re.compile(r"\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}", re.S),
    re.compile(r"<!--.*?-->", re.S),
    re.compile(
        r"\{%\s*(?:blocktranslate|blocktrans)\b.*?%\}.*?\{%\s*end(?:blocktranslate|blocktrans)\s*%\}", re.S
    ),
    re.compile(r"\{%\s*(?:translate|trans)\s+(?:\"[^\"]*\"|'[^']*')[^%]*%\}", re.S),
    re.compile(r"\b_\((?:\"[^\"]*\"|'[^']*')\)"),  # {{ value|default:_("…") }}
]


def untranslated_chinese(text: str) -> list[str]:
    """The lines of a template that still hold Chinese once translated text and comments are
    taken out: literal text, attribute values, filter arguments. Variables ({{ name }}) hold
    data, which is never translated, and are not Chinese in the template itself."""
    for pattern in NOT_SHOWN_OR_TRANSLATED:
        text = pattern.sub(" ", text)
    return [line.strip() for line in text.splitlines() if CJK.search(line)]


def test_the_scanner_finds_chinese_outside_the_translation_tags():
    template = """{% load i18n %}<h1>{% translate "账套" %}</h1>{# 注释 #}<!-- 注释 -->
    <p title="科目">{% blocktranslate with n=3 %}共 {{ n }} 张{% endblocktranslate %}</p>
    {{ value|default:_("无") }} {{ value|default:"无" }}
    <span>合计</span>"""
    assert untranslated_chinese(template) == [
        '<p title="科目"> </p>',
        '{{ value|default:  }} {{ value|default:"无" }}',
        "<span>合计</span>",
    ]


def test_no_template_has_chinese_outside_the_translation_tags():
    templates = sorted(TEMPLATE_ROOT.glob("*/templates/**/*.html"))
    assert len(templates) >= 40
    found = {
        str(path.relative_to(TEMPLATE_ROOT)): lines
        for path in templates
        if (lines := untranslated_chinese(path.read_text(encoding="utf-8")))
    }
    assert found == {}
