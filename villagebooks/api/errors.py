"""Every error of the API as one JSON shape, with a stable code, the fields and a Chinese message:

    {"code": "invalid", "message": "借贷不平衡：…",
     "problems": [{"field": "debit", "message": "金额最多两位小数", "row": 2}]}

``code`` is one of ``CODES``; ``row`` is the 1-based line of a voucher (or null). The handlers
here turn the services' ``DomainError``/``NotPermitted``, ninja's request validation and
authentication errors and Django's ``Http404`` into that shape, so no endpoint formats an error
itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from villagebooks.api.fields import BLANK, PATTERN_MESSAGES
from villagebooks.api.services import TokenRejected
from villagebooks.common.errors import DomainError, FieldProblem, NotPermitted
from villagebooks.ledger.domain.vouchers import EMPTY_SUMMARY
from villagebooks.ledger.errors import NAME_REQUIRED, REASON_REQUIRED

INVALID = "invalid"
UNAUTHENTICATED = "unauthenticated"
FORBIDDEN = "forbidden"
NOT_FOUND = "not_found"
CONFLICT = "conflict"
METHOD_NOT_ALLOWED = "method_not_allowed"
CODES = (INVALID, UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, CONFLICT, METHOD_NOT_ALLOWED)

NOT_AUTHENTICATED = "请先登录，或在请求头中提供 Authorization: Bearer <令牌>"
CSRF_FAILED = "CSRF 校验失败：用登录会话调用接口时，修改数据的请求须带 X-CSRFToken 请求头"
BODY_UNREADABLE = "请求内容无法解析，应为 JSON"
# An upload endpoint called without its file (the schema marks it optional so that the answer is this).
NO_FILE = "请上传要导入的文件（表单字段 file）"
BODY_TOO_LARGE = "请求内容过大"
NO_SUCH_ENDPOINT = "没有这个接口"
NOT_ALLOWED = "该接口不支持此请求方法"
FIELD_INVALID = "格式不正确"
SHOWN_MESSAGES = 5

# The ledger's services raise DomainError for every refusal. A few refusals are about the
# state of a voucher rather than about the input (it was already posted, already reversed; a
# token already revoked): those answer 409, found by the field the service names since it
# raises no class of its own for them. The reviewer who prepared the voucher is refused a right, not an input: 403.
CONFLICT_FIELDS = {"status", "voucher", "token"}
FORBIDDEN_FIELDS = {"reviewed_by"}


class ApiError(Exception):
    """An error the API itself raises (not found, not authenticated, …), already classified."""

    def __init__(self, status: int, code: str, message: str, problems: list[FieldProblem] | None = None):
        self.status, self.code, self.message = status, code, message
        self.problems = problems or []
        super().__init__(message)


class NotFound(ApiError):
    def __init__(self, message: str):
        super().__init__(404, NOT_FOUND, message)


def _problem(problem: FieldProblem) -> dict:
    return {"field": problem.field, "message": problem.message, "row": problem.row}


def error_body(code: str, message: str, problems: Iterable[FieldProblem] = ()) -> dict:
    return {"code": code, "message": message, "problems": [_problem(p) for p in problems]}


def _summary(problems: list[FieldProblem]) -> str:
    messages = list(dict.fromkeys(str(p.message) for p in problems if p.message))
    text = "；".join(messages[:SHOWN_MESSAGES])
    return text + ("等" if len(messages) > SHOWN_MESSAGES else "")


def domain_error_status(error: DomainError) -> tuple[int, str]:
    if isinstance(error, NotPermitted):
        return 403, FORBIDDEN
    fields = {p.field for p in error.problems}
    if fields & FORBIDDEN_FIELDS:
        return 403, FORBIDDEN
    if fields & CONFLICT_FIELDS:
        return 409, CONFLICT
    return 422, INVALID


# Pydantic's error types as a person reads them; ``{…}`` are filled from the error's context.
VALIDATION_MESSAGES = {
    "missing": "此项必填",
    "string_type": "应为文本",
    "string_too_short": "不能少于 {min_length} 个字",
    "string_too_long": "不能超过 {max_length} 个字",
    "string_pattern_mismatch": "格式不正确",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "greater_than_equal": "不能小于 {ge}",
    "less_than_equal": "不能大于 {le}",
    "greater_than": "应大于 {gt}",
    "less_than": "应小于 {lt}",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "date_type": "日期格式应为 YYYY-MM-DD",
    "date_parsing": "日期格式应为 YYYY-MM-DD",
    "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD",
    "date_from_datetime_inexact": "日期格式应为 YYYY-MM-DD",
    "enum": "取值无效，可选：{expected}",
    "literal_error": "取值无效，可选：{expected}",
    "list_type": "应为列表",
    "too_short": "至少需要 {min_length} 项",
    "too_long": "最多 {max_length} 项",
    "model_type": "应为对象",
    "model_attributes_type": "应为对象",
    "dict_type": "应为对象",
    "json_invalid": BODY_UNREADABLE,
    "extra_forbidden": "不认识的字段",
    "value_error": "{error}",
}
MONEY_FIELDS = {"debit", "credit", "amount"}
MONEY_AS_STRING = '金额应写成字符串，如 "1234.50"'
# Where ninja says the value came from; it is not part of the field name the caller sent.
_SOURCES = {"body", "query", "path", "form", "file", "header", "cookie"}


def _validation_problem(error: dict) -> FieldProblem:
    loc = list(error.get("loc", ()))
    if loc and loc[0] in _SOURCES:
        loc = loc[1:]
    if loc and loc[0] in ("payload", "filters", "pagination"):
        loc = loc[1:]  # the endpoint's parameter name, not a field of the request
    names = [str(part) for part in loc if isinstance(part, str)]
    field = names[-1] if names else ""
    row = next((part + 1 for part in loc if isinstance(part, int)), None)
    kind = error.get("type", "")
    context = dict(error.get("ctx") or {})
    if kind in ("enum", "literal_error"):
        # pydantic says "'a', 'b' or 'c'"; a Chinese list reads "a、b、c".
        choices = re.findall(r"'([^']*)'", str(context.get("expected", "")))
        context["expected"] = "、".join(choices) or context.get("expected", "")
    if kind == "value_error":
        context["error"] = str(context.get("error", "")).removeprefix("Value error, ")
    if kind in ("string_type", "int_type", "int_from_float") and field in MONEY_FIELDS:
        message = MONEY_AS_STRING
    elif kind == "string_pattern_mismatch" and context.get("pattern") in PATTERN_MESSAGES:
        message = PATTERN_MESSAGES[context["pattern"]]
    elif kind == "value_error" and context["error"] == BLANK and field in BLANK_MESSAGES:
        message = str(BLANK_MESSAGES[field])  # as the services say it
    else:
        template = VALIDATION_MESSAGES.get(kind, FIELD_INVALID)
        try:
            message = template.format(**context)
        except (KeyError, IndexError, ValueError):
            message = FIELD_INVALID
    return FieldProblem(field=field, message=message, row=row)


# A blank value of a field the services require, as the services would have said it.
BLANK_MESSAGES = {"reason": REASON_REQUIRED, "summary": EMPTY_SUMMARY, "name": NAME_REQUIRED}


def install_error_handlers(api: NinjaAPI) -> None:
    def respond(request: HttpRequest, status: int, code: str, message: str, problems=()) -> HttpResponse:
        return api.create_response(request, error_body(code, message, problems), status=status)

    @api.exception_handler(ApiError)
    def api_error(request, error: ApiError):
        return respond(request, error.status, error.code, error.message, error.problems)

    @api.exception_handler(DomainError)
    def domain_error(request, error: DomainError):
        status, code = domain_error_status(error)
        return respond(request, status, code, _summary(error.problems), error.problems)

    @api.exception_handler(ValidationError)
    def validation_error(request, error: ValidationError):
        problems = [_validation_problem(e) for e in error.errors]
        return respond(request, 422, INVALID, _summary(problems), problems)

    @api.exception_handler(TokenRejected)
    def token_rejected(request, error: TokenRejected):
        response = respond(request, 401, UNAUTHENTICATED, str(error))
        response["WWW-Authenticate"] = 'Bearer error="invalid_token"'
        return response

    @api.exception_handler(AuthenticationError)
    def not_authenticated(request, error: AuthenticationError):
        response = respond(request, 401, UNAUTHENTICATED, NOT_AUTHENTICATED)
        response["WWW-Authenticate"] = "Bearer"
        return response

    @api.exception_handler(HttpError)
    def http_error(request, error: HttpError):
        # ninja raises these itself: an unreadable body (400) and a failed CSRF check (403).
        if error.status_code == 403:
            return respond(request, 403, FORBIDDEN, CSRF_FAILED)
        if error.status_code == 400:
            return respond(request, 400, INVALID, BODY_UNREADABLE)
        if error.status_code == 404:
            return respond(request, 404, NOT_FOUND, NO_SUCH_ENDPOINT)
        if error.status_code == 405:
            return respond(request, 405, METHOD_NOT_ALLOWED, NOT_ALLOWED)
        return respond(request, error.status_code, INVALID, FIELD_INVALID)

    @api.exception_handler(RequestDataTooBig)
    def too_large(request, error: RequestDataTooBig):
        # DATA_UPLOAD_MAX_MEMORY_SIZE: a JSON body larger than any voucher needs.
        return respond(request, 413, INVALID, BODY_TOO_LARGE)

    @api.exception_handler(Http404)
    def not_found(request, error: Http404):
        return respond(request, 404, NOT_FOUND, NO_SUCH_ENDPOINT)
