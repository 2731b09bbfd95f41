"""The error every service raises for bad input: a field, a reason in the user's language,
and where the input came from (a row of an import), so that views, the API and commands can
all say exactly what is wrong."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext


@dataclass(frozen=True)
class FieldProblem:
    field: str
    message: str
    row: int | None = None

    def __post_init__(self):
        # A translatable (lazy) message is fixed here in the active language, the request's or
        # the command's, so that every reader gets a plain str to join, compare or serialise.
        object.__setattr__(self, "message", str(self.message))

    def __str__(self) -> str:
        where = gettext("第{row}行 ").format(row=self.row) if self.row is not None else ""
        return f"{where}{self.field}: {self.message}" if self.field else f"{where}{self.message}"


class DomainError(Exception):
    """A rule of the books was broken; ``problems`` says which field and why (Chinese)."""

    code = "invalid"

    def __init__(
        self, message: str | None = None, *, field: str = "", problems: list[FieldProblem] | None = None
    ):
        if problems is None:
            problems = [FieldProblem(field=field, message=message or "")]
        self.problems = problems
        super().__init__(gettext("；").join(str(p) for p in problems))


class NotPermitted(DomainError):
    code = "forbidden"


class Conflict(DomainError):
    """The request is sound but the thing is not in a state that allows it (a posted voucher
    edited, a closed month written to): the API answers 409."""

    code = "conflict"


# Not translated: the database's triggers (common migration 0002) raise this very text.
AUDIT_APPEND_ONLY = "操作日志只能追加，不能修改或删除"
