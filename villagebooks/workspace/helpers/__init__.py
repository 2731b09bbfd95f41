"""Entry helper pages: common summaries, voucher templates, copies and recurring vouchers."""
