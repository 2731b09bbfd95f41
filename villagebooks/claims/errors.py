"""Messages of the claims' rules, as constants that tests import.

The msgids are Chinese (zh-hans, the default language); each is lazy, so ``X.format(...)`` and
``DomainError(X)`` give the text of the language active at that moment (English from
``villagebooks/locale/en``).
"""

from django.utils.translation import gettext_lazy as _

DATE_REQUIRED = _("请填写支出日期")
DATE_IN_FUTURE = _("支出日期不能晚于今天")
AMOUNT_NOT_POSITIVE = _("金额必须大于零")
AMOUNT_TOO_LARGE = _("金额超出范围")
PURPOSE_REQUIRED = _("请填写用途")
PURPOSE_TOO_LONG = _("用途不能超过200个字")
PAYEE_REQUIRED = _("请填写收款人")
PAYEE_TOO_LONG = _("收款人不能超过100个字")
LEDGER_REQUIRED = _("请选择账套")
PHOTOS_REQUIRED = _("请至少上传一张票据照片")
TOO_MANY_PHOTOS = _("一张报账单最多上传 {limit} 个文件")
PHOTO_EMPTY = _("文件“{name}”是空的")
PHOTO_TOO_LARGE = _("文件“{name}”超过 {limit} MB")
PHOTO_TYPE = _("文件“{name}”不是 JPEG、PNG、WEBP 图片或 PDF 文件")
PHOTO_HEIC = _("文件“{name}”是 HEIC 格式，请在手机相机设置中选择“兼容性最佳”（JPEG）后重新拍照")
PHOTO_TWICE = _("文件“{name}”在本报账单中重复上传")
PHOTO_ALREADY_CLAIMED = _("文件“{name}”已在报账单#{claim}中提交，同一张票据不能重复报账")
PHOTO_ALREADY_BOOKED = _("文件“{name}”已附在凭证 {voucher} 上，同一张票据不能重复报账")
WRONG_STATUS = _("报账单当前状态为“{status}”，不能{action}")
NOT_YOUR_CLAIM = _("只能撤回自己提交的报账单")
REASON_REQUIRED = _("请填写退回原因")
REASON_TOO_LONG = _("退回原因不能超过200个字")
ACCOUNT_REQUIRED = _("请选择费用科目")
COUNTER_ACCOUNT_REQUIRED = _("请选择付款科目")
SAME_ACCOUNTS = _("付款科目不能与费用科目相同")
PHOTO_MISSING = _("文件“{name}”已丢失，请联系管理员")
