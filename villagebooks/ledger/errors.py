"""Messages of the ledger's rules, as constants that tests import.

The msgids are Chinese (zh-hans, the default language); each is lazy, so ``X.format(...)`` and
``DomainError(X)`` give the text of the language active at that moment (English from
``villagebooks/locale/en``).
"""

from django.utils.translation import gettext_lazy as _

UNKNOWN_VILLAGE = _("村 {code} 不存在")
NOT_A_VILLAGE = _("{code} 不是村级区划")
LEDGER_CODE_TAKEN = _("账套编号 {code} 已被使用")
UNKNOWN_LEDGER = _("账套 {code} 不存在")
UNKNOWN_CHART = _("会计制度只能是 2023 或 2004")
UNKNOWN_ACCOUNT = _("科目 {code} 不存在于本账套")
NOT_LEAF = _("科目 {code} 有下级科目，请使用末级科目")
ACCOUNT_DISABLED = _("科目 {code} 已停用")
FUND_REQUIRED = _("科目 {code} 必须指定资金来源")
COUNTERPARTY_REQUIRED = _("科目 {code} 必须指定往来单位")
UNKNOWN_FUND = _("资金来源“{name}”不存在于本账套")
UNKNOWN_COUNTERPARTY = _("往来单位“{name}”不存在于本账套")
UNKNOWN_PROJECT = _("项目“{code}”不存在于本账套")
BEFORE_START = _("日期 {date} 早于账套启用期间 {start}")
YEAR_CLOSED = _("{year} 年度已年结，不能再录入")
# 新旧衔接: the old ledger's books go on in the new one from its start.
CONVERTED = _("本账套自 {start} 起已转入新账套 {code}，{date} 的凭证请在新账套中录入")
CONVERTED_CLOSE = _("本账套自 {start} 起已转入新账套 {code}，{period} 由新账套结账")
DATE_TOO_LATE = _("日期 {date} 太晚：凭证日期最晚为 {latest}（明年年底）")
YEAR_SKIPPED = _(
    "{previous} 年度尚未开启，不能录入 {year} 年度的凭证：年度按顺序开启，请先录入 {previous} 年度的凭证"
)
PERIOD_CLOSED = _("期间 {period} 已结账")
LEDGER_NOT_ACTIVE = _("账套尚未完成期初建账，不能记账")
WRONG_STATUS = _("凭证当前状态为“{status}”，不能{action}")
SELF_REVIEW = _("审核人不能是制单人")
WITHDRAW_OWN_ONLY = _("只有制单人本人可以撤回这张凭证")
ALREADY_REVERSED = _("该凭证已被冲销")
CANNOT_REVERSE = _("只能冲销已记账的普通凭证")
REASON_REQUIRED = _("请填写原因")
SUB_CODE_PREFIX = _("下级科目编码必须以上级科目编码 {parent} 开头，并多2到3位数字")
ACCOUNT_CODE_TAKEN = _("科目编码 {code} 已存在")
PARENT_HAS_POSTINGS = _("科目 {code} 已有记账数据或期初余额，不能再增加下级科目")
NAME_REQUIRED = _("名称不能为空")
NAME_TAKEN = _("名称“{name}”已存在")
UNKNOWN_FUND_KIND = _("资金类别“{kind}”无效")
OPENING_UNBALANCED = _("期初余额不平衡：借方合计 {debit}，贷方合计 {credit}")
OPENING_LOCKED = _("账套已有记账凭证，不能再修改期初余额")
UNPOSTED_IN_PERIOD = _("期间 {period} 还有 {count} 张未记账凭证")
TRIAL_UNBALANCED = _("期间 {period} 试算不平衡")
CASH_NEGATIVE = _("期间 {period} 末库存现金或银行存款为负数：{accounts}")
NEGATIVE_ACCOUNT = _("{code} {name} {amount} 元")
FUND_NEGATIVE = _("期间 {period} 末资金 {fund} 的结余为负数（{amount} 元）：支出超过了收到的资金")
HELD_NEGATIVE = _("期间 {period} 末 {account} 中资金 {fund} 的余额为负数（{amount} 元）")
EARLIER_OPEN = _("请先结账之前的期间 {period}")
LATER_CLOSED = _("请先反结账之后的期间 {period}")
PERIOD_NOT_CLOSED = _("期间 {period} 未结账")
YEAR_ORDER = _("请先年结 {year} 年度")
YEAR_ALREADY_CLOSED = _("{year} 年度已经年结")
UNKNOWN_APPROPRIATION = _("未知的分配项目“{kind}”，可用：{known}")
DISTRIBUTIONS_MADE = _(
    "{year} 年度的收益分配凭证已经生成，不能再次分配；请审核并记账后再次年结（不填分配金额），或修改那些凭证"
)
ATTACHMENT_TYPE = _("附件只能是 PDF、JPEG、PNG、WEBP 或 GIF 文件")
ATTACHMENT_TOO_LARGE = _("附件不能超过 {limit} MB")
ATTACHMENT_EMPTY = _("附件为空")
ATTACHMENT_DUPLICATE = _("该原始凭证已附在本账套的凭证上（{voucher}），同一原始凭证不能重复入账")
# Not translated: the database triggers (migration 0002) raise this very text, in any language.
POSTED_IMMUTABLE = "已记账凭证不能修改或删除"
# Not translated either: migration 0008's triggers raise it when an UPDATE changes a voucher's or line's id.
ID_IMMUTABLE = "凭证和分录的 id 不能修改"
# Not translated either: migration 0011's triggers raise it for the chain and the checkpoints.
CHAIN_APPEND_ONLY = "哈希链和校验点只能追加，不能修改或删除"
# Not translated either: migration 0020's triggers raise it for the record of 整理凭证号.
RENUMBERING_APPEND_ONLY = "整理凭证号的记录只能追加，不能修改或删除"
LEVEL1_FIXED = _("一级科目 {code} 由会计制度规定，不能{action}")
ACCOUNT_IN_BOOKS = _("科目 {code} 已有记账数据，不能{action}")
ACCOUNT_HAS_CHILDREN = _("科目 {code} 有下级科目，不能停用")
ACCOUNT_HAS_OPENING = _("科目 {code} 有期初余额，不能停用")
ACCOUNT_IN_UNPOSTED = _("科目 {code} 用在 {count} 张未记账凭证中，请先修改这些凭证")
ACCOUNT_FOR_YEAR_CLOSE = _("科目 {code} 是年结要用的科目，不能停用")
NAME_TOO_LONG = _("名称不能超过 {limit} 个字")
NOTE_TOO_LONG = _("说明不能超过 {limit} 个字")
RENUMBER_CLOSED = _("期间 {period} 已结账，不能整理凭证号：整理凭证号只能在月结之前")
RENUMBER_LATER_CLOSED = _("之后的期间 {period} 已结账，不能再整理 {month} 的凭证号")
RENUMBER_REASON_TOO_LONG = _("整理凭证号的说明不能超过 200 个字")
