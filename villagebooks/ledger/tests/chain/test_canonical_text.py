"""The import writes a voucher's canonical record directly as text (``chain.canonical_record_bytes``);
it must be, byte for byte, what ``canonical_json(canonical_record(…))`` — the form the stand-alone
verifier recomputes — makes of the same values, whatever the texts hold."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from villagebooks import verify_books
from villagebooks.ledger import chain

# Any text a cell can hold: quotes, backslashes, control characters, CJK, emoji, U+2028.
texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
fen = st.integers(min_value=-(10**15), max_value=10**15)
line = st.tuples(
    st.integers(min_value=1, max_value=999),
    texts,  # summary
    st.from_regex(r"[0-9]{3,9}", fullmatch=True),  # account code
    texts,  # account name
    fen,
    fen,
    texts,  # fund ("" for none)
    texts,  # counterparty
    texts,  # project
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    lines=st.lists(line, min_size=1, max_size=6),
    number=st.integers(min_value=1, max_value=10**6),
    note=texts,
    people=st.tuples(texts, texts, texts),
    source=st.one_of(st.none(), st.tuples(texts, st.from_regex(r"[0-9a-f]{64}", fullmatch=True))),
    reversed_voucher=st.one_of(
        st.none(), st.fixed_dictionaries({"period": texts, "number": st.integers(1, 999)})
    ),
    attachments=st.lists(st.from_regex(r"[0-9a-f]{64}", fullmatch=True), max_size=3),
    kind=st.sampled_from(["normal", "reversal", "closing", "distribution"]),
)
def test_direct_text_is_the_canonical_json(
    lines, number, note, people, source, reversed_voucher, attachments, kind
):
    prepared_by, reviewed_by, posted_by = people
    source_file, source_sha256 = source or (None, None)
    values = dict(
        ledger_code="HT01-村",
        period="2025-03",
        number=number,
        day="2025-03-01",
        kind=kind,
        note=note,
        prepared_by=prepared_by,
        reviewed_by=reviewed_by,
        posted_by=posted_by,
        reversed_voucher=reversed_voucher,
        attachments=attachments,
        source_file=source_file,
        source_sha256=source_sha256,
    )
    expected = verify_books.canonical_json(
        chain.canonical_record(lines=[chain.line_record(*values_of) for values_of in lines], **values)
    )
    direct = chain.canonical_record_bytes(
        line_texts=[chain.canonical_line_text(*values_of) for values_of in lines], **values
    )
    assert direct == expected


def test_an_empty_source_file_with_a_digest_is_written_as_json_would():
    values = dict(
        ledger_code="L",
        period="2025-01",
        number=1,
        day="2025-01-02",
        kind="normal",
        note="",
        prepared_by="",
        reviewed_by="",
        posted_by="",
        reversed_voucher=None,
        attachments=(),
        source_file=None,
        source_sha256="ab" * 32,
    )
    line_values = (1, '付"款"\\\n', "101", "库存现金", 0, 12345, "", "", "")
    assert chain.canonical_record_bytes(
        line_texts=[chain.canonical_line_text(*line_values)], **values
    ) == verify_books.canonical_json(
        chain.canonical_record(lines=[chain.line_record(*line_values)], **values)
    )
