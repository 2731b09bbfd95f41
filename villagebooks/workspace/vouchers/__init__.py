"""The accountant's voucher pages: keyboard entry, the list with bulk actions, the review desk and
reversals. Every write goes through ``ledger.services`` and every permission through
``ledger.access``; this package only reads requests, resolves what was typed and renders."""
