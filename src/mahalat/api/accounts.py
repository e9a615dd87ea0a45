from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Router, Status

from mahalat.accounts.models import Role
from mahalat.accounts.services import api_token_issue
from mahalat.api.auth import session_or_token
from mahalat.api.schemas import ErrorOut, MeOut, TokenIn, TokenOut
from mahalat.errors import NotAuthenticatedError
from mahalat.workspace.selectors import active_assignments

router = Router(tags=["auth"])


def _client_ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")


@router.post(
    "/token",
    response={201: TokenOut, 401: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    auth=None,
    summary="Exchange a mobile number and password for a bearer token",
)
def issue_token(request: HttpRequest, payload: TokenIn) -> Status[dict[str, object]]:
    try:
        key, token = api_token_issue(
            phone=payload.phone, password=payload.password, client_ip=_client_ip(request), name=payload.name
        )
    except ValidationError as exc:
        raise NotAuthenticatedError(" ".join(exc.messages)) from exc
    return Status(201, {"token": key, "expires_at": token.expires_at})


@router.get("/me", response={200: MeOut, 401: ErrorOut}, auth=session_or_token, summary="Who is signed in")
def me(request: HttpRequest) -> dict[str, object]:
    user = request.auth if hasattr(request, "auth") and request.auth is not None else request.user
    return {
        "id": user.pk,
        "phone": user.phone,
        "full_name": user.full_name,
        "roles": [
            {
                "role": a.role,
                "role_label": str(Role(a.role).label),
                "scope_kind": a.scope_kind,
                "scope": a.scope_slug,
            }
            for a in active_assignments(user=user)
        ],
    }
