"""Chunking: passages fit the model, long text is split (never truncated), duplicates go."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retrieval.chunking import (
    ChunkParams,
    chunk_article,
    chunk_corpus,
    deduplicate,
    normalize_for_dedup,
    split_sentences,
)
from retrieval.corpus import load_corpus
from retrieval.encoders.base import MAX_TOKENS, WordPieceCounter, bundled_model_path
from retrieval.records import Article, Passage, Source

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
PARAMS = ChunkParams()
PIECES = ChunkParams(window_tokens=0)  # the pieces alone, without overlapping windows
SOURCE = Source(title="T", outlet="O", url="https://example.org/t", published="2019-06")


@pytest.fixture(scope="module")
def count() -> WordPieceCounter:
    # The model's own word-piece tokenizer: what the 256-piece limit is counted in.
    return WordPieceCounter(bundled_model_path() / "tokenizer.json")


@pytest.fixture(scope="module")
def corpus_passages(count) -> list[Passage]:
    return chunk_corpus(load_corpus(CORPUS), count, PARAMS)


def _article(paragraphs: list[str], subheads: list[str] | None = None, id: str = "a") -> Article:
    return Article(
        id=id,
        source=SOURCE,
        language="en",
        paragraphs=tuple(paragraphs),
        subheads=tuple(subheads or [""] * len(paragraphs)),
    )


def _vocabulary_text(n_words: int, seed: int, sentence_every: int | None) -> str:
    """Deterministic prose-like text; a full stop every `sentence_every` words (None: never)."""
    rng = random.Random(seed)
    vocab = [
        "election",
        "Kazakhstan",
        "Tokayev",
        "protesters",
        "observers",
        "turnout",
        "ballot",
        "commission",
        "Almaty",
        "Nur-Sultan",
        "detained",
        "internet",
        "opposition",
        "candidate",
        "president",
        "Senate",
        "70.76",
        "percent",
        "polling",
        "station",
        "violations",
        "Qosanov",
        "Ablyazov",
        "interior",
        "ministry",
        "boycott",
    ]
    words = []
    for i in range(n_words):
        word = f"{rng.choice(vocab)}{i}" if i % 7 == 0 else rng.choice(vocab)
        words.append(word)
    if sentence_every:
        for i in range(sentence_every - 1, n_words, sentence_every):
            words[i] += "."
            if i + 1 < n_words:
                words[i + 1] = words[i + 1].capitalize()
    return " ".join(words) + ("" if words[-1].endswith(".") else ".")


# --- token limit ----------------------------------------------------------------------------


def test_real_corpus_passages_fit_the_limit(corpus_passages, count) -> None:
    assert len(corpus_passages) > 20
    limit = PARAMS.window_tokens
    too_long = [(p.id, count(p.text)) for p in corpus_passages if count(p.text) > limit]
    assert too_long == []
    assert PARAMS.max_tokens <= limit <= MAX_TOKENS  # and so within what the model reads


def test_real_corpus_keeps_every_paragraph(count) -> None:
    # Every sentence of every article is in some passage (dedup only drops repeats).
    articles = load_corpus(CORPUS)
    text = " ".join(p.text for p in chunk_corpus(articles, count, PARAMS))
    norm_all = normalize_for_dedup(text)
    for a in articles:
        for paragraph in a.paragraphs:
            for sentence in split_sentences(paragraph):
                assert normalize_for_dedup(sentence) in norm_all, (a.id, sentence)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(_vocabulary_text(3000, seed=1, sentence_every=23), id="3000-word-paragraph"),
        pytest.param(_vocabulary_text(600, seed=2, sentence_every=None), id="600-word-sentence"),
    ],
)
def test_long_text_is_split_not_truncated(text: str, count) -> None:
    assert count(text) > 3 * PARAMS.max_tokens
    passages = chunk_article(_article([text]), count, PARAMS)
    assert len(passages) >= 3
    assert all(count(p.text) <= PARAMS.max_tokens for p in passages)
    # Every word of the input, in order, and nothing else.
    assert [w for p in passages for w in p.text.split()] == text.split()
    assert [p.position for p in passages] == list(range(len(passages)))


def test_one_sentence_of_600_words_becomes_several_passages(count) -> None:
    text = _vocabulary_text(600, seed=3, sentence_every=None)
    assert len(split_sentences(text)) == 1
    passages = chunk_article(_article([text]), count, PARAMS)
    assert len(passages) > 1
    # Each passage is a run of the sentence's words, not padded or overlapped.
    assert sum(len(p.text.split()) for p in passages) == 600


# --- sentences ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Mr. Smith went to Almaty. He voted there.",
            ["Mr. Smith went to Almaty.", "He voted there."],
        ),
        (
            "Dr. Zhovtis and Mrs. Tulesova spoke. Police came.",
            ["Dr. Zhovtis and Mrs. Tulesova spoke.", "Police came."],
        ),
        (
            "Whether they followed the call of M.Ablyazov remains unclear. Nobody knows.",
            ["Whether they followed the call of M.Ablyazov remains unclear.", "Nobody knows."],
        ),
        (
            "The winner is Tokayev with 70.76 per cent. Turnout was 77.4 per cent.",
            ["The winner is Tokayev with 70.76 per cent.", "Turnout was 77.4 per cent."],
        ),
        (
            "He said: “I am awake.” Then they left.",
            ["He said: “I am awake.”", "Then they left."],
        ),
        (
            'They chanted "Wake up!" The police watched.',
            ['They chanted "Wake up!"', "The police watched."],
        ),
        ("Was it fair? Observers said no.", ["Was it fair?", "Observers said no."]),
    ],
)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_split_sentences_loses_no_text() -> None:
    text = "On June 9, Mr. Tokayev won 70.76 per cent. M.Ablyazov said “No.” Others agreed!"
    assert " ".join(split_sentences(text)) == text


def test_split_sentences_of_blank_text() -> None:
    assert split_sentences("   ") == []


# --- merging short paragraphs ---------------------------------------------------------------


def test_short_paragraphs_merge_under_the_same_subhead(count) -> None:
    passages = chunk_article(
        _article(["Tokayev won.", "Observers objected."], ["Results", "Results"]), count, PARAMS
    )
    assert [p.text for p in passages] == ["Tokayev won. Observers objected."]
    assert passages[0].subhead == "Results"
    assert passages[0].sentences == ("Tokayev won.", "Observers objected.")


def test_short_paragraphs_do_not_merge_across_subheads(count) -> None:
    passages = chunk_article(
        _article(["Tokayev won.", "Observers objected."], ["Results", "Reactions"]), count, PARAMS
    )
    assert [(p.text, p.subhead) for p in passages] == [
        ("Tokayev won.", "Results"),
        ("Observers objected.", "Reactions"),
    ]


def test_long_paragraphs_stay_apart(count) -> None:
    first = _vocabulary_text(60, seed=4, sentence_every=12)
    second = _vocabulary_text(60, seed=5, sentence_every=12)
    assert count(first) >= PARAMS.min_tokens and count(second) >= PARAMS.min_tokens
    passages = chunk_article(_article([first, second]), count, PARAMS)
    assert [p.text for p in passages] == [first, second]


def test_merge_never_exceeds_the_limit(count) -> None:
    long_paragraph = _vocabulary_text(90, seed=6, sentence_every=15)
    assert count(long_paragraph) > PARAMS.max_tokens - 5
    passages = chunk_article(_article(["Short one.", long_paragraph]), count, PARAMS)
    assert all(count(p.text) <= PARAMS.max_tokens for p in passages)
    assert " ".join(p.text for p in passages).split() == f"Short one. {long_paragraph}".split()


# --- duplicates -----------------------------------------------------------------------------

LONG = (
    "The police detained nearly five hundred protesters in Almaty and Nur-Sultan on the day "
    "of the election, according to the deputy interior minister Marat Kozhayev."
)


def _passages(*texts: str) -> list[Passage]:
    return [Passage(i, f"art{i}", 0, t) for i, t in enumerate(texts)]


def test_exact_duplicate_dropped_up_to_case_and_punctuation() -> None:
    kept = deduplicate(_passages(LONG, LONG.upper().replace(",", "")), PARAMS.near_duplicate)
    assert [p.id for p in kept] == [0]


def test_near_duplicate_dropped() -> None:
    # One word changed in a passage of 50 words: 3 of its 48 word triples differ.
    text = (
        f"{LONG} Observers from the OSCE said the vote was marred by significant "
        "irregularities, ballot stuffing and pressure on voters, and that the counting of "
        "votes in many polling stations lacked any transparency at all."
    )
    near = text.replace("nearly", "almost", 1)
    kept = deduplicate(_passages(text, near), PARAMS.near_duplicate)
    assert [p.id for p in kept] == [0]


def test_near_duplicate_check_is_not_too_loose() -> None:
    # The same change in a short passage is a real difference (a third of its triples).
    short = "Police detained nearly five hundred protesters in Almaty."
    other = short.replace("nearly", "almost")
    kept = deduplicate(_passages(short, other), PARAMS.near_duplicate)
    assert [p.id for p in kept] == [0, 1]


def test_passage_contained_in_an_earlier_one_dropped() -> None:
    part = "detained nearly five hundred protesters in Almaty and Nur-Sultan"
    kept = deduplicate(_passages(LONG, part), PARAMS.near_duplicate)
    assert [p.id for p in kept] == [0]


def test_passage_contained_in_a_later_one_dropped() -> None:
    part = "detained nearly five hundred protesters in Almaty and Nur-Sultan"
    kept = deduplicate(_passages(part, LONG), PARAMS.near_duplicate)
    assert [p.text for p in kept] == [LONG]


def test_distinct_passages_kept() -> None:
    texts = [
        LONG,
        "Tokayev won the election with 70.76 per cent of the vote, the commission said.",
        "Amirzhan Kossanov received about sixteen per cent, the best opposition result.",
        # Shares words with LONG but says something else.
        "The police released the protesters detained in Almaty after two days.",
    ]
    kept = deduplicate(_passages(*texts), PARAMS.near_duplicate)
    assert [p.text for p in kept] == texts


def test_real_corpus_has_no_repeated_passages(corpus_passages) -> None:
    norms = [normalize_for_dedup(p.text) for p in corpus_passages]
    assert len(set(norms)) == len(norms)
    for i, a in enumerate(norms):
        for j, b in enumerate(norms):
            assert i == j or a not in b, (corpus_passages[i].text, corpus_passages[j].text)


# --- ids ------------------------------------------------------------------------------------


def test_ids_equal_row_positions(corpus_passages) -> None:
    assert [p.id for p in corpus_passages] == list(range(len(corpus_passages)))


def test_ids_stay_row_positions_after_duplicates_are_dropped(count) -> None:
    # Different subheads, so the short paragraphs are not merged with LONG.
    subheads = ["Protests", "Results"]
    a = _article([LONG, "Tokayev won the election with 70.76 per cent of the vote."], subheads, "a")
    b = _article([LONG, "Kossanov came second with about sixteen per cent."], subheads, "b")
    passages = chunk_corpus([a, b], count, PIECES)
    assert [p.text for p in passages] == [
        LONG,
        "Tokayev won the election with 70.76 per cent of the vote.",
        "Kossanov came second with about sixteen per cent.",
    ]
    assert [p.id for p in passages] == [0, 1, 2]
    assert [(p.article_id, p.position) for p in passages] == [("a", 0), ("a", 1), ("b", 1)]


def test_chunk_article_ids_run_on_from_first_id(count) -> None:
    text = _vocabulary_text(400, seed=7, sentence_every=20)
    passages = chunk_article(_article([text]), count, PARAMS, first_id=10)
    assert [p.id for p in passages] == list(range(10, 10 + len(passages)))


# --- overlapping windows --------------------------------------------------------------------


def _sections(n: int, words: int, seed: int) -> list[str]:
    return [_vocabulary_text(words, seed=seed + i, sentence_every=9) for i in range(n)]


def test_windows_start_at_every_sentence_and_fit(count) -> None:
    article = _article(_sections(6, 40, seed=11))
    pieces = chunk_corpus([article], count, PIECES)
    windows = chunk_corpus([article], count, PARAMS)
    numbered = {p.start + i: s for p in pieces for i, s in enumerate(p.sentences)}
    assert len(windows) > len(pieces)  # they overlap
    for w in windows:
        assert count(w.text) <= PARAMS.window_tokens
        assert w.sentences == tuple(numbered[i] for i in range(w.start, w.end))

    # From every sentence, the longest run that fits; a run inside the one before is left out.
    def longest(k: int) -> int:
        end = k + 1
        while (
            end < len(numbered)
            and count(" ".join(numbered[i] for i in range(k, end + 1))) <= PARAMS.window_tokens
        ):
            end += 1
        return end

    expected: list[tuple[int, int]] = []
    for k in range(len(numbered)):
        if not expected or longest(k) > expected[-1][1]:
            expected.append((k, longest(k)))
    assert [(w.start, w.end) for w in windows] == expected
    assert expected[-1][1] == len(numbered)


def test_windows_do_not_cross_subheads_or_articles(count) -> None:
    paragraphs = _sections(4, 30, seed=21)
    a = _article(paragraphs, ["One", "One", "Two", "Two"], id="a")
    b = _article(_sections(2, 30, seed=31), id="b")
    windows = chunk_corpus([a, b], count, PARAMS)
    for w in windows:
        subheads = (
            {
                p_sub
                for p_sub, text in zip(a.subheads, a.paragraphs, strict=True)
                if any(s in text for s in w.sentences)
            }
            if w.article_id == "a"
            else {""}
        )
        assert subheads == {w.subhead}
    assert {w.article_id for w in windows} == {"a", "b"}


def test_paragraphs_inside_a_window_keep_their_break(count) -> None:
    # Each paragraph long enough to stay a paragraph of its own (min_tokens).
    first = " ".join(["Tokayev won the election with most of the vote."] * 3)
    second = " ".join(["Kossanov came second with about sixteen per cent."] * 3)
    article = _article([first, second])
    (window, *_) = chunk_corpus([article], count, PARAMS)
    assert window.text.split("\n") == [first, second]


def test_overlapping_windows_are_told_apart_by_their_spans(count) -> None:
    windows = chunk_corpus([_article(_sections(6, 40, seed=41))], count, PARAMS)
    assert windows[0].overlaps(windows[1])
    far = next(w for w in windows if w.start >= windows[0].end)
    assert not windows[0].overlaps(far) and not far.overlaps(windows[0])


# --- deduplicate compares only the pairs that can be the same, and finds every one ---------


def _every_pair(passages: list[Passage], threshold: float) -> list[Passage]:
    """What deduplicate means, comparing every pair that shares a word triple: the reference
    (quadratic when a phrase is common, as deduplicate was)."""
    from retrieval.chunking import Shingled, same_text

    texts = [Shingled.of(p.text) for p in passages]

    def keeps(j: int, i: int) -> bool:
        return (len(texts[j].norm), -j) > (len(texts[i].norm), -i)

    def same(i: int, j: int) -> bool:
        return bool(texts[i].shingles & texts[j].shingles) and same_text(
            texts[i], texts[j], threshold
        )

    return [
        p
        for i, p in enumerate(passages)
        if not any(j != i and keeps(j, i) and same(i, j) for j in range(len(passages)))
    ]


WORDS = ["the", "vote", "was", "a", "protest", "in", "almaty", "police", "said", "tokayev", "won"]


@st.composite
def related_texts(draw: st.DrawFn) -> list[str]:
    """Texts over a few words, many of them copies, pieces, edits or extensions of others."""
    texts: list[str] = []
    for _ in range(draw(st.integers(2, 12))):
        words = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=40))
        if texts and draw(st.booleans()):
            base = draw(st.sampled_from(texts)).split()
            start = draw(st.integers(0, len(base) - 1))
            end = draw(st.integers(start + 1, len(base)))
            edit = draw(st.sampled_from(["piece", "edit", "extend", "glue"]))
            piece = base[start:end]
            if edit == "edit":
                piece[draw(st.integers(0, len(piece) - 1))] = draw(st.sampled_from(WORDS))
            elif edit == "extend":
                piece = piece + words[:3]
            elif edit == "glue":  # inside another, starting and ending within its words
                piece = ["x" + piece[0], *piece[1:-1], piece[-1] + "x"] if len(piece) > 2 else piece
            words = piece
        texts.append(" ".join(words))
    return texts


@settings(max_examples=400, deadline=None)
@given(related_texts(), st.sampled_from([0.5, 0.75, 0.9, 1.0]))
def test_deduplicate_drops_exactly_what_comparing_every_pair_drops(texts, threshold) -> None:
    passages = _passages(*texts)
    assert deduplicate(passages, threshold) == _every_pair(passages, threshold)


def test_deduplicate_of_the_corpus_is_what_comparing_every_pair_gives(count) -> None:
    pieces = [p for a in load_corpus(CORPUS) for p in chunk_article(a, count, PIECES)]
    assert deduplicate(pieces, PARAMS.near_duplicate) == _every_pair(pieces, PARAMS.near_duplicate)


def test_deduplicate_does_not_compare_texts_that_only_share_common_phrases() -> None:
    from retrieval.chunking import Shingled, _candidate_pairs

    common = "according to the central election commission"
    texts = [Shingled.of(f"{common} item{i} alpha{i} beta{i} gamma{i}") for i in range(300)]
    assert _candidate_pairs(texts, 0.9) == set()  # each shares only the common phrase
