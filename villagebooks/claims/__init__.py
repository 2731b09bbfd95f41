"""Claims (报账单): a village reporter's receipts, amount, purpose and payee, which an accountant
turns into a draft voucher with the photos as its attachments."""
