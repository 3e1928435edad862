"""Direct or reported speech, told from the seed's own quotation marks.

A quote is direct speech when the words lie wholly inside one pair of double
quotation marks (straight or typographic); anything else, even a sentence
that quotes a few words, is the reporter's.
"""

from __future__ import annotations

import pytest

from engine.quotes import FoldedText, Span, speech, speech_regions


def _speech(text: str, quote: str) -> str:
    found = FoldedText(text)
    span = found.find(quote)
    assert span is not None, quote
    return found.speech(span)


@pytest.mark.parametrize(
    ("text", "quote", "expected"),
    [
        ("He said \u201cwe will stay in Mali\u201d and left.", "we will stay in Mali", "direct"),
        ('He said "we will stay in Mali" and left.', "we will stay in Mali", "direct"),
        ('He said "we will stay in Mali" and left.', "will stay", "direct"),
        ("He said \u201cwe will stay in Mali\u201d and left.", "\u201cwe will stay in Mali\u201d", "direct"),
        ('He said "we will stay in Mali" and left.', '"we will stay in Mali"', "direct"),
        ("He said \u201cwe will stay in Mali\u201d and left.", "said \u201cwe will stay", "reported"),
        ('He said "we will stay in Mali" and left.', 'Mali" and left', "reported"),
        ("He said we will stay in Mali and left.", "we will stay in Mali", "reported"),
        ("Russia's force is small, he said.", "Russia's force is small", "reported"),
    ],
    ids=[
        "typographic",
        "straight",
        "a part inside",
        "marks included",
        "straight marks included",
        "partly before",
        "partly after",
        "no marks",
        "an apostrophe",
    ],
)
def test_inside_a_pair_is_direct_and_anything_else_reported(text: str, quote: str, expected: str) -> None:
    assert _speech(text, quote) == expected


def test_two_pairs_do_not_make_one() -> None:
    """Words that run from one quotation, through the reporter's words, into the next are reported."""
    text = "\u201cWe stay,\u201d he said. \u201cWe fight.\u201d"
    assert _speech(text, "We stay") == _speech(text, "We fight") == "direct"
    assert _speech(text, "stay,\u201d he said. \u201cWe") == "reported"


def test_nested_single_quotes_neither_open_nor_close_speech() -> None:
    text = "\u201cThey call it \u2018a rout\u2019 in Moscow,\u201d she said; the \u2018myth\u2019 is Siegle\u2019s word."
    assert _speech(text, "They call it \u2018a rout\u2019 in Moscow") == "direct"
    assert _speech(text, "a rout") == "direct"
    assert _speech(text, "the \u2018myth\u2019 is Siegle\u2019s word") == "reported"
    assert _speech(text, "myth") == "reported", "single marks alone are not speech"


def test_a_low_opening_mark_closes_with_a_high_one() -> None:
    text = "Sie sagte \u201ewir bleiben\u201c und ging."
    assert _speech(text, "wir bleiben") == "direct"
    assert _speech(text, "und ging") == "reported"


def test_a_pair_stays_in_its_paragraph() -> None:
    """A quotation left open at a paragraph's end closes there (it runs on, in news style); the next paragraph starts outside."""
    text = 'He said: "We stay\nin Mali.\n\nThe reporter adds this. "And we fight," he said.'
    assert _speech(text, "We stay in Mali.") == "direct", "a single line break is no paragraph break"
    assert _speech(text, "The reporter adds this.") == "reported"
    assert _speech(text, "And we fight,") == "direct"
    assert speech_regions(text)[0] == Span(text.index("We stay"), text.index("\n\n"))


def test_only_quotation_marks_or_blanks_are_reported() -> None:
    assert speech('a "" b', Span(2, 4)) == "reported"
