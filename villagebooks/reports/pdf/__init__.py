"""PDF output: reports of the catalogue and 记账凭证 forms, with the Chinese font embedded."""

from villagebooks.reports.pdf.document import PDF_CONTENT_TYPE
from villagebooks.reports.pdf.reports import render_report_pdf
from villagebooks.reports.pdf.vouchers import render_vouchers_pdf, vouchers_pdf

__all__ = ["PDF_CONTENT_TYPE", "render_report_pdf", "render_vouchers_pdf", "vouchers_pdf"]
