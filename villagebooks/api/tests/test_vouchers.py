"""Vouchers over the API through their whole life, each refusal on the other side of its boundary,
and bad input answered at its field and row with nothing changed."""

import pytest

from villagebooks.api.selectors import UNKNOWN_ATTACHMENT, UNKNOWN_VOUCHER
from villagebooks.api.tests.conftest import error_of, problems_of
from villagebooks.common.models import AuditEntry
from villagebooks.common.money import TOO_MANY_DECIMALS
from villagebooks.ledger import errors as E
from villagebooks.ledger import services
from villagebooks.ledger.access import FORBIDDEN
from villagebooks.ledger.domain import vouchers as V
from villagebooks.ledger.models import Attachment, Voucher, VoucherLine, VoucherStatus
from villagebooks.ledger.tests.books import balance, parse_vouchers

BASE = "/api/ledgers/HT01/vouchers"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def office(day="2025-03-10", amount="1200.00", **extra):
    return {
        "date": day,
        "note": "三月办公用品",
        "lines": [
            {"summary": "购买办公用品", "account": "513", "debit": amount},
            {"summary": "购买办公用品", "account": "102", "credit": amount},
        ],
        **extra,
    }


def _snapshot():
    return (
        list(Voucher.objects.order_by("id").values_list("id", "status", "number", "amount_fen")),
        list(VoucherLine.objects.order_by("id").values_list("id", "debit_fen", "credit_fen")),
    )


def test_a_voucher_is_prepared_reviewed_posted_and_reversed(ledger, acc, rev, accountant):
    created = acc.post(BASE, office())
    assert created.status_code == 201, created.content
    voucher = created.json()
    vid = voucher["id"]
    assert (voucher["label"], voucher["status"], voucher["number"], voucher["amount"]) == (
        "草稿 1",
        "draft",
        None,
        "1200.00",
    )
    assert voucher["lines"] == [
        {
            "line_no": 1,
            "summary": "购买办公用品",
            "account": "513",
            "account_name": "管理费用",
            "debit": "1200.00",
            "credit": "0.00",
            "fund": None,
            "counterparty": None,
            "project": None,
        },
        {
            "line_no": 2,
            "summary": "购买办公用品",
            "account": "102",
            "account_name": "银行存款",
            "debit": "0.00",
            "credit": "1200.00",
            "fund": None,
            "counterparty": None,
            "project": None,
        },
    ]
    assert acc.post(f"{BASE}/{vid}/submit").json()["status"] == "submitted"
    reviewed = rev.post(f"{BASE}/{vid}/review").json()
    assert (reviewed["status"], reviewed["reviewed_by"]) == ("reviewed", "reviewer")
    posted = acc.post(f"{BASE}/{vid}/post").json()
    assert (posted["status"], posted["number"], posted["label"], posted["posted_by"]) == (
        "posted",
        1,
        "记-1",
        "accountant",
    )
    assert balance(ledger, "513") == 120_000
    assert balance(ledger, "102") == 8_000_000 - 120_000

    reversed_ = acc.post(f"{BASE}/{vid}/reverse", {"reason": "重复报销", "date": "2025-03-20"})
    assert reversed_.status_code == 201
    red = reversed_.json()
    assert (red["kind"], red["status"], red["reverses"], red["amount"]) == (
        "reversal",
        "submitted",
        vid,
        "-1200.00",
    )
    assert [(line["account"], line["debit"], line["credit"]) for line in red["lines"]] == [
        ("513", "-1200.00", "0.00"),
        ("102", "0.00", "-1200.00"),
    ]
    assert red["note"] == "注销2025年03月10日记字第1号凭证：重复报销"
    assert acc.get(f"{BASE}/{vid}").json()["reversed_by"] == red["id"]
    rev.post(f"{BASE}/{red['id']}/review")
    assert acc.post(f"{BASE}/{red['id']}/post").json()["number"] == 2
    assert balance(ledger, "513") == 0
    actions = set(AuditEntry.objects.filter(ledger_id=ledger.pk).values_list("action", flat=True))
    assert {
        "voucher_create",
        "voucher_submit",
        "voucher_review",
        "voucher_post",
        "voucher_reverse",
    } <= actions


def test_amounts_go_in_and_out_as_exact_decimal_strings(ledger, acc, rev):
    body = {
        "date": "2025-03-11",
        "lines": [
            {"summary": "零头", "account": "513", "debit": "0.10"},
            {"summary": "零头", "account": "513", "debit": "0.20"},
            {"summary": "大额", "account": "513", "debit": "12345678901.11"},
            {"summary": "付款", "account": "102", "credit": "12,345,678,901.41"},
        ],
        "submit": True,
    }
    voucher = acc.post(BASE, body).json()
    assert voucher["amount"] == "12345678901.41"
    assert [(line["debit"], line["credit"]) for line in voucher["lines"]] == [
        ("0.10", "0.00"),
        ("0.20", "0.00"),
        ("12345678901.11", "0.00"),
        ("0.00", "12345678901.41"),
    ]
    assert list(VoucherLine.objects.order_by("line_no").values_list("debit_fen", flat=True)) == [
        10,
        20,
        1_234_567_890_111,
        0,
    ]
    rev.post(f"{BASE}/{voucher['id']}/review")
    acc.post(f"{BASE}/{voucher['id']}/post")
    assert balance(ledger, "513") == 1_234_567_890_141


def test_the_list_filters_by_period_and_status_and_pages(ledger, acc, rev):
    first = acc.post(BASE, office("2025-02-03")).json()["id"]
    second = acc.post(BASE, office("2025-03-05", submit=True)).json()["id"]
    third = acc.post(BASE, office("2025-03-06")).json()["id"]
    everything = acc.get(BASE).json()
    assert (everything["count"], [v["id"] for v in everything["items"]]) == (3, [first, second, third])
    march = acc.get(BASE, {"period": "2025-03"}).json()
    assert [v["id"] for v in march["items"]] == [second, third]
    drafts = acc.get(BASE, {"period": "2025-03", "status": "draft"}).json()
    assert [v["id"] for v in drafts["items"]] == [third]
    assert [v["id"] for v in acc.get(BASE, {"page": 2, "page_size": 2}).json()["items"]] == [third]
    assert rev.get(BASE, {"status": "submitted"}).json()["items"][0]["period"] == "2025-03"
    assert problems_of(acc.get(BASE, {"period": "2025-13"})) == [("period", None, "期间格式应为 YYYY-MM")]
    assert problems_of(acc.get(BASE, {"status": "lost"})) == [
        ("status", None, "取值无效，可选：draft、submitted、reviewed、posted")
    ]


def test_a_draft_is_updated_and_deleted(ledger, acc):
    vid = acc.post(BASE, office()).json()["id"]
    updated = acc.put(f"{BASE}/{vid}", office("2025-04-01", "88.80"))
    assert updated.status_code == 200
    assert (updated.json()["date"], updated.json()["period"], updated.json()["amount"]) == (
        "2025-04-01",
        "2025-04",
        "88.80",
    )
    assert Voucher.objects.get(pk=vid).amount_fen == 8880
    assert acc.delete(f"{BASE}/{vid}").status_code == 204
    assert not Voucher.objects.filter(pk=vid).exists()
    assert acc.get(f"{BASE}/{vid}").status_code == 404


def test_a_submitted_voucher_cannot_be_edited_deleted_or_posted_unreviewed(ledger, acc):
    vid = acc.post(BASE, office(submit=True)).json()["id"]
    before = _snapshot()
    for response, action in (
        (acc.put(f"{BASE}/{vid}", office(amount="1.00")), "修改"),
        (acc.delete(f"{BASE}/{vid}"), "删除"),
        (acc.post(f"{BASE}/{vid}/post"), "记账"),
        (acc.post(f"{BASE}/{vid}/submit"), "提交"),
    ):
        assert response.status_code == 409
        assert error_of(response)["code"] == "conflict"
        assert problems_of(response) == [
            ("status", None, E.WRONG_STATUS.format(status="待审核", action=action))
        ]
    assert _snapshot() == before


def test_a_posted_voucher_is_reversed_once(ledger, acc, rev):
    vid = acc.post(BASE, office(submit=True)).json()["id"]
    rev.post(f"{BASE}/{vid}/review")
    acc.post(f"{BASE}/{vid}/post")
    assert acc.post(f"{BASE}/{vid}/reverse", {"reason": "错账", "date": "2025-03-20"}).status_code == 201
    again = acc.post(f"{BASE}/{vid}/reverse", {"reason": "错账", "date": "2025-03-20"})
    assert again.status_code == 409
    assert problems_of(again) == [("voucher", None, E.ALREADY_REVERSED)]
    blank = acc.post(f"{BASE}/{vid}/reverse", {"reason": " ", "date": "2025-03-20"})
    assert problems_of(blank) == [("reason", None, E.REASON_REQUIRED)]


def test_a_reviewer_sends_a_voucher_back_with_a_reason(ledger, acc, rev):
    vid = acc.post(BASE, office(submit=True)).json()["id"]
    missing = rev.post(f"{BASE}/{vid}/send-back", {})
    assert missing.status_code == 422 and problems_of(missing) == [("reason", None, "此项必填")]
    response = rev.post(f"{BASE}/{vid}/send-back", {"reason": "附件不全"})
    assert response.json()["status"] == "draft"
    assert AuditEntry.objects.get(action="voucher_send_back").detail["reason"] == "附件不全"


def test_the_preparer_withdraws_a_submitted_voucher_until_it_is_reviewed(
    ledger, acc, rev, make_user, township, api_as
):
    vid = acc.post(BASE, office(submit=True)).json()["id"]
    colleague = api_as(make_user("colleague", "accountant", township))
    before = _snapshot()
    for other in (colleague, rev):  # another preparer of the ledger; a reviewer (who sends back)
        refused = other.post(f"{BASE}/{vid}/withdraw")
        assert refused.status_code == 403, refused.content
    assert error_of(colleague.post(f"{BASE}/{vid}/withdraw"))["message"] == E.WITHDRAW_OWN_ONLY
    assert _snapshot() == before
    response = acc.post(f"{BASE}/{vid}/withdraw")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "draft"
    entry = AuditEntry.objects.get(action="voucher_withdraw")
    assert (entry.object_id, entry.actor.username) == (vid, "accountant")
    # Once reviewed it is no longer the preparer's to take back.
    acc.post(f"{BASE}/{vid}/submit")
    rev.post(f"{BASE}/{vid}/review")
    late = acc.post(f"{BASE}/{vid}/withdraw")
    assert late.status_code == 409
    assert Voucher.objects.get(pk=vid).status == VoucherStatus.REVIEWED


def test_the_preparer_may_not_review_their_own_voucher(ledger, accountant, township, api_as):
    from villagebooks.regions.services import role_grant, system_user

    role_grant(actor=system_user(), user=accountant, role="reviewer", region=township)
    caller = api_as(accountant)
    vid = caller.post(BASE, office(submit=True)).json()["id"]
    response = caller.post(f"{BASE}/{vid}/review")
    assert response.status_code == 403
    assert error_of(response) == {
        "code": "forbidden",
        "message": E.SELF_REVIEW,
        "problems": [{"field": "reviewed_by", "message": E.SELF_REVIEW, "row": None}],
    }
    assert Voucher.objects.get(pk=vid).status == VoucherStatus.SUBMITTED


def test_a_village_reporter_sees_the_voucher_but_may_not_post_or_prepare(
    ledger, acc, rev, api_as, village_reporter
):
    vid = acc.post(BASE, office(submit=True)).json()["id"]
    rev.post(f"{BASE}/{vid}/review")
    reporter = api_as(village_reporter)
    assert reporter.get(f"{BASE}/{vid}").json()["status"] == "reviewed"
    before = _snapshot()
    for response in (reporter.post(f"{BASE}/{vid}/post"), reporter.post(BASE, office())):
        assert response.status_code == 403
        assert error_of(response) == {
            "code": "forbidden",
            "message": FORBIDDEN.format(ledger=ledger.name),
            "problems": [{"field": "", "message": FORBIDDEN.format(ledger=ledger.name), "row": None}],
        }
    assert _snapshot() == before
    assert rev.post(f"{BASE}/{vid}/post").status_code == 403  # a reviewer does not post either


def test_another_villages_voucher_is_404_like_a_missing_one(
    ledger, other_ledger, accountant, api_as, outsider, village_reporter
):
    day, _, lines = parse_vouchers("2025-03-01 杂费\n  借 513 管理费用 10.00\n  贷 102 银行存款 10.00")[0]
    tm_voucher = services.voucher_create(
        actor=accountant, ledger=other_ledger, date=day, lines=lines, submit=True
    )
    ht_id = api_as(accountant).post(BASE, office(submit=True)).json()["id"]
    missing_id = tm_voucher.pk + ht_id + 100
    reporter = api_as(village_reporter)
    before = _snapshot()

    def refused(caller, path, method="get"):
        response = getattr(caller, method)(path) if method != "post" else caller.post(path)
        assert response.status_code == 404, (path, response.content)
        return error_of(response)

    # 黑滩村's reporter addressing 土门村's voucher: by its own ledger or by the voucher's.
    assert refused(reporter, f"/api/ledgers/TM01/vouchers/{tm_voucher.pk}")["message"] == (
        "账套 TM01 不存在或您无权查看"
    )
    assert refused(reporter, f"{BASE}/{tm_voucher.pk}") == refused(reporter, f"{BASE}/{missing_id}") | {
        "message": UNKNOWN_VOUCHER.format(id=tm_voucher.pk)
    }
    # An accountant of another township, for every action on a 新安镇 voucher.
    caller = api_as(outsider)
    for suffix, method in (
        ("", "get"),
        ("", "delete"),
        ("/submit", "post"),
        ("/review", "post"),
        ("/post", "post"),
    ):
        assert refused(caller, f"{BASE}/{ht_id}{suffix}", method)["code"] == "not_found"
    assert _snapshot() == before


def test_bad_lines_are_reported_by_field_and_row_and_nothing_is_created(ledger, acc):
    response = acc.post(
        BASE,
        {
            "date": "2025-03-10",
            "lines": [
                {"summary": "购买", "account": "513", "debit": "100.001"},
                {"summary": "购买", "account": "102", "credit": "-5"},
                {"summary": "", "account": "999", "credit": "abc"},
            ],
        },
    )
    assert response.status_code == 422
    # Every value of the wrong form, at once (the schema's rules: see test_schema_agrees.py).
    assert problems_of(response) == [
        ("debit", 1, TOO_MANY_DECIMALS),
        ("credit", 2, "金额不能为负数"),
        ("summary", 3, V.EMPTY_SUMMARY),
        ("credit", 3, "不是有效的金额"),
    ]
    # Then every rule of the books, at once.
    response = acc.post(
        BASE,
        {
            "date": "2025-03-10",
            "lines": [
                {"summary": "购买", "account": "513", "debit": "100.00"},
                {"summary": "购买", "account": "999", "credit": "90.00"},
            ],
        },
    )
    assert problems_of(response) == [
        ("lines", 1, V.UNBALANCED.format(debit="100.00", credit="90.00")),
        ("account", 2, E.UNKNOWN_ACCOUNT.format(code="999")),
    ]
    assert error_of(response)["message"] == "；".join(
        [
            V.UNBALANCED.format(debit="100.00", credit="90.00"),
            E.UNKNOWN_ACCOUNT.format(code="999"),
        ]
    )
    assert Voucher.objects.count() == 0 and VoucherLine.objects.count() == 0


@pytest.mark.parametrize(
    "body, problem",
    [
        ({"lines": office()["lines"]}, ("date", None, "此项必填")),
        (office("2025/03/10"), ("date", None, "日期格式应为 YYYY-MM-DD")),
        (office("2024-12-31"), ("date", None, E.BEFORE_START.format(date="2024-12-31", start="2025-01"))),
        (office() | {"lines": []}, ("lines", None, "至少需要 2 项")),
        (office() | {"note": "长" * 201}, ("note", None, "不能超过 200 个字")),
        (office() | {"note": "a\x00b"}, ("note", None, "不能包含控制字符（NUL）或无效的 Unicode 字符")),
        (
            office() | {"lines": [{"summary": "x", "account": "513", "debit": 5}]},
            ("debit", 1, '金额应写成字符串，如 "1234.50"'),
        ),
    ],
)
def test_bad_voucher_input_is_a_chinese_error_at_its_field(ledger, acc, body, problem):
    response = acc.post(BASE, body)
    assert response.status_code == 422
    assert error_of(response)["code"] == "invalid"
    assert problems_of(response) == [problem]
    assert Voucher.objects.count() == 0


def test_a_body_that_is_not_json_is_400(ledger, acc):
    response = acc.client.post(BASE, "{not json", content_type="application/json", **acc.headers)
    assert response.status_code == 400
    assert error_of(response) == {"code": "invalid", "message": "请求内容无法解析，应为 JSON", "problems": []}


def test_attachments_are_uploaded_listed_and_downloaded(ledger, acc, api_as, outsider):
    vid = acc.post(BASE, office()).json()["id"]
    response = acc.upload(f"{BASE}/{vid}/attachments", "发票.png", PNG)
    assert response.status_code == 201, response.content
    attachment = response.json()
    assert (attachment["name"], attachment["content_type"], attachment["size"]) == (
        "发票.png",
        "image/png",
        40,
    )
    assert attachment["url"] == f"{BASE}/{vid}/attachments/{attachment['id']}"
    detail = acc.get(f"{BASE}/{vid}").json()
    assert (detail["attachment_count"], [a["id"] for a in detail["attachments"]]) == (1, [attachment["id"]])
    download = acc.get(attachment["url"])
    assert download.status_code == 200 and download["Content-Type"] == "image/png"
    assert b"".join(download.streaming_content) == PNG
    assert "attachment" in download["Content-Disposition"]
    hidden = api_as(outsider).get(attachment["url"])
    assert hidden.status_code == 404
    wrong = acc.get(f"{BASE}/{vid}/attachments/{attachment['id'] + 1}")
    assert error_of(wrong)["message"] == UNKNOWN_ATTACHMENT.format(id=attachment["id"] + 1)


def test_a_file_that_is_not_a_pdf_or_image_is_refused(ledger, acc):
    vid = acc.post(BASE, office()).json()["id"]
    response = acc.upload(f"{BASE}/{vid}/attachments", "报销单.exe", b"MZ\x90\x00binary")
    assert response.status_code == 422
    assert problems_of(response) == [("file", None, E.ATTACHMENT_TYPE)]
    missing = acc.client.post(f"{BASE}/{vid}/attachments", {}, **acc.headers)
    assert problems_of(missing) == [("file", None, "此项必填")]
    assert Attachment.objects.count() == 0


def test_a_posted_voucher_takes_no_more_attachments(ledger, acc, rev):
    vid = acc.post(BASE, office(submit=True)).json()["id"]
    rev.post(f"{BASE}/{vid}/review")
    acc.post(f"{BASE}/{vid}/post")
    response = acc.upload(f"{BASE}/{vid}/attachments", "发票.png", PNG)
    assert response.status_code == 409
    assert problems_of(response) == [
        ("status", None, E.WRONG_STATUS.format(status="已记账", action="添加附件"))
    ]
    assert Attachment.objects.count() == 0
