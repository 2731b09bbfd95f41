"""Published disclosures: each a frozen snapshot carrying its ledger checkpoint."""
