"""Array literals read back by PostgreSQL as the values they were made from."""

from __future__ import annotations

import pytest
from django.db import connection
from hypothesis import given
from hypothesis import strategies as st

from villagebooks.common.pgarrays import array_literal, array_literals

BIGINTS = st.integers(min_value=-(2**63), max_value=2**63 - 1)


def test_literals_of_numbers_booleans_and_nulls():
    assert array_literal([1, -2, 0]) == "{1,-2,0}"
    assert array_literal([]) == "{}"
    assert array_literal([3, None]) == "{3,NULL}"
    assert array_literals([(1, True), (2, False)]) == ["{1,2}", "{True,False}"]


@pytest.mark.django_db
@given(
    numbers=st.lists(st.one_of(BIGINTS, st.none()), max_size=50), flags=st.lists(st.booleans(), max_size=20)
)
def test_postgresql_reads_back_the_values(numbers, flags):
    if connection.vendor != "postgresql":
        pytest.skip("array literals are PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::bigint[], %s::boolean[]", [array_literal(numbers), array_literal(flags)])
        assert cursor.fetchone() == (numbers, flags)
