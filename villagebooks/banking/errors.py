"""The messages of bank reconciliation, as module constants that tests import."""

from django.utils.translation import gettext_lazy as _

NOT_BANK_ACCOUNT = _("科目 {code} 不是银行存款科目：只能对 102 银行存款及其明细科目对账")
UNKNOWN_ACCOUNT = _("科目 {code} 在该账套中不存在")
UNKNOWN_LAYOUT = _("对账单格式 {name} 不存在（可选：{names}）")
BAD_COLUMN_MAPPING = _("列对应“{text}”应写作 列名=表头，列名为：{names}")
NO_ROWS = _("对账单中没有交易记录")
TOO_MANY_PROBLEMS = _("问题过多，仅列出前 {count} 处")
DATE_REQUIRED = _("交易日期不能为空")
BAD_DATE = _("交易日期“{text}”无法识别，请写作 2025-01-31")
DATE_IN_FUTURE = _("交易日期 {date} 晚于今天")
BEFORE_LEDGER = _("交易日期 {date} 早于账套启用月份 {start}")
BAD_AMOUNT = _("{column}“{text}”：{reason}")
NEGATIVE_AMOUNT = _("{column}不能为负数")
BOTH_AMOUNTS = _("收入和支出不能同时有金额")
NO_AMOUNT = _("收入和支出不能都为空")
BALANCE_REQUIRED = _("余额不能为空")
SERIAL_REQUIRED = _("流水号不能为空")
SERIAL_TOO_LONG = _("流水号不能超过 64 个字符")
SERIAL_TWICE = _("流水号 {serial} 与第 {row} 行重复")
SERIAL_IMPORTED = _("流水号 {serial} 已经导入过（{date}），同一笔交易不能导入两次")
BALANCE_BROKEN = _(
    "余额不连续：上一笔余额 {previous} + 收入 {income} − 支出 {expense} 应为 {expected}，对账单上为 {balance}"
)
NOT_CONTINUING = _(
    "与已导入的对账单不衔接：已导入至 {date} 的余额为 {previous}，本笔应为 {expected}，对账单上为 {balance}"
)
EARLIER_THAN_IMPORTED = _(
    "该账户的对账单已导入至 {date}，不能再导入更早的交易（本笔 {first}），请按日期顺序导入"
)
NOT_IN_ORDER = _("交易日期 {date} 早于上一笔 {previous}：对账单应按日期顺序排列")

BANK_LINE_UNKNOWN = _("银行对账单中没有这笔交易")
VOUCHER_LINE_UNKNOWN = _("没有这条已记账的银行存款分录")
NOT_SAME_ACCOUNT = _("分录的科目 {line} 不属于对账单的科目 {account}")
BANK_LINE_MATCHED = _("这笔银行交易已经勾对过了")
VOUCHER_LINE_MATCHED = _("这条分录已经勾对过了")
AMOUNTS_DIFFER = _("金额或方向不一致：银行{bank}，账面{book}")
MONTH_CLOSED = _("{period} 已结账，不能再勾对或撤销该月的对账")
MATCH_UNKNOWN = _("没有这条勾对记录")
VOUCHER_NOT_FOUND = _("{period} 没有记-{number} 号已记账凭证")
VOUCHER_LINE_AMBIGUOUS = _("记-{number} 号凭证有 {count} 条该科目的分录，请用 --line 指定行号")
SERIAL_UNKNOWN = _("对账单中没有流水号 {serial}")

NO_STATEMENT = _("科目 {code} 尚未导入银行对账单，无法编制余额调节表")
STATEMENT_LATER = _("科目 {code} 的银行对账单从 {start} 开始，{period} 尚无对账单")
UNRECONCILED_OLD = _("有 {count} 笔银行存款未达账项超过 {days} 天仍未勾对（科目 {code}，最早 {date}）")
