import pytest

from villagebooks.funds.tests.support import import_allocations, import_projects


@pytest.fixture
def road(ledger, accountant, tmp_path):
    """HT01 with the road allocation (300,000 for 153 and 513, stop) and project P01 (153: 200,000)."""
    import_allocations(tmp_path, accountant)
    import_projects(tmp_path, accountant)
    return ledger
