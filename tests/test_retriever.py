"""The search API with the fake hash encoder: hits, ranking, abstention, context, name variants."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from retrieval import Hit, Source
from retrieval.answer_types import answering
from retrieval.context import article_texts, extended
from retrieval.records import Passage, Refusal
from retrieval.retriever import Retriever

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "Who won the presidential election?"


def _signals(r: Retriever, question: str) -> np.ndarray:
    """Per passage, recomputed here: (passage cosine, best sentence cosine, share of BM25,
    late interaction, and the answer kind when the question asks for one)."""
    data = r.data
    q = r.encoder.encode([question])[0]
    n = len(data.passages)
    dense = np.array([data.ann.index.reconstruct(i) @ q for i in range(n)])
    sims = data.sentence_vectors @ q
    off = data.sentence_offsets
    sentence = np.array([sims[off[i] : off[i + 1]].max() for i in range(n)])
    # A question asking for a kind of answer: the sentence that counts is the best of those
    # giving one (where the passage has any).
    asked = r.signals.asked(r.prepare(question).text)
    if asked is not None:
        for i, p in enumerate(data.passages):
            terms = r.signals.terms
            found = answering(
                asked.kind, p.sentences, asked.anchors, terms, asked.counted, named=asked.named
            )
            if found:
                sentence[i] = max(sims[off[i] + k] for k in found)
    lexical = data.lexical.scores(question) / data.lexical.ceiling(question)
    # Late interaction: each question token's best cosine with any token of the passage's
    # sentences (each distinct sentence's tokens stored once, in order of first appearance).
    _, (tokens,) = r.encoder.encode_with_tokens([question])
    distinct = list(dict.fromkeys(s for p in data.passages for s in p.sentences))
    toff = data.token_offsets
    rows_of = {s: data.token_vectors[toff[i] : toff[i + 1]] for i, s in enumerate(distinct)}
    late = np.array(
        [
            (tokens @ np.vstack([rows_of[s] for s in p.sentences]).T).max(axis=1).mean()
            for p in data.passages
        ]
    )
    columns = [dense, sentence, lexical, late]
    # A question asking for a kind of answer (a figure, a person) ranks passages giving one
    # higher: that is a signal too.
    kinds = r.signals.answer_kinds(r.prepare(question).text, np.arange(n))
    if kinds is not None:
        columns.append(kinds)
    return np.stack(columns, axis=1)


def _dominates(a: np.ndarray, b: np.ndarray) -> bool:
    """a is at least as good as b on every signal and better on one (beyond float noise)."""
    return bool(np.all(a >= b - 1e-6) and np.any(a > b + 1e-6))


# --- hits -----------------------------------------------------------------------------------


def test_hits_carry_text_score_and_source(hash_retriever: Retriever) -> None:
    hits = hash_retriever.search(QUESTION)
    assert hits
    data = hash_retriever.data
    for h in hits:
        assert isinstance(h, Hit) and isinstance(h.source, Source)
        passage = data.passages[h.passage_id]
        if h.text != passage.text:  # a key sentence ending its window, with the one after it
            assert h.best_sentence == passage.sentences[-1]
            longer = extended(hash_retriever.signals.articles[passage.article_id], passage)
            assert longer is not None and h.text == longer.text
        assert h.source == data.sources[passage.article_id] and h.article_id == passage.article_id
        assert h.source.url.startswith("https://") and h.source.outlet
        assert isinstance(h.source.title, str) and h.source.published.startswith("2019")
        assert isinstance(h.score, float) and 0 < h.score < 2
        assert h.best_sentence in passage.sentences


def test_the_fingerprint_names_the_corpus_the_index_was_built_from(
    hash_retriever: Retriever,
) -> None:
    fingerprint = hash_retriever.fingerprint
    assert fingerprint and fingerprint == hash_retriever.data.manifest["corpus_fingerprint"]


def test_hit_repr_is_short_and_readable(hash_retriever: Retriever) -> None:
    h = hash_retriever.search(QUESTION, k=1)[0]
    text = repr(h)
    assert text.startswith("Hit(score=") and repr(h.source.outlet) in text
    assert len(h.text) > 80 and len(text) < 80 + len(h.source.outlet) + 40
    assert text.endswith("...')") or text.endswith('..."')


def test_hit_to_dict_is_json_shaped(hash_retriever: Retriever) -> None:
    d = hash_retriever.search(QUESTION, k=1)[0].to_dict()
    assert set(d) == {"text", "score", "best_sentence", "source"}
    assert d["best_sentence"] and d["best_sentence"] in d["text"]
    assert set(d["source"]) == {"title", "outlet", "url", "published"}


@pytest.mark.parametrize("k", [1, 2, 3, 7, 20])
def test_k_is_respected(hash_retriever: Retriever, k: int) -> None:
    assert len(hash_retriever.search(QUESTION, k=k)) == k


def test_default_k_is_top_k(hash_retriever: Retriever) -> None:
    assert len(hash_retriever.search(QUESTION)) == hash_retriever.settings.top_k


def test_k_zero_returns_nothing(hash_retriever: Retriever) -> None:
    assert hash_retriever.search(QUESTION, k=0) == []


# --- ranking --------------------------------------------------------------------------------


RANKED_QUESTIONS = [
    QUESTION,
    "How many people were detained in Almaty?",
    "Was the internet blocked?",
    "What did Kossanov say about the results?",
]


@pytest.mark.parametrize("question", RANKED_QUESTIONS)
def test_hits_follow_the_fused_rank(hash_retriever: Retriever, question: str) -> None:
    # Documented: best first by the fusion of the signals (`rank`); Hit.score is relevance,
    # for abstention, so it need not be sorted.
    r = hash_retriever
    hits = r.search(question, k=10)
    vectors, tokens = r.encode_questions([question])
    ranked = r.rank(question, vectors[0], tokens=tokens[0])
    assert [h.passage_id for h in hits] == [s.passage.id for s in ranked[:10]]
    assert [h.score for h in hits] == [round(s.relevance, 4) for s in ranked[:10]]


@pytest.mark.parametrize("question", RANKED_QUESTIONS)
def test_fused_rank_respects_every_signal(hash_retriever: Retriever, question: str) -> None:
    # Whatever the fusion, it must be monotone: a passage at least as good on the passage
    # cosine, the best sentence, BM25 and late interaction (and better on one) is never
    # ranked below another. (Of the windows scored: an overlapping one may be shown.)
    r = hash_retriever
    signals = _signals(r, question)
    vectors, tokens = r.encode_questions([question])
    order = [(s.scored or s.passage).id for s in r.rank(question, vectors[0], tokens=tokens[0])]
    for i, above in enumerate(order):
        for below in order[i + 1 :]:
            assert not _dominates(signals[below], signals[above]), (above, below)


@pytest.mark.parametrize("question", RANKED_QUESTIONS)
def test_overlapping_passages_are_shown_once(hash_retriever: Retriever, question: str) -> None:
    # Passages overlap; the results never repeat a sentence, and a passage left out shares
    # one with a passage shown.
    r = hash_retriever
    shown = [r.data.passages[h.passage_id] for h in r.search(question, k=len(r.data.passages))]
    assert len(shown) < len(r.data.passages)
    for i, a in enumerate(shown):
        assert not any(a.overlaps(b) for b in shown[i + 1 :])
    # nor does a sentence added after a key sentence ending its window
    vectors, tokens = r.encode_questions([question])
    ranked = [x.passage for x in r.rank(question, vectors[0], tokens=tokens[0])]
    for i, a in enumerate(ranked):
        assert not any(a.overlaps(b) for b in ranked[i + 1 :])
    for p in r.data.passages:
        assert p in shown or any(p.overlaps(s) for s in shown)
    # Asking for fewer gives the first of the same list (the bot's More relies on it).
    assert [h.passage_id for h in r.search(question, k=3)] == [p.id for p in shown[:3]]


def test_dense_mode_sorted_by_cosine(hash_retriever: Retriever) -> None:
    r = hash_retriever
    hits = r.search(QUESTION, k=10, mode="dense")
    q = r.encoder.encode([QUESTION])[0]
    cos = [float(r.data.ann.index.reconstruct(h.passage_id) @ q) for h in hits]
    assert cos == sorted(cos, reverse=True)
    all_cos = [float(r.data.ann.index.reconstruct(i) @ q) for i in range(len(r.data.passages))]
    assert cos[0] == pytest.approx(max(all_cos))


def test_exact_passage_text_finds_that_passage(hash_retriever: Retriever) -> None:
    p = hash_retriever.data.passages[10]
    assert hash_retriever.search(p.text, k=1)[0].passage_id == p.id


# --- abstention -----------------------------------------------------------------------------


@pytest.mark.parametrize("question", ["", " ", "   \n\t  "])
def test_empty_question_returns_nothing(hash_retriever: Retriever, question: str) -> None:
    assert hash_retriever.search(question) == []


@pytest.mark.parametrize(
    "question",
    [
        "How can we tell whether Tokayev really won?",  # names what the articles are about
        "What is the best known slogan of Oyan Qazaqstan?",  # and so does this one
        "What can I read about the protests?",  # what to read: the articles themselves
        "I might visit, should I be worried? Were there protests?",  # chatter, then a question
        "How do you explain the protests in Almaty?",  # what to make of the news
        "What did the blogger write about the protests?",  # what was written, not a task
        "Was it safe to protest in Almaty on June 9?",  # not a trip
    ],
)
def test_advice_naming_the_articles_subjects_goes_on_to_the_other_checks(
    hash_retriever: Retriever, question: str
) -> None:
    assert hash_retriever.search_with_reason(question).refusal is not Refusal.ADVICE


@pytest.mark.parametrize("question", ["zzqx qwv", "qwxz vvbn plokm", "?!"])
def test_nonsense_abstains(hash_retriever: Retriever, question: str) -> None:
    assert hash_retriever.search(question) == []


@pytest.mark.parametrize(
    ("question", "why"),
    [
        ("   ", Refusal.EMPTY_QUESTION),
        ("zzqx qwv", Refusal.LOW_RELEVANCE),
        # A name the articles never use, in a question otherwise close to them.
        ("Who won the presidential election according to Kowalczyk?", Refusal.UNKNOWN_NAME),
        # Names the articles use, but never in one passage.
        ("What did Ablyazov say about the ODIHR mission?", Refusal.NAMES_APART),
        # Advice or instructions, naming nothing the articles do: news reports, not advice.
        ("What's a good training plan for my first marathon?", Refusal.ADVICE),
        ("how do i vote in an election", Refusal.ADVICE),
        ("Could you recommend a good book on elections?", Refusal.ADVICE),
        ("Can you give me a good recipe for kumis?", Refusal.ADVICE),  # instructions asked
        ("What cocktails can I make with vodka and orange juice?", Refusal.ADVICE),
        ("where can i print a big banner", Refusal.ADVICE),  # what the asker could do
        ("how do you make uzbek plov at home", Refusal.ADVICE),  # asked of anyone
        ("how make plov uzbek style in kazan", Refusal.ADVICE),  # a task's verb after "how"
        ("How to cook borscht with beef?", Refusal.ADVICE),
        ("how to get a visa for a week", Refusal.ADVICE),  # any task after "how to"
        ("Tell me how to get a tourist visa", Refusal.ADVICE),  # asked as an instruction
        # the country the articles are all about is no subject of theirs named
        ("How do you cook beshbarmak the traditional Kazakh way?", Refusal.ADVICE),
        # nor a place the articles name, where the advice is wanted
        ("How do I get to Almaty?", Refusal.ADVICE),
        ("what is the best pizza in almaty", Refusal.ADVICE),
        ("Can you recommend a hotel in Nur-Sultan?", Refusal.ADVICE),
        ("is it safe to travel to kazakhstan", Refusal.ADVICE),  # whether a trip is wise
        ("is it safe for a woman to travel alone in kazakstan?", Refusal.ADVICE),
        ("Does kumis contain alcohol, and is it ok to give to kids?", Refusal.ADVICE),
        ("I have 2 days in Almaty, what should I see?", Refusal.ADVICE),
        ("do i need a visa for kazakhstan with a uk passport", Refusal.ADVICE),  # needs
        ("cheapest way to fly from london to almaty?", Refusal.ADVICE),  # no question words
        # a task set the bot
        ("translate 'thank you very much' into Kazakh please", Refusal.ADVICE),
        ("write me a poem about Tokayev", Refusal.ADVICE),
        # Small talk asks nothing of the articles, though "thanks" and "today" are in them.
        ("thanks!", Refusal.SMALL_TALK),
        ("How are you today?", Refusal.SMALL_TALK),
        ("Thank you so much, that helps", Refusal.SMALL_TALK),
        # Another language in another script: transliterated, its words match nothing.
        ("Кто победил на выборах?", Refusal.OTHER_LANGUAGE),
        ("谁赢得了选举？", Refusal.OTHER_LANGUAGE),
    ],
)
def test_search_with_reason_says_why_nothing_came_back(
    hash_retriever: Retriever, question: str, why: Refusal
) -> None:
    result = hash_retriever.search_with_reason(question)
    assert result.hits == [] and not result.answered
    assert result.refusal is why
    assert hash_retriever.search(question) == []  # search itself unchanged


def test_a_greeting_opening_a_question_is_not_searched(hash_retriever: Retriever) -> None:
    hits = hash_retriever.search(f"Hi there! {QUESTION}")
    assert hits and hits == hash_retriever.search(QUESTION)


def test_search_with_reason_of_an_answer_has_the_hits_and_no_refusal(
    hash_retriever: Retriever,
) -> None:
    result = hash_retriever.search_with_reason(QUESTION, k=3)
    assert result.refusal is None and result.answered
    assert result.hits == hash_retriever.search(QUESTION, k=3)
    assert result.relevance == pytest.approx(result.hits[0].score, abs=1e-4)


def test_a_refusal_keeps_the_best_relevance(hash_retriever: Retriever) -> None:
    r = hash_retriever
    result = r.search_with_reason("zzqx qwv plokm")
    assert result.refusal is Refusal.LOW_RELEVANCE
    assert 0 <= result.relevance < r.min_score


@pytest.mark.parametrize("mode", ["Hybrid", "bm25", ""])
def test_an_unknown_mode_is_an_error_not_a_silent_hybrid(
    hash_retriever: Retriever, mode: str
) -> None:
    with pytest.raises(ValueError, match="unknown search mode"):
        hash_retriever.search(QUESTION, mode=mode)


# --- context --------------------------------------------------------------------------------


def _article_sentences(r: Retriever, article_id: str) -> list[str]:
    numbered = {
        p.start + i: s
        for p in r.data.passages
        if p.article_id == article_id
        for i, s in enumerate(p.sentences)
    }
    assert sorted(numbered) == list(range(len(numbered)))
    return [numbered[i] for i in range(len(numbered))]


def _joined(texts) -> str:
    return " ".join(" ".join(texts).split())


def test_context_is_the_text_right_before_and_after(hash_retriever: Retriever) -> None:
    r = hash_retriever
    article = r.data.passages[0].article_id
    sentences = _article_sentences(r, article)
    run = [p for p in r.data.passages if p.article_id == article]
    middle = next(p for p in run if p.start >= len(sentences) // 2)
    hit = r.search(middle.text, k=1, context=1)[0]
    assert hit.passage_id == middle.id
    (before,), (after,) = hit.context_before, hit.context_after
    # The sentences just before the hit, ending where it starts; and just after it.
    assert _joined([before, middle.text]) in _joined(sentences)
    assert _joined([middle.text, after]) in _joined(sentences)
    assert not any(s in before or s in after for s in middle.sentences)
    wide = r.search(middle.text, k=1, context=2)[0]
    assert len(wide.context_before) == 2 and len(wide.context_after) == 2
    assert wide.context_before[1] == before and wide.context_after[0] == after
    assert _joined([*wide.context_before, middle.text, *wide.context_after]) in _joined(sentences)


def test_no_context_by_default(hash_retriever: Retriever) -> None:
    for h in hash_retriever.search(QUESTION):
        assert h.context_before == () and h.context_after == ()


def test_context_stops_at_article_edges(hash_retriever: Retriever) -> None:
    r = hash_retriever
    articles = list(dict.fromkeys(p.article_id for p in r.data.passages))
    second = [p for p in r.data.passages if p.article_id == articles[1]]
    first = [p for p in r.data.passages if p.article_id == articles[0]]
    hit = r.search(second[0].text, k=1, context=1)[0]
    assert hit.passage_id == second[0].id
    assert hit.context_before == ()
    assert len(hit.context_after) == 1
    assert first[-1].text not in hit.context_before
    hit = r.search(first[-1].text, k=1, context=1)[0]
    assert hit.passage_id == first[-1].id and hit.context_after == ()


# --- batches --------------------------------------------------------------------------------


def test_search_many_equals_single_searches(hash_retriever: Retriever) -> None:
    questions = [
        QUESTION,
        "",
        "zzqx qwv",
        "What was the turnout?",
        QUESTION,
        "How many people were detained in Almaty?",
    ]
    many = hash_retriever.search_many(questions, k=4, context=1)
    assert many == [hash_retriever.search(q, k=4, context=1) for q in questions]
    assert many[0] and many[1] == [] and many[0] == many[4]


def test_search_many_of_nothing(hash_retriever: Retriever) -> None:
    assert hash_retriever.search_many([]) == []


# --- name variants --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Who is Toqaev?", "Who is Tokayev?"),
        ("Who is Toqaev?", "Who is Tokaev?"),
        ("What did Kossanov say?", "What did Qosanov say?"),
        ("Protests in Nur-Sultan", "Protests in Astana"),
    ],
)
def test_name_variants_score_the_same(hash_retriever: Retriever, a: str, b: str) -> None:
    lexical = hash_retriever.data.lexical
    sa, sb = lexical.scores(a), lexical.scores(b)
    assert sa.max() > 0
    np.testing.assert_array_equal(sa, sb)
    assert lexical.ceiling(a) == lexical.ceiling(b)


def test_different_names_score_differently(hash_retriever: Retriever) -> None:
    # The control for the test above: the scores do depend on the name.
    lexical = hash_retriever.data.lexical
    assert not np.array_equal(lexical.scores("Who is Tokayev?"), lexical.scores("Who is Kossanov?"))


# --- dependencies ---------------------------------------------------------------------------


def test_import_retrieval_does_not_import_telegram() -> None:
    code = (
        "import sys\n"
        "import retrieval\n"
        "from retrieval import Retriever\n"
        "import retrieval.build, retrieval.retriever, retrieval.evaluate\n"
        "assert Retriever.__name__ == 'Retriever'\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('telegram', 'bot'))\n"
        "print(bad)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_retrieval_sources_never_import_telegram_or_bot() -> None:
    files = sorted((ROOT / "retrieval").rglob("*.py"))
    assert len(files) >= 10
    offenders = {
        str(f.relative_to(ROOT)): sorted(m for m in mods if m.split(".")[0] in ("telegram", "bot"))
        for f in files
        if (mods := _imported_modules(f))
    }
    assert {k: v for k, v in offenders.items() if v} == {}
    # And the plain text too, in case of importlib tricks.
    for f in files:
        assert "import telegram" not in f.read_text(encoding="utf-8"), f


def test_a_large_corpus_scores_a_candidate_pool_with_the_same_best_hits(
    hash_retriever, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above EXHAUSTIVE_MAX passages only the dense and BM25 top candidates are scored."""
    import retrieval.build
    import retrieval.signals as module
    from retrieval.fusion import Scoring

    # A corpus that large has no token vectors (LATE_MAX_PASSAGES), so no late interaction.
    assert retrieval.build.LATE_MAX_PASSAGES < module.EXHAUSTIVE_MAX
    r = hash_retriever
    no_late = Scoring(late=0.0)
    questions = ["Who won the election?", "How many protesters were detained?", "Oyan Qazaqstan"]
    exhaustive_retriever = Retriever(r.data, r.encoder, r.settings, no_late)
    exhaustive = [[h.passage_id for h in exhaustive_retriever.search(q, 3)] for q in questions]
    monkeypatch.setattr(module, "EXHAUSTIVE_MAX", 10)
    monkeypatch.setattr(module, "POOL", 40)
    pooled = Retriever(r.data, r.encoder, r.settings, no_late)
    assert pooled.signals.passage_vectors is None  # the pooled path, not the matrix
    # Standardised over the pool rather than over every passage, the scores shift a little:
    # the best hit shares its text (a sentence) with the exhaustive best, and so do at least
    # two of the first three.
    passages = r.data.passages
    for question, best in zip(questions, exhaustive, strict=True):
        found = [h.passage_id for h in pooled.search(question, 3)]
        near = [any(passages[f].overlaps(passages[b]) for b in best) for f in found]
        assert passages[found[0]].overlaps(passages[best[0]]), (question, found, best)
        assert sum(near) >= 2, (question, found, best)


def test_late_interaction_counts_each_question_token_s_best_match(hash_retriever) -> None:
    # With the hash encoder a token is a word: its best match is 1 where the passage has the
    # word, else 0, so the signal is the share of the question's words the passage holds.
    r = hash_retriever
    assert r.data.token_vectors is not None and r.signals.late
    _, (tokens,) = r.encode_questions(["Toqaev won the election"])
    late = r.signals.late_interaction(tokens, np.arange(len(r.data.passages)))
    slot = r.encoder.slot  # words share a one-hot slot when their hashes collide
    for passage, value in zip(r.data.passages, late, strict=True):
        slots = {slot(w) for w in re.findall(r"\w+", passage.text.lower())}
        share = sum(slot(w) in slots for w in ("toqaev", "won", "the", "election")) / 4
        assert value == pytest.approx(share), passage.text
    # The same values for a few passages as for all of them.
    some = np.array([3, 0, 7])
    assert np.allclose(r.signals.late_interaction(tokens, some), late[some])
    most = np.arange(len(r.data.passages))[::-1][:-1]  # most, in another order: one product
    assert np.allclose(r.signals.late_interaction(tokens, most), late[most])


def test_late_interaction_moves_the_ranking(hash_retriever) -> None:
    # Off, the fused order is that of the other three signals alone.
    r = hash_retriever
    question = "Who won the presidential election?"
    vectors, tokens = r.encode_questions([question])
    with_late = [s.passage.id for s in r.rank(question, vectors[0], tokens=tokens[0])]
    without = [s.passage.id for s in r.rank(question, vectors[0])]
    assert with_late != without


@pytest.mark.parametrize(
    ("held", "apart", "asked", "subjects"),
    [
        # "… per the RFE/RL blog?" names the outlet, which its passages never write. Tugel
        # appears in RFE/RL's articles (and CABAR's), never in The Diplomat's; nor is the
        # outlet a subject the answer must stand beside.
        (
            "What did Tugel say, according to RFE/RL?",
            "What did Tugel say, according to The Diplomat?",
            "What did Tugel say, according to RFE/RL?",
            [frozenset({"tugel"})],
        ),
        # Its author's name, which only the article's metadata gives: Bruce Pannier wrote
        # RFE/RL's two posts, which name Tugel and never Zhovtis.
        (
            "What did Bruce Pannier write about Tugel?",
            "What did Bruce Pannier write about Zhovtis?",
            "What did Bruce Pannier write about Tugel?",
            [frozenset({"tugel"})],
        ),
        # The articles say "the June 9 election", not "the 2019 election": they were written
        # that year, that month; another year is still apart. Nor must a figure stand beside
        # the year: "Tokayev with 70.76 per cent" answers.
        (
            "Did Kossanov accept the results of the 2019 election?",
            "Did Kossanov accept the results of the 2016 election?",
            "What percentage did Tokayev get in 2019?",
            [frozenset({"tokayev"})],
        ),
        # The month too, written alone: most of the articles were published in June 2019.
        (None, None, "How many were detained in Almaty in June 2019?", [frozenset({"almati"})]),
        # But a day is a day: "May 1" must still stand beside the figure.
        (
            None,
            None,
            "How many people took part in the May 1 protests in Almaty?",
            [frozenset({"may", "may1"}), frozenset({"almati"})],
        ),
    ],
)
def test_what_a_passage_is_without_writing_it_is_held_by_it(
    hash_retriever: Retriever,
    held: str | None,
    apart: str | None,
    asked: str,
    subjects: list[frozenset[str]],
) -> None:
    """Its outlet's name, its author's and when it was published: the names check must not
    refuse a question for naming them, and the kind of answer asked for need not stand beside
    them. (Nor is the author a name the corpus lacks.)"""
    from retrieval.abstention import named_together
    from retrieval.answer_types import subject_names

    data, outlets = hash_retriever.data, hash_retriever.signals.outlets
    assert data.names.unknown(asked) == []
    if held is not None:
        assert named_together(held, data.names, data.lexical, outlets)
        assert not named_together(held, data.names, data.lexical, {})  # the text alone: apart
    if apart is not None:
        assert not named_together(apart, data.names, data.lexical, outlets)
    assert subject_names(asked, data.names, data.lexical, outlets) == subjects


@pytest.mark.parametrize(
    ("dense", "lexical", "question", "refused"),
    [
        # One word in common ("marathon") and little likeness: another subject's question.
        (0.33, 0.02, "How many miles is a marathon?", True),
        # The same likeness with two words in common is left to the other checks.
        (0.33, 0.02, "Why was the marathon banner taken away?", False),
        # A bare keyword the articles hold squarely is a question of its own.
        (0.33, 0.20, "How many miles is a marathon?", False),
        # Likeness enough: one word in common is a paraphrase's lot.
        (0.45, 0.02, "How many miles is a marathon?", False),
    ],
)
def test_one_word_in_common_needs_more_likeness(
    hash_retriever: Retriever, dense: float, lexical: float, question: str, refused: bool
) -> None:
    from retrieval.abstention import refusal
    from retrieval.records import Passage, Ranked

    text = "Four activists unfurled a banner along the route of the marathon. It was taken away."
    top = Ranked(Passage(0, "a", 0, text, sentences=(text,)), 0.9, dense, dense, lexical, text)
    data = hash_retriever.data
    why, _ = refusal(
        question, [top], mode="hybrid", min_score=0.0, names=data.names, lexical=data.lexical
    )
    assert (why is Refusal.LOW_RELEVANCE) is refused


@pytest.mark.parametrize(
    ("sentence", "question", "refused"),
    [
        # a sentence close to the question, two words in common: an answer in a passage
        # about much else
        (0.45, "Why was the marathon banner taken away?", False),
        # one word in common, however close ("the world record time for a marathon")
        (0.49, "How many miles is a marathon?", True),
        # two words in common and less likeness ("Why do YouTube videos buffer so much?",
        # 0.36 against "… videos are the reason Facebook and YouTube …"); four words in
        # common would be a sentence worded as the question (SENTENCE_WORDS)
        (0.36, "Why was the marathon banner so big?", True),
    ],
)
def test_a_passage_far_from_the_question_needs_a_close_sentence_and_two_words(
    hash_retriever: Retriever, sentence: float, question: str, refused: bool
) -> None:
    from retrieval.abstention import PASSAGE_FLOOR, refusal
    from retrieval.records import Passage, Ranked

    text = "Four activists unfurled a banner along the route of the marathon. It was taken away."
    dense = PASSAGE_FLOOR - 0.02
    top = Ranked(Passage(0, "a", 0, text, sentences=(text,)), 0.9, dense, sentence, 0.02, text)
    data = hash_retriever.data
    why, detail = refusal(
        question, [top], mode="hybrid", min_score=0.0, names=data.names, lexical=data.lexical
    )
    assert (why is Refusal.LOW_RELEVANCE and "passage cosine" in detail) is refused, detail


def test_a_question_referring_back_shares_the_words_of_what_it_refers_to(
    hash_retriever: Retriever,
) -> None:
    """ "… the activists' banner was taken away. Why was that?": the question alone shares no
    word with the passage, the text searched (the sentence it refers to, and it) several."""
    from retrieval.abstention import refusal
    from retrieval.records import Passage, Ranked

    text = "Four activists unfurled a banner along the route of the marathon. It was taken away."
    top = Ranked(Passage(0, "a", 0, text, sentences=(text,)), 0.9, 0.33, 0.33, 0.02, text)
    data = hash_retriever.data
    asked = "Why was that?"
    searched = "A friend said the activists' marathon banner was taken away. Why was that?"

    def why(searched: str | None) -> Refusal | None:
        return refusal(
            asked, [top], mode="hybrid", min_score=0.0, names=data.names,
            lexical=data.lexical, searched=searched,
        )[0]  # fmt: skip

    assert why(None) is Refusal.LOW_RELEVANCE  # one word or none in common
    assert why(searched) is None
    # The retriever passes what it searched: the question with the sentence it refers to.
    query = hash_retriever.prepare(f"Hi! {searched}")
    assert query.asking == asked and "banner" in query.text


def test_the_retriever_judges_a_question_on_what_it_searched(
    hash_retriever: Retriever, monkeypatch: pytest.MonkeyPatch
) -> None:
    import retrieval.retriever

    seen: list[tuple[str, str | None]] = []
    judge = retrieval.retriever.refusal

    def spy(question, ranked, **kwargs):
        seen.append((question, kwargs.get("searched")))
        return judge(question, ranked, **kwargs)

    monkeypatch.setattr(retrieval.retriever, "refusal", spy)
    hash_retriever.search(
        "A friend said the activists' marathon banner was taken away. Why was that?"
    )
    ((question, searched),) = seen
    assert question == "Why was that?" and searched is not None and "banner" in searched


def test_a_synonym_the_passage_holds_is_a_word_in_common(hash_retriever: Retriever) -> None:
    """ "Why did the cops take the marathon placard?" shares one word, "marathon", with a
    passage on the police and the banner; "cops" means "police" (synonyms.SAME_MEANING), so
    it shares two, and the one-word floor no longer applies."""
    from retrieval.abstention import refusal, shared_terms
    from retrieval.records import Passage, Ranked

    text = "Police took away the banner the activists unfurled along the marathon route."
    top = Ranked(Passage(0, "a", 0, text, sentences=(text,)), 0.9, 0.33, 0.33, 0.02, text)
    data = hash_retriever.data
    question = "Why did the cops take the marathon placard?"
    assert shared_terms(question, top, data.lexical) == {"marathon"}
    assert shared_terms(question, top, data.lexical, ["police"]) == {"marathon", "polic"}

    def why(synonyms: list[str]) -> Refusal | None:
        return refusal(
            question, [top], mode="hybrid", min_score=0.0, names=data.names,
            lexical=data.lexical, synonyms=lambda question: synonyms,
        )[0]  # fmt: skip

    assert why([]) is Refusal.LOW_RELEVANCE
    assert why(["police"]) is None
    assert why(["election"]) is Refusal.LOW_RELEVANCE  # a synonym the passage lacks: nothing


def test_the_model_reads_a_question_s_names_as_the_articles_spell_them(
    hash_retriever: Retriever, hash_encoder
) -> None:
    # The articles write Almaty and Toqaev/Tokayev, never Alma-Ata or Tokaev (the variants
    # list, corpus/name_variants.yaml); BM25 folds them, and the model must read them too.
    read: list[str] = []

    class Recording:
        def __getattr__(self, name: str):
            return getattr(hash_encoder, name)

        def encode_with_tokens(self, texts, batch_size: int = 32):
            read.extend(texts)
            return hash_encoder.encode_with_tokens(texts, batch_size)

    recording = Retriever(hash_retriever.data, Recording(), hash_retriever.settings)
    recording.search("What did Tokaev say in Alma-Ata about the oral promise?")
    # once for each spelling of his an article writes: no article's is the asker's
    assert sorted(re.search(r"\bTo[qk]a[y]?ev\b", t).group(0) for t in read) == [
        "Tokayev",
        "Toqaev",
    ]
    for text in read:
        assert "Alma-Ata" not in text and "Almaty" in text
        assert "oral promise" in text  # a word of the language is not the town Oral


def test_a_sentence_that_asks_is_a_passage_s_key_sentence_only_when_it_has_no_other(
    hash_retriever,
) -> None:
    """An article's own question ("Logical questions arise: will the parliamentary election
    be competitive?") answers no reader's: the passage's best sentence that tells is its key
    sentence and its sentence score. The pooled path (a large corpus) chooses alike."""
    r = hash_retriever
    passages = r.data.passages
    asking = next(p for p in passages if any(s.rstrip().endswith("?") for s in p.sentences))
    question_sentence = next(s for s in asking.sentences if s.rstrip().endswith("?"))
    qvec = r.encoder.encode([question_sentence])[0]
    every = np.arange(len(passages))
    best, at = r.signals.sentence_cosines(qvec, r.signals._every)
    i = asking.id
    assert asking.sentences[int(at[i])] != question_sentence
    start = int(r.data.sentence_offsets[i])
    raw = r.data.sentence_vectors[start : start + len(asking.sentences)] @ qvec
    tells = [k for k, s in enumerate(asking.sentences) if not s.rstrip().endswith("?")]
    assert best[i] == pytest.approx(max(raw[k] for k in tells))
    # The pooled path (a list of candidates, in any order): the same choice and scores.
    some = every[::-1][1:].copy()
    pooled_best, pooled_at = r.signals.sentence_cosines(qvec, some)
    assert np.allclose(pooled_best, best[some]) and (pooled_at == at[some]).all()


def test_a_name_asked_of_passages_is_its_own_words_and_their_family(hash_retriever) -> None:
    # "Central Election Commission": most passages say "election" and some "the central
    # square", so it is found by "commission"; "Uralsk" also in "Uralskaya Nedelya", the
    # town's paper, whose sentence names the police spokesman there.
    from retrieval.answer_types import subject_names

    data, outlets = hash_retriever.data, hash_retriever.signals.outlets
    (commission,) = subject_names("Who chairs the Central Election Commission?", data.names,
                                  data.lexical, outlets)  # fmt: skip
    assert "commiss" in commission and not {"elect", "central"} & commission  # "central square"
    (town,) = subject_names("Who is the police spokesman in Uralsk?", data.names, data.lexical,
                            outlets)  # fmt: skip
    assert {"uralsk", "uralskaya"} <= town
    # A word the corpus also writes as a common word ("the ruling party") does not say which
    # party: "Communist" does. (Nor is a family of five letters one: "parti", "particip".)
    (party,) = subject_names("Who was the Communist Party's candidate?", data.names,
                             data.lexical, outlets)  # fmt: skip
    assert "parti" in data.names.common_terms and party == {"communist"}
    assert "particip" in data.lexical.kin(frozenset({"parti"}))
    (day,) = subject_names("When was the next protest after May 9?", data.names, data.lexical,
                           outlets)  # fmt: skip
    assert "may" in data.names.common_terms and "may" in day  # a month all the same


@pytest.mark.parametrize(
    # (of one word, "Who was elected?" ranks by BM25 no more with the hash encoder's vectors:
    # its passages alike, `_held_alike`, none with the answer first among the five)
    "question",
    ["How old was Aslan Sagutdinov?", "How many were detained?", "Who was elected on June 9?"],
)
def test_a_passage_holding_the_answer_asked_for_shows_that_sentence_even_its_first(
    hash_retriever, question: str
) -> None:
    """The bold sentence of a question asking for a kind of answer (an age, a date, a
    person) is the sentence giving it, wherever it stands in the passage: a window opens at
    every sentence, so it is often the first (position 0, which once read as "none")."""
    r = hash_retriever
    text = r.prepare(question).text
    qvec, tokens = r.encode_questions([text])
    asked = r.signals.asked(text)
    assert asked is not None
    firsts = 0
    for ranked in r.rank(text, qvec[0], tokens=tokens[0]):
        at = r.signals.answer_sentence(asked, qvec[0], ranked.passage.id)
        if at is None:
            continue
        firsts += at == 0
        assert ranked.best_sentence == ranked.passage.sentences[at]
    assert firsts  # the case this is about


def test_a_key_sentence_is_the_closest_its_question_s_words_counted(hash_retriever) -> None:
    """The bold sentence of each passage of a page: cosine plus the weights of the question's
    words it holds, worked out for the page at once as one would for each sentence alone."""
    import retrieval.signals as signals_module

    r = hash_retriever
    signals = r.signals
    question = "How many policemen were injured when the protesters were detained in Almaty?"
    qvec = r.encode_questions([question])[0][0]
    weights = signals.word_weights(question)
    assert weights is not None
    lexical = r.data.lexical
    idf = {t: lexical.idf(t) for t in lexical.tokenizer(question)}
    ids = list(range(0, len(r.data.passages), 7))
    cosines = signals.distinct_cosines(qvec)
    assert cosines is not None
    scored = signals.sentence_scores(weights, cosines)
    chosen = [signals.key_of(scored, i) for i in ids]
    moved = 0
    for i, at in zip(ids, chosen, strict=True):
        passage = r.data.passages[i]
        start = int(r.data.sentence_offsets[i])
        scores = []
        for k, sentence in enumerate(passage.sentences):
            words = sum(idf[t] for t in set(idf) & set(lexical.tokenizer(sentence)))
            asks = 2.0 if signals_module._ASKING.search(sentence) else 0.0
            cosine = float(r.data.sentence_vectors[start + k] @ qvec)
            scores.append(cosine - asks + words / sum(idf.values()))
        assert at == int(np.argmax(scores)), (i, scores)
        moved += at != int(np.argmax(r.data.sentence_vectors[start : start + len(scores)] @ qvec))
    assert moved  # the words count: some sentence is not the closest by cosine
    # Without the question's words, the key sentence is the one the sentence signal chose
    # (what a candidate pool, or dense or lexical mode, shows).
    plain = [signals.key_of(signals.sentence_scores({}, cosines), i) for i in ids]
    assert plain == [int(signals.sentence_cosines(qvec, np.array([i]))[1][0]) for i in ids]


def test_a_sentence_speaking_of_someone_by_a_pronoun_holds_their_name(hash_retriever) -> None:
    """ "Among other things, it has so far called for …" speaks of Oyan Qazaqstan, named in
    the sentence before it: as the key sentence, it holds the name as its own words."""
    signals = hash_retriever.signals
    question = "What has Oyan Qazaqstan called for so far?"
    weights = signals.word_weights(question)
    texts = signals._distinct_texts
    flat = np.zeros(len(texts) + 1, dtype=np.float32)  # cosines left out: words alone
    scored = signals.sentence_scores(weights, flat)
    it = next(n for n, t in enumerate(texts) if t.startswith("Among other things, it has"))
    named = next(n for n, t in enumerate(texts) if t.startswith("Oyan Qazaqstan (Wake Up"))
    assert signals.terms("Oyan Qazaqstan") <= weights.keys()
    assert scored[it] == pytest.approx(sum(weights.values()))  # every word, the name too
    assert scored[it] > scored[named]
    # A sentence naming someone itself ("“So far, Tokayev is not a president, he is …",
    # after one naming Nurbayev) holds its own words only.
    asked = signals.word_weights("What did Nurbayev say about Tokayev?")
    own = next(n for n, t in enumerate(texts) if t.startswith("“So far, Tokayev is not"))
    held = sum(w for t, w in asked.items() if t in signals.terms(texts[own]))
    assert signals.sentence_scores(asked, flat)[own] == pytest.approx(held)


def test_a_key_sentence_ending_on_a_colon_is_shown_with_what_it_introduces() -> None:
    from retrieval.records import Passage
    from retrieval.retriever import _introduced

    sentences = (
        "Protests followed.",
        "Political analyst Dimash Alzhanov said the panic destroyed all reputational risks:",
        "“People that took part in the May 1 protests scared the authorities.",
        "Nothing else.”",
    )
    text = f"{sentences[0]} {sentences[1]}\n{sentences[2]} {sentences[3]}"
    p = Passage(0, "a", 0, text, sentences=sentences)
    assert _introduced(p, 1) == f"{sentences[1]}\n{sentences[2]}"  # as the passage writes it
    assert _introduced(p, 0) == sentences[0]  # a sentence of its own
    last = Passage(0, "a", 0, " ".join(sentences[:2]), sentences=sentences[:2])
    assert _introduced(last, 1) == sentences[1]  # nothing after it in the window


def test_a_key_sentence_opening_in_lower_case_is_shown_with_the_one_it_goes_on() -> None:
    # The page broke one sentence in two paragraphs: "… a woman voting twice after a quick
    # change of clothing," then "or pens given out at polling stations …"
    from retrieval.records import Passage
    from retrieval.retriever import _introduced

    sentences = (
        "Or this one from Nur-Sultan.",
        "Other images included a woman voting twice after a quick change of clothing,",
        "or pens given out at polling stations with ink that disappeared.",
    )
    text = f"{sentences[0]}\n{sentences[1]}\n{sentences[2]}"
    p = Passage(0, "a", 0, text, sentences=sentences)
    assert _introduced(p, 2) == f"{sentences[1]}\n{sentences[2]}"  # as the passage writes it
    assert _introduced(p, 1) == sentences[1]  # opens on a capital: its own
    # nothing before it in the window: the scrap as it is
    alone = Passage(0, "a", 0, sentences[2], sentences=sentences[2:])
    assert _introduced(alone, 0) == sentences[2]


def _judged(retriever: Retriever, question: str, text: str) -> tuple[Refusal | None, str]:
    """The refusal of `question` (and its detail) when the best passage is `text` alone,
    its sentences split at ". "."""
    from retrieval.abstention import refusal
    from retrieval.records import Passage, Ranked

    sentences = tuple(s + "." for s in text.rstrip(".").split(". "))
    top = Ranked(Passage(0, "a", 0, text, sentences=sentences), 0.9, 0.6, 0.6, 0.3, text)
    data = retriever.data
    return refusal(
        question, [top], mode="hybrid", min_score=0.0, names=data.names, lexical=data.lexical
    )


@pytest.mark.parametrize(
    ("sentence", "answered"),
    [
        # the figure asked for ("how many years"), beside "past" and "years" of the question
        ("Whatever happens will be some sort of departure from the past 28 years.", True),
        # a figure of years, but beside none of the question's other words
        ("The banker was sentenced to 15 years in absentia.", False),
        # the question's words, but no figure of what it counts
        ("Whatever happens will be some sort of departure from the past.", False),
    ],
)
def test_a_count_s_figure_beside_the_question_s_words_answers_below_the_likeness_floors(
    hash_retriever: Retriever, sentence: str, answered: bool
) -> None:
    # The model sees little likeness (cosine 0.26, its passage 0.13) in "How many years of
    # the past does the blogger say any future course will depart from?"; the figure it asks
    # for, beside its words, says the sentence answers it.
    from retrieval.abstention import refusal
    from retrieval.records import Passage, Ranked

    question = "How many years of the past does the blogger say any course will depart from?"
    top = Ranked(
        Passage(0, "a", 0, sentence, sentences=(sentence,)), 0.5, 0.13, 0.26, 0.1, sentence
    )
    data = hash_retriever.data
    why, _ = refusal(
        question, [top], mode="hybrid", min_score=0.34, names=data.names, lexical=data.lexical
    )
    assert (why is None) is answered, why
    if not answered:
        assert why is Refusal.LOW_RELEVANCE


@pytest.mark.parametrize(
    ("sentence", "answered"),
    [
        # five of the question's terms in one sentence: handover/shift aside, it is worded so
        (
            "Now that the shift of power is officially over, the people hope for the thaw,"
            " which requires the democratisation of the political system first.",
            True,
        ),
        # the same terms spread over two sentences, three in neither
        (
            "The shift of power is officially over. People hope it requires a thaw first.",
            False,
        ),
        # three of them in one sentence
        ("The shift of power is officially over, they say.", False),
    ],
)
def test_a_sentence_worded_as_the_question_answers_below_the_likeness_floors(
    hash_retriever: Retriever, sentence: str, answered: bool
) -> None:
    # The model sees a cosine of 0.30 between this question and the sentence answering it
    # (its passage 0.16); four of the question's terms or more in one sentence say it answers.
    from retrieval.abstention import refusal
    from retrieval.records import Passage, Ranked

    question = "Now that the handover of power is officially over, what do people hope for?"
    sentences = tuple(s + "." for s in sentence.rstrip(".").split(". "))
    top = Ranked(Passage(0, "a", 0, sentence, sentences=sentences), 0.5, 0.16, 0.29, 0.05, sentence)
    data = hash_retriever.data
    why, detail = refusal(
        question, [top], mode="hybrid", min_score=0.34, names=data.names, lexical=data.lexical
    )
    assert (why is None) is answered, (why, detail)
    if not answered:
        assert why is Refusal.LOW_RELEVANCE


@pytest.mark.parametrize(
    ("question", "text", "apart"),
    [
        # asked of another country, a passage that never names it
        (
            "What were the yellow vest protests in France about?",
            "Police and yellow vest-wearing journalists outnumbered the demonstrators.",
            True,
        ),
        # a passage naming it
        (
            "What was Ablyazov fighting in France?",
            "Ablyazov was released from detention in France, where he fought extradition.",
            False,
        ),
        # the country is where the asker is, not what the question asks of
        (
            "I'm a student in Germany. What did the observers say about the vote?",
            "The observers said the vote was tarnished by clear violations.",
            False,
        ),
        # the country places the person asked about; what he claims is asked of
        (
            "What does the banker sitting in France claim about his own movement?",
            "Ablyazov claims he represents the only opposition movement in the country.",
            False,
        ),
        # whose election, by its people's word, typed in lower case or not, or possessive
        ("who won the russian election", "Tokayev won the election.", True),
        (
            "who won the 2019 ukrainian presidential election?",
            "Tokayev won the presidential election in 2019.",
            True,
        ),
        (
            "How did the turnout compare with Russia's election?",
            "Nearly 80 percent of eligible voters cast ballots.",
            True,
        ),
        # a passage naming the country, or its people
        (
            "did uzbek elections also have alternative candidates?",
            "Uzbekistan has also conducted elections with alternative candidates.",
            False,
        ),
        (
            "what did the Russian government say?",
            "The Russian government said nothing about the vote.",
            False,
        ),
        # Kazakhstan's own
        ("who won the kazakh election", "Tokayev won the election.", False),
    ],
)
def test_a_question_asked_of_another_country_needs_a_passage_naming_it(
    hash_retriever: Retriever, question: str, text: str, apart: bool
) -> None:
    why, detail = _judged(hash_retriever, question, text)
    assert (why is Refusal.NAMES_APART) is apart, (why, detail)


def _kind_refuses(retriever: Retriever, questions: Sequence[str], text: str, refused: bool) -> None:
    """Each of `questions`, its best passage `text` alone (`_judged`), is refused for want of
    an answer of its kind, or answered, as `refused` says."""
    for question in questions:
        why, detail = _judged(retriever, question, text)
        assert (why is Refusal.NO_ANSWER_OF_KIND) is refused, (question, detail)


@pytest.mark.parametrize(
    ("text", "refused"),
    [
        # the events themselves, nothing said of after them
        ("Sagutdinov was detained on May 6 for holding an empty banner in Uralsk.", True),
        # what came of it later, beside his name
        ("Later on, the police said Sagutdinov was held for his statements in Uralsk.", False),
    ],
)
def test_what_became_of_someone_later_is_said_to_come_later(
    hash_retriever: Retriever, text: str, refused: bool
) -> None:
    questions = (
        "Was Sagutdinov later charged with anything?",
        "What happened to Sagutdinov later on?",
    )
    _kind_refuses(hash_retriever, questions, text, refused)


@pytest.mark.parametrize(
    ("text", "refused"),
    [
        # the party's candidates spoken of, none named beside it
        (
            "Candidate Sadibek Tugel lectured a cafe on kumis. Candidates of the Communist"
            " Party had no credibility with voters.",
            True,
        ),
        # its candidate named
        ("The Communist Party candidate, Zhambyl Akhmetbekov, came fourth.", False),
    ],
)
def test_a_name_asked_of_a_party_s_candidate_is_said_beside_it(
    hash_retriever: Retriever, text: str, refused: bool
) -> None:
    questions = (
        "What was the Communist Party candidate's name?",
        "The Communist Party also had a candidate - what was his name?",
    )
    _kind_refuses(hash_retriever, questions, text, refused)


@pytest.mark.parametrize(
    ("text", "refused"),
    [
        # a sum, but of no fine: what the banker is accused of taking
        ("Protesters were detained. Ablyazov is accused of taking several billion dollars.", True),
        # the fine's sum
        ("Protesters were detained and fined 50,000 tenge each.", False),
    ],
)
def test_a_fine_asked_for_is_a_sum_said_of_a_fine(
    hash_retriever: Retriever, text: str, refused: bool
) -> None:
    questions = (
        "How much were protesters fined for joining the rallies?",
        "How big were the fines handed to the detained protesters?",
    )
    _kind_refuses(hash_retriever, questions, text, refused)


@pytest.mark.parametrize(
    ("text", "refused"),
    [
        # The articles name Tokayev in the role and no one else: who replaced him is not said
        # (Nazarbaev is named, but fifteen words from it; Tokayev written in full is Tokayev).
        (
            "Nursultan Nazarbaev officially resigned on March 20 and threw his support behind "
            "Qasym-Zhomart Toqaev, who as speaker of the Senate immediately became interim "
            "president. Kassym-Zhomart Tokayev, ex-speaker of the Senate, was the candidate.",
            True,
        ),
        # Someone else named in it answers.
        (
            "Kassym-Zhomart Tokayev, speaker of the Senate, became interim president. "
            "Dariga Nazarbayeva was then elected speaker of the Senate.",
            False,
        ),
        # Where the articles never name Tokayev in the role, any person near him answers,
        # as for any other question asking for someone.
        ("Nursultan Nazarbaev backed Kassym-Zhomart Tokayev, a Senate veteran.", False),
    ],
)
def test_someone_who_took_over_a_role_is_named_in_it(
    hash_retriever: Retriever, text: str, refused: bool
) -> None:
    questions = (
        "Who replaced Tokayev as speaker of the Senate when he became interim president?",
        # the role named first, whom it was taken from after it
        "Who took over as speaker of the Senate after Tokayev became interim president?",
        # the clause of when first, and the role as the job he left
        "After Tokayev became interim president, who took over as speaker of the Senate?",
        "After Tokayev moved up to be president, who took over his old job running the Senate?",
    )
    _kind_refuses(hash_retriever, questions, text, refused)
    # "Who became speaker …?" asks for an office's holder: named beside the office's words,
    # as the second text does, not merely someone near Tokayev ("a Senate veteran").
    became = "Who became speaker of the Senate after Tokayev moved up?"
    _kind_refuses(hash_retriever, [became], text, refused or "veteran" in text)


@pytest.mark.parametrize(
    ("question", "text", "refused"),
    [
        # The renaming said only in passing: no reason for it
        (
            "Why was Astana renamed Nur-Sultan?",
            "Nur-Sultan, the recently renamed capital city, saw fewer demonstrations.",
            True,
        ),
        (
            "Why was Astana renamed Nur-Sultan?",
            "Astana was renamed Nur-Sultan in honour of the first president.",
            False,
        ),
        # A time is no reason: "after the inauguration" says when
        (
            "Why did Nazarbayev decide to resign?",
            "Nazarbaev resigned on March 20, after thirty years in power.",
            True,
        ),
        # The reason said of "the activist", with the act asked about and the town's paper
        (
            "Why was Aslan Sagutdinov detained in Uralsk?",
            "According to Uralskaya Nedelya, the activist was detained not because of an "
            "empty banner, but for the expression of his opinion.",
            False,
        ),
        # A word of consequence: its cause was said just before, in the same passage
        (
            "Why did Tugel come last?",
            "Tugel told bar customers to drink kumis. Perhaps unsurprisingly, Tugel finished "
            "dead last.",
            False,
        ),
        (
            "Why did Tugel come last?",
            "Tugel told bar customers to drink kumis. Surprisingly, Tugel finished dead last.",
            True,
        ),
    ],
)
def test_a_reason_asked_of_what_befell_someone_is_given(
    hash_retriever: Retriever, question: str, text: str, refused: bool
) -> None:
    _kind_refuses(hash_retriever, [question], text, refused)


@pytest.mark.parametrize(
    ("text", "refused"),
    [
        ("Vladimir Putin congratulated Tokayev on his victory.", False),
        # Someone named beside Tokayev, for something else: no congratulation said
        ("Tokayev thanked Amirzhan Kossanov after the vote. Observers criticised it.", True),
    ],
)
def test_foreign_leaders_asked_of_an_act_are_named_beside_it(
    hash_retriever: Retriever, text: str, refused: bool
) -> None:
    questions = (
        "Which foreign leaders congratulated Tokayev on his victory?",
        "Which heads of state congratulated Tokayev?",
    )
    _kind_refuses(hash_retriever, questions, text, refused)


@pytest.mark.parametrize(
    ("question", "text", "refused"),
    [
        # A punishment, but of others: the activists described are in another sentence.
        (
            "What punishment did the activists who held the marathon banner receive?",
            "Four activists unfurled a banner along the route of the marathon. "
            "Officials hinted at the charges people might face.",
            True,
        ),
        # The activists described, punished in the same sentence.
        (
            "What punishment did the activists who held the marathon banner receive?",
            "The four activists who held the marathon banner were fined.",
            False,
        ),
        # Asked yes or no: someone else detained for a banner is not one of the four.
        (
            "Were the four activists with the marathon banner jailed or fined afterwards?",
            "A young man was detained for holding an empty banner.",
            True,
        ),
        (
            "Were the four activists with the marathon banner jailed or fined afterwards?",
            "The four activists with the marathon banner were fined.",
            False,
        ),
    ],
)
def test_a_punishment_asked_of_people_described_is_said_of_them(
    hash_retriever: Retriever, question: str, text: str, refused: bool
) -> None:
    why, detail = _judged(hash_retriever, question, text)
    assert (why is Refusal.NO_ANSWER_OF_KIND) is refused, detail


def test_a_spelling_no_article_writes_is_read_as_each_article_writes_it(hash_retriever) -> None:
    r = hash_retriever
    typed = "What did Amirjan Kosanov criticize?"
    read = r._as_read(typed, r.written_names)
    # the spelling written most (the surname alone, as passages name him after the first)
    assert read == "What did Kossanov criticize?"
    others = r._article_readings(typed, read)
    assert [text for _, text in others] == ["What did Qosanov criticize?"]
    (mask, _), passages = others[0], r.data.passages
    # those read so are the passages of the article spelling him Qosanov, and only they
    qosanov = {p.article_id for p in passages if "Qosanov" in p.text}
    assert {p.article_id for p, m in zip(passages, mask, strict=True) if m} == qosanov
    assert not any("Kossanov" in p.text for p, m in zip(passages, mask, strict=True) if m)
    # A spelling an article writes says which one the asker read: no other reading.
    for written in ("What did Qosanov criticize?", "What did Kossanov criticize?"):
        assert r._article_readings(written, r._as_read(written, r.written_names)) == []


def test_one_word_asked_is_held_alike_by_every_passage_holding_it(hash_retriever) -> None:
    """BM25 of a question with one known term ("who won?") is the same for every passage
    holding it, however often it says it; of two terms, a passage holding both scores more."""
    r = hash_retriever
    (one, two), _ = r.encode_questions(["who won?", "who won the protests?"])
    s = r.signals.compute("who won?", one)
    holding = r.data.lexical.containing(frozenset({"won"}))[s.candidates]
    assert holding.sum() > 2 and not holding.all()
    assert np.ptp(s.lexical[holding]) == 0 and (s.lexical[~holding] == 0).all()
    raw = r.data.lexical.scores("who won?")[s.candidates][holding]
    assert np.ptp(raw) > 0  # BM25 itself tells them apart: by how often
    both = r.signals.compute("who won the protests?", two)
    assert np.ptp(both.lexical[holding]) > 0


def test_signals_taken_again_for_another_reading_are_those_it_gives(hash_retriever) -> None:
    r = hash_retriever
    question = "How many votes did Kossanov get?"
    (main, other), _ = r.encode_questions([question, "How many votes did Qosanov get?"])
    s = r.signals.compute(question, main)
    again = r.signals.compute(question, other)
    among = np.zeros(len(s.candidates), dtype=bool)
    among[::3] = True
    before = s.dense.copy(), s.sentence.copy(), s.answering.copy()
    r.signals.read_as(s, other, among)
    read = s.dense, s.sentence, s.answering
    given = again.dense, again.sentence, again.answering
    for now, then, theirs in zip(read, before, given, strict=True):
        assert np.allclose(now[among], theirs[among])
        assert np.array_equal(now[~among], then[~among])
    assert not np.allclose(before[0][among], again.dense[among])  # the test can tell them apart


def test_other_readings_take_late_interaction_again_on_a_shortlist_too(
    hash_retriever, monkeypatch: pytest.MonkeyPatch
) -> None:
    import retrieval.retriever as module

    r = hash_retriever
    question = "What did Amirjan Kosanov criticize?"
    whole = [h.passage_id for h in r.search(question, 5)]
    monkeypatch.setattr(module, "LATE_SHORTLIST", 40)  # late for the best 40 of 124 only
    short = [h.passage_id for h in r.search(question, 5)]
    assert short[0] == whole[0] and "osanov" in r.data.passages[short[0]].text


def test_a_shown_window_is_ranked_by_the_window_scored(hash_retriever: Retriever) -> None:
    from retrieval.retriever import _introduced

    r = hash_retriever
    for question in RANKED_QUESTIONS:
        vectors, tokens = r.encode_questions([question])
        for s in r.rank(question, vectors[0], tokens=tokens[0]):
            assert s.scored is None or (s.scored.overlaps(s.passage) and s.scored != s.passage)
            # the key sentence is one of the window's (with the one it introduces, after a
            # colon), as the window writes it
            at = next(k for k, t in enumerate(s.passage.sentences) if s.best_sentence.startswith(t))
            assert s.best_sentence == _introduced(s.passage, at)
            assert s.best_sentence in s.passage.text


def test_a_key_sentence_opening_its_window_on_a_pronoun_is_shown_after_whom_it_means(
    tmp_path: Path, corpus_copy: Path, hash_encoder
) -> None:
    from retrieval.build import build_index
    from tests.conftest import hash_settings

    def filler(part: str) -> str:
        return " ".join(
            f"Clause {n} of part {part} of the story went on at length." for n in range(6)
        )

    body = "\n\n".join(
        [filler("one"), "Qosanov criticised the internet shutdown on May 1.", filler("two")]
        + ["He readily accepted the results as announced."]
        + [filler(part) for part in ("three", "four", "five")]
    )
    (corpus_copy / "pronoun-test.md").write_text(
        "---\ntitle: A test article\noutlet: Test\npublished: 2019-06\n"
        f"url: https://example.org/a\nlanguage: en\n---\n\n{body}\n",
        encoding="utf-8",
    )
    settings = hash_settings(tmp_path / "index", corpus_copy)
    build_index(settings, hash_encoder, progress=False)
    r = Retriever.load(settings, encoder=hash_encoder, progress=False)
    opening = [
        p
        for p in r.data.passages
        if p.article_id == "pronoun-test" and p.sentences[0].startswith("He readily")
    ]
    assert opening, "no window opens on the pronoun"
    for p in opening:
        shown, at = r._framed(p, set(), frozenset())
        assert shown.sentences[at] == p.sentences[0]
        assert at > 0 and shown.start < p.start  # the sentence before it is shown too
        earlier = {w.id for w in r.signals.articles[p.article_id].passages if w.start < p.start}
        assert r._framed(p, earlier, frozenset()) == (p, 0)  # unless shown already
        # nor when a sentence the window before would drop holds a word of the question
        assert shown.end < p.end
        assert r._framed(p, set(), frozenset(r.signals.terms(p.sentences[-1]))) == (p, 0)


def test_a_window_extended_by_the_sentence_after_it_keeps_the_article_s_own_break() -> None:
    s = ["One is here.", "Two ends a paragraph.", "Three opens the next.", "Four ends it."]

    def window(i: int, start: int, end: int) -> Passage:
        text = " ".join(s[start:end]).replace("paragraph. ", "paragraph.\n")
        return Passage(i, "a", i, text, sentences=tuple(s[start:end]), start=start, end=end)

    windows = [window(0, 0, 2), window(1, 1, 3), window(2, 2, 4)]
    article = article_texts(windows)["a"]
    longer = extended(article, windows[0])
    assert longer is not None
    assert longer.text == "One is here. Two ends a paragraph.\nThree opens the next."
    assert longer.sentences == tuple(s[:3]) and (longer.start, longer.end) == (0, 3)
    assert longer.id == windows[0].id  # still the window the index holds, one sentence longer
    assert extended(article, windows[1]).text == " ".join(s[1:]).replace("h. ", "h.\n")
    assert extended(article, windows[2]) is None  # the article's end


def test_of_two_questions_one_asking_what_no_passage_gives_is_set_aside(
    hash_retriever: Retriever,
) -> None:
    # no passage speaks of the weather: the question the articles can answer is searched
    message = (
        "Can you tell me what the weather will be like in Almaty next week? And what did "
        "Tokayev promise after the election?"
    )
    assert not hash_retriever._kinds_given["weather"]
    assert hash_retriever.prepare(message).asking == (
        "And what did Tokayev promise after the election?"
    )
    # a kind the passages do give stays asked
    both = "When was the election held? And what did Tokayev promise after it?"
    assert hash_retriever.prepare(both).asking == both
    # and the search says which it set aside, for the reply to say the articles don't cover it
    found = hash_retriever.search_with_reason(message)
    assert found.set_aside == (
        "Can you tell me what the weather will be like in Almaty next week?",
    )
    assert hash_retriever.search_with_reason(both).set_aside == ()


def test_of_two_questions_one_asking_for_advice_is_set_aside(hash_retriever: Retriever) -> None:
    message = "Who won the election? Where can I buy good plov in Astana?"
    assert hash_retriever.prepare(message).asking == "Who won the election?"
    found = hash_retriever.search_with_reason(message)
    assert found.refusal is not Refusal.ADVICE
    assert found.set_aside == ("Where can I buy good plov in Astana?",)
    # alone, it is refused as advice, as before
    alone = hash_retriever.search_with_reason("Where can I buy good plov in Astana?")
    assert alone.refusal is Refusal.ADVICE and alone.set_aside == ()
    # the dense side still reads the whole message ("… detained there?" is in Almaty)
    leaning = "How do I get to Almaty? And how many were detained there?"
    q = hash_retriever.prepare(leaning)
    assert q.asking == "And how many were detained there?" and "Almaty" in q.corrected
    assert q.set_aside == ("How do I get to Almaty?",)


def test_the_outlet_a_question_names_as_its_source_lifts_its_passages(
    hash_retriever: Retriever,
) -> None:
    signals, passages = hash_retriever.signals, hash_retriever.data.passages
    outlets = [hash_retriever.data.sources[p.article_id].outlet for p in passages]
    for question, brand in [
        ("According to the CABAR analyst, why were sites blocked?", "CABAR.asia"),
        ("The Diplomat piece is gloomy. What does it say will happen?", "The Diplomat"),
        ("Why does the RFE/RL blogger doubt it?", "RFE/RL"),
        ("What does Bruce Pannier think of Ablyazov?", "RFE/RL"),
        # as readers name it (corpus/name_variants.yaml)
        ("According to Radio Liberty, who won?", "RFE/RL"),
        ("What does Radio Free Europe say of Ablyazov?", "RFE/RL"),
        # or by its blog's or column's name
        ("What does the Qishloq Ovozi post say of Ablyazov?", "RFE/RL"),
        ("According to Crossroads Asia, who won?", "The Diplomat"),
    ]:
        mask = signals.named_outlet(question)
        assert mask is not None, question
        assert {o for o, m in zip(outlets, mask, strict=True) if m} == {
            o for o in outlets if o.startswith(brand)
        }
    # a region, a word of an outlet's section, no outlet, or all of them: nothing lifted
    for question in [
        "I love Central Asia. Who won?",
        "Did the Opinion section say who won?",
        "Who won the election?",
        "Do CABAR, the Diplomat and RFE/RL agree?",
    ]:
        assert signals.named_outlet(question) is None, question
    lifted = signals.compute(
        "According to CABAR, who won?",
        hash_retriever.encoder.encode(["According to CABAR, who won?"])[0],
    )
    assert lifted.outlet is not None and set(lifted.outlet.tolist()) == {0.0, 1.0}
    # and its name is not one the articles lack
    assert hash_retriever.data.names.unknown("According to Radio Liberty, who won?") == []


def test_the_named_outlet_is_added_to_the_ranking_score_in_deviations() -> None:
    from retrieval.fusion import Scoring, fused
    from retrieval.signals import Signals

    flat = np.array([0.5, 0.5, 0.5])
    s = Signals(np.arange(3), flat, flat, np.zeros(3, int), flat)
    named = Signals(np.arange(3), flat, flat, np.zeros(3, int), flat, outlet=np.array([0, 1, 0.0]))
    w = Scoring(outlet=2.0)
    assert np.allclose(fused(named, w) - fused(s, w), [0, 2.0, 0])
    assert np.allclose(fused(named, Scoring(outlet=0.0)), fused(s, w))
