"""Messages of the funds' rules, as constants that tests import (Chinese msgids, lazy)."""

from django.utils.translation import gettext_lazy as _

RULE_BUDGET = _("超预算")
RULE_NOT_ALLOWED = _("超范围支出")
RULE_FORBIDDEN = _("负面清单")
RULE_FUND_EMPTY = _("资金余额不足")
RULE_BEFORE_APPROVAL = _("未立项支出")
RULE_NEGATIVE = _("余额为负")

OVER_BUDGET = _(
    "【{rule}】项目“{project}”的预算（{line}）为 {budget} 元，已用 {used} 元，本凭证后将为 {after} 元"
)
NO_BUDGET_LINE = _("科目 {account} 无预算")
NOT_ALLOWED = _(
    "【{rule}】资金“{fund}”（{documents}）只允许支出到科目 {allowed}，本凭证支出到科目 {account} {amount} 元"
)
FORBIDDEN = _(
    "【{rule}】资金“{fund}”（{documents}）的负面清单禁止支出到科目 {account}，本凭证支出 {amount} 元"
)
FUND_EMPTY = _(
    "【{rule}】资金“{fund}”已下达 {budget} 元，已用 {used} 元，本凭证后将为 {after} 元，超出下达金额"
)
FORBIDDEN_KIND = _(
    "【{rule}】资金“{fund}”（{documents}）的负面清单禁止用于{kind}类项目，本凭证为项目“{project}”支出 {amount} 元"
)
BEFORE_APPROVAL = _(
    "【{rule}】项目“{project}”当前状态为“{state}”，立项之前不能支出（本凭证支出 {amount} 元）"
)
NEGATIVE = _("【{rule}】科目 {account}{fund} 余额为 {used} 元，本凭证后将为 {after} 元")

UNKNOWN_STATE = _("状态“{state}”无效，应为：{states}")
NOT_FORWARD = _("项目当前状态为“{current}”，只能向后推进到：{allowed}")
PUBLICITY_TOO_SHORT = _("公示自 {since} 起未满 {days} 天（{until} 之后才能进入实施）")
DATE_BEFORE_STATE = _("日期 {date} 早于项目进入当前状态的日期 {since}")
UNKNOWN_PROJECT = _("项目 {code} 不存在于账套 {ledger}")
NOT_IN_LIBRARY = _("项目 {code} 未入项目库")
MILESTONES_OVER_BUDGET = _("付款计划合计 {planned} 元，超过项目预算 {budget} 元")
