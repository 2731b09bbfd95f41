"""Import pages: a ledger's vouchers and opening balances uploaded, previewed and confirmed."""
