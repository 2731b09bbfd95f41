"""Who the caller is, and their personal API tokens.

A token is made only from a login session (or the ``create-token`` command): a program holding
one token cannot mint itself more. Listing and revoking work with either.
"""

from typing import Annotated

from django.middleware.csrf import get_token
from ninja import Path, Router, Status

from villagebooks.api import schemas as S
from villagebooks.api.auth import SESSION
from villagebooks.api.errors import FORBIDDEN, ApiError, NotFound
from villagebooks.api.fields import ID_MAX
from villagebooks.api.models import ApiToken
from villagebooks.api.services import api_token_create, api_token_revoke
from villagebooks.ledger.models import Ledger
from villagebooks.regions.models import RoleAssignment

router = Router(tags=["用户与令牌"])
SESSION_ONLY = "只能在网页登录后创建令牌（用令牌不能再创建令牌）"
UNKNOWN_TOKEN = "令牌 {id} 不存在"
TokenId = Annotated[int, Path(ge=1, le=ID_MAX)]


@router.get("/me", response={200: S.MeOut, **S.ERRORS}, summary="当前用户")
def me(request):
    user = request.auth
    assignments = list(RoleAssignment.objects.filter(user=user).select_related("region"))
    ledger_codes = dict(
        Ledger.objects.filter(pk__in=[a.ledger_id for a in assignments if a.ledger_id]).values_list(
            "pk", "code"
        )
    )
    session = request.auth_method == SESSION
    return {
        "username": user.username,
        "name": user.get_full_name(),
        "auth": request.auth_method,
        "csrf_token": get_token(request) if session else None,
        "roles": [
            {
                "role": a.role,
                "role_label": str(a.get_role_display()),
                "region": {"code": a.region.code, "name": a.region.name},
                "ledger": ledger_codes.get(a.ledger_id),
            }
            for a in assignments
        ],
    }


@router.get("/tokens", response={200: list[S.TokenOut], **S.ERRORS}, summary="我的令牌")
def tokens(request):
    return [S.token_out(t) for t in ApiToken.objects.filter(user=request.auth).order_by("-created_at", "-id")]


@router.post("/tokens", response={201: S.TokenCreatedOut, **S.ERRORS}, summary="创建令牌（仅限登录会话）")
def token_create(request, payload: S.TokenIn):
    if request.auth_method != SESSION:
        raise ApiError(403, FORBIDDEN, SESSION_ONLY)
    created = api_token_create(actor=request.auth, name=payload.name, days=payload.days)
    return Status(201, {**S.token_out(created.token), "secret": created.secret})


@router.delete("/tokens/{token_id}", response={200: S.TokenOut, **S.ERRORS}, summary="吊销令牌")
def token_revoke(request, token_id: TokenId):
    token = ApiToken.objects.filter(user=request.auth, pk=token_id).first()
    if token is None:
        raise NotFound(UNKNOWN_TOKEN.format(id=token_id))
    return S.token_out(api_token_revoke(actor=request.auth, token=token))
