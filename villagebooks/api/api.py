"""The API object: its routers, its authentication and its error handlers, in one place."""

import json

from django.shortcuts import render
from ninja import NinjaAPI
from ninja.openapi.docs import Swagger
from ninja.renderers import JSONRenderer

from villagebooks.api import (
    affairs_members,
    affairs_property,
    affairs_registers,
    banking,
    disclosure,
    entry_helpers,
    funds,
    ledgers,
    regions,
    registry,
    reports,
    supervision,
    tokens,
    vouchers,
)
from villagebooks.api.auth import AUTH
from villagebooks.api.errors import install_error_handlers

DESCRIPTION = """
村账通（VillageBooks）的 JSON 接口。

* 认证：个人令牌 `Authorization: Bearer vbk_…`（用 `villagebooks create-token` 或登录后
  `POST /api/tokens` 生成），或网页登录会话（修改数据的请求须带 `X-CSRFToken` 请求头，
  令牌见 `GET /api/me`）。
* 金额一律是两位小数的字符串（元），如 `"1234.50"`；日期为 `YYYY-MM-DD`，期间为 `YYYY-MM`。
* 错误统一为 `{"code", "message", "problems": [{"field", "message", "row"}]}`，
  `code` 为 invalid、unauthenticated、forbidden、not_found、conflict 之一。
* 不在您权限范围内的账套和凭证，与不存在的一样回答 404。
* 新建凭证可带 `Idempotency-Key` 请求头（如 UUID）：超时后用同一个键重发，得到第一次新建的
  凭证而不会再建一张；键属于用户，保留 24 小时，同一个键用于不同的请求回答 409。
"""


class Renderer(JSONRenderer):
    json_dumps_params = {"ensure_ascii": False}  # Chinese as UTF-8 text, not \\u escapes


class Docs(Swagger):
    """Swagger UI with ninja's own scripts, served as our static files.

    ninja renders from a CDN when "ninja" is not in INSTALLED_APPS; it is not, so that commands
    do not import it (settings.py), and its template directory is in TEMPLATES instead.
    """

    def render_page(self, request, api, **kwargs):
        self.settings["url"] = self.get_openapi_url(api, kwargs)
        context = {
            "swagger_settings": json.dumps(self.settings, indent=1),
            "api": api,
            # A session's writes need the CSRF token; the page sends it with "Try it out".
            "add_csrf": any(getattr(method, "csrf", False) for method in AUTH),
        }
        return render(request, self.template, context)


api = NinjaAPI(
    title="村账通 VillageBooks API",
    version="1",
    description=DESCRIPTION,
    auth=AUTH,
    urls_namespace="api",
    renderer=Renderer(),
    docs=Docs(),
)
install_error_handlers(api)
for module in (
    regions,
    ledgers,
    vouchers,
    entry_helpers,
    reports,
    banking,
    funds,
    registry,
    supervision,
    tokens,
    affairs_members,
    affairs_property,
    affairs_registers,
    disclosure,
):
    api.add_router("", module.router)
