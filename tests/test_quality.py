"""Retrieval quality with the real bundled model: the headline question and the dev questions."""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.answer import answer_reply, visible_text, visible_words
from retrieval.config import BUNDLED_MODEL, RetrievalSettings
from retrieval.corpus import load_corpus
from retrieval.evaluate import Report, answers, evaluate, load_questions
from retrieval.records import Refusal
from retrieval.retriever import Retriever
from tests.conftest import EVAL_FILE, SHARED_EVAL_FILE

pytestmark = pytest.mark.model

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
DATA = ROOT / "tests" / "data"
TOKAYEV = re.compile(r"\bTo(?:kayev|qaev|kaev|qayev)\b")


@pytest.fixture(scope="module")
def retriever(tmp_path_factory: pytest.TempPathFactory) -> Retriever:
    """The real model, default settings but a private index, built once (torch)."""
    settings = RetrievalSettings.from_values(
        index_dir=tmp_path_factory.mktemp("quality") / "index",
        corpus_dir=CORPUS,
        embedding_model=BUNDLED_MODEL,
        auto_rebuild=True,
    )
    return Retriever.load(settings, progress=False)


@pytest.fixture(scope="module")
def questions():
    return load_questions(EVAL_FILE)


def test_the_dev_questions_copy_matches_the_shared_file() -> None:
    if not SHARED_EVAL_FILE.is_file():
        pytest.skip(f"no shared eval questions at {SHARED_EVAL_FILE} to compare with")
    assert EVAL_FILE.read_bytes() == SHARED_EVAL_FILE.read_bytes()


@pytest.fixture(scope="module")
def report(retriever: Retriever, questions) -> Report:
    return evaluate(retriever, questions)


@pytest.fixture(scope="module")
def report_of(retriever: Retriever) -> Callable[[str], Report]:
    """The report on a question file of tests/data, evaluated once for all the tests reading
    it (the guard per set, the bold sentence over every set): searches are deterministic."""
    reports: dict[str, Report] = {}

    def of(name: str) -> Report:
        if name not in reports:
            reports[name] = evaluate(retriever, load_questions(DATA / name))
        return reports[name]

    return of


@pytest.mark.parametrize("name", sorted(p.name for p in DATA.glob("*questions*.jsonl")))
def test_every_evidence_is_in_a_passage_the_index_holds(retriever: Retriever, name: str) -> None:
    """A question whose evidence no passage holds can never be found: it measures nothing.
    (Set 10's 1108 quoted the teaser that opens a CABAR page and repeats, in other words,
    a later paragraph: the corpus keeps the paragraph, and the evidence now quotes it too.)"""
    texts = [p.text for p in retriever.data.passages]
    lost = [
        q.question
        for q in load_questions(DATA / name)
        if q.evidence and not any(answers(t, q.evidence) for t in texts)
    ]
    assert lost == []


def test_the_readme_s_python_example_says_what_the_retriever_does(retriever: Retriever) -> None:
    """The README's `>>>` lines, run on the real model (the index built here, not the
    settings' `Retriever.load()`): its example went stale once unnoticed."""
    import doctest

    block = (ROOT / "README.md").read_text(encoding="utf-8").split("```python\n", 1)[1]
    example = block.split("```", 1)[0].replace(">>> r = Retriever.load()", ">>> r = retriever")
    test = doctest.DocTestParser().get_doctest(example, {"retriever": retriever}, "README", None, 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    out: list[str] = []
    runner.run(test, out=out.append)
    assert runner.failures == 0 and len(test.examples) >= 5, "".join(out)


@pytest.mark.parametrize(
    "question",
    [
        "Who won the presidential election?",
        # the date says which election; the sentence naming the winner need not repeat it
        "Who won the June 9 presidential election?",
    ],
)
def test_who_won_names_tokayev_with_an_article_source(retriever: Retriever, question) -> None:
    hits = retriever.search(question)
    assert hits
    first = hits[0]
    assert TOKAYEV.search(first.best_sentence) and " won" in first.best_sentence, first.text
    urls = {a.source.url for a in load_corpus(CORPUS)}
    assert first.source.url in urls and first.source.url.startswith("https://")


def test_dev_questions_hit_at_5(report: Report) -> None:
    # Issue 4's guard: CI fails when hit@5 drops below 0.95 (measured 1.00).
    assert report.hit_at(5) >= 0.95, [o.question.question for o in report.misses(5)]


def test_out_of_scope_questions_abstain(report: Report) -> None:
    assert report.oos, "the dev set should hold out-of-scope questions"
    answered = [o.question.question for o in report.oos if not o.abstained]
    assert answered == []


def in_scope_abstentions(report: Report) -> list[str]:
    return [o.question.question for o in report.in_scope() if o.abstained]


def test_in_scope_questions_never_abstain(report: Report) -> None:
    assert in_scope_abstentions(report) == []


@pytest.mark.parametrize("name", ["extra_questions.jsonl", "extra_questions_2.jsonl"])
def test_extra_in_scope_questions_never_abstain(report_of, name: str) -> None:
    """The abstention rules, on questions written apart from the system (tests/data/README.md)."""
    assert in_scope_abstentions(report_of(name)) == []


def test_onnx_query_encoder_ranks_like_torch(retriever: Retriever, questions) -> None:
    """The build leaves an ONNX query encoder; it ranks the dev questions exactly as torch."""
    from retrieval.encoders.onnx_encoder import OnnxEncoder
    from retrieval.encoders.torch_encoder import TorchEncoder

    assert isinstance(retriever.encoder, OnnxEncoder)  # exported by the automatic build
    torch_retriever = Retriever(retriever.data, TorchEncoder(BUNDLED_MODEL), retriever.settings)
    texts = [q.question for q in questions]
    onnx_ranks = [[h.passage_id for h in hits] for hits in retriever.search_many(texts)]
    torch_ranks = [[h.passage_id for h in hits] for hits in torch_retriever.search_many(texts)]
    disagree = [t for t, a, b in zip(texts, onnx_ranks, torch_ranks, strict=True) if a != b]
    assert disagree == []


@pytest.mark.parametrize("name", ["extra_questions_3.jsonl", "extra_questions_4.jsonl"])
def test_sets_of_every_kind_hold_their_floors(report_of, name: str) -> None:
    """Issue 14's guard on the two sets of eight kinds (typo, long, number, near-topic, ...):
    measured hit@5 0.97 on both, typo hit@5 1.00, every far off-topic question refused, at
    most one in-scope question refused."""
    report = report_of(name)
    assert report.hit_at(5) >= 0.95, [o.question.question for o in report.misses(5)]
    assert report.hit_at(5, "typo") >= 0.95, [o.question.question for o in report.misses(5)]
    assert report.false_abstentions <= 1, in_scope_abstentions(report)
    far = [o.question.question for o in report.oos if o.question.kind == "oos" and not o.abstained]
    assert far == []


@pytest.mark.parametrize(
    ("name", "hit_at_5", "refused", "far_answered"),
    [
        ("extra_questions_5.jsonl", 0.95, 1, 1),
        ("extra_questions_6.jsonl", 0.95, 1, 1),
        ("extra_questions_7.jsonl", 0.95, 1, 1),
        ("extra_questions_8.jsonl", 0.92, 2, 2),
        ("extra_questions_9.jsonl", 0.95, 1, 1),
        ("extra_questions_10.jsonl", 0.95, 1, 0),
        ("extra_questions_11.jsonl", 0.93, 3, 1),
        ("extra_questions_12.jsonl", 0.92, 1, 0),
        ("extra_questions_13.jsonl", 0.96, 1, 0),
        ("extra_questions_14.jsonl", 0.95, 1, 0),
        ("extra_questions_15.jsonl", 0.95, 2, 1),
        ("extra_questions_16.jsonl", 0.88, 1, 2),
        ("extra_questions_17.jsonl", 0.95, 1, 2),
        ("extra_questions_18.jsonl", 0.98, 1, 3),
        ("extra_questions_19.jsonl", 0.96, 2, 0),
        ("extra_questions_20.jsonl", 0.96, 1, 1),
        ("extra_questions_21.jsonl", 0.96, 1, 1),
        ("extra_questions_22.jsonl", 0.95, 1, 0),
        ("extra_questions_23.jsonl", 0.96, 1, 1),
        ("extra_questions_24.jsonl", 0.96, 1, 1),
        ("extra_questions_25.jsonl", 0.96, 1, 1),
        ("extra_questions_26.jsonl", 0.96, 1, 1),
        ("extra_questions_27.jsonl", 0.96, 1, 1),
        ("extra_questions_28.jsonl", 0.96, 1, 1),
        ("extra_questions_29.jsonl", 0.95, 1, 1),
        ("extra_questions_30.jsonl", 0.95, 1, 1),
        ("extra_questions_31.jsonl", 0.96, 1, 1),
        ("extra_questions_32.jsonl", 0.95, 1, 1),
        ("extra_questions_33.jsonl", 0.97, 1, 1),
        ("extra_questions_34.jsonl", 0.96, 1, 1),
        ("extra_questions_35.jsonl", 0.97, 1, 1),
        ("extra_questions_36.jsonl", 0.92, 1, 3),
        ("extra_questions_37.jsonl", 0.97, 1, 1),
        ("extra_questions_38.jsonl", 0.97, 1, 1),
        ("extra_questions_39.jsonl", 0.95, 2, 1),
        ("extra_questions_40.jsonl", 0.91, 1, 1),
        ("extra_questions_41.jsonl", 0.95, 1, 1),
        ("extra_questions_42.jsonl", 0.95, 1, 1),
        ("extra_questions_43.jsonl", 0.97, 1, 1),
        ("extra_questions_44.jsonl", 0.92, 2, 1),
        ("extra_questions_45.jsonl", 0.96, 1, 1),
        ("extra_questions_46.jsonl", 0.95, 1, 1),
        ("extra_questions_47.jsonl", 0.96, 1, 1),
        ("extra_questions_48.jsonl", 0.96, 1, 1),
        ("extra_questions_49.jsonl", 0.96, 1, 1),
        ("extra_questions_50.jsonl", 0.98, 1, 1),
        ("extra_questions_51.jsonl", 0.98, 1, 1),
        ("extra_questions_52.jsonl", 0.96, 1, 1),
        ("extra_questions_53.jsonl", 0.96, 1, 1),
        ("extra_questions_54.jsonl", 0.96, 1, 1),
        ("extra_questions_55.jsonl", 0.96, 1, 4),
        ("extra_questions_56.jsonl", 0.96, 1, 1),
        ("extra_questions_57.jsonl", 0.96, 1, 1),
        ("extra_questions_58.jsonl", 0.96, 1, 1),
        ("extra_questions_59.jsonl", 0.96, 1, 1),
        ("extra_questions_60.jsonl", 0.96, 1, 1),
        ("extra_questions_61.jsonl", 0.96, 1, 1),
        ("extra_questions_62.jsonl", 0.96, 1, 1),
        ("extra_questions_63.jsonl", 0.96, 1, 1),
        ("extra_questions_64.jsonl", 0.95, 1, 1),
        ("extra_questions_65.jsonl", 0.96, 1, 1),
        ("extra_questions_66.jsonl", 0.96, 1, 2),
        ("extra_questions_67.jsonl", 0.95, 1, 1),
        ("extra_questions_68.jsonl", 0.96, 1, 1),
        ("extra_questions_69.jsonl", 0.95, 2, 1),
        ("extra_questions_70.jsonl", 0.96, 1, 1),
        ("extra_questions_71.jsonl", 0.96, 1, 1),
        ("extra_questions_72.jsonl", 0.95, 1, 1),
        ("extra_questions_73.jsonl", 0.9, 4, 1),
        ("extra_questions_74.jsonl", 0.95, 1, 1),
        ("extra_questions_75.jsonl", 0.96, 1, 1),
        ("extra_questions_76.jsonl", 0.96, 1, 1),
        ("extra_questions_77.jsonl", 0.96, 1, 1),
        ("extra_questions_78.jsonl", 0.96, 1, 1),
        ("extra_questions_79.jsonl", 0.96, 1, 1),
        ("extra_questions_80.jsonl", 0.96, 1, 1),
        ("extra_questions_81.jsonl", 0.96, 1, 1),
        ("extra_questions_82.jsonl", 0.96, 1, 1),
        ("extra_questions_83.jsonl", 0.95, 1, 1),
        ("extra_questions_84.jsonl", 0.93, 1, 1),
        ("extra_questions_85.jsonl", 0.96, 1, 1),
        ("extra_questions_86.jsonl", 0.96, 1, 1),
        ("extra_questions_87.jsonl", 0.89, 3, 1),
        ("extra_questions_88.jsonl", 0.96, 1, 1),
        ("extra_questions_89.jsonl", 0.96, 1, 1),
        ("extra_questions_90.jsonl", 0.96, 1, 1),
        ("extra_questions_91.jsonl", 0.96, 1, 1),
        ("extra_questions_92.jsonl", 0.96, 1, 1),
        ("extra_questions_93.jsonl", 0.96, 1, 1),
        ("extra_questions_94.jsonl", 0.95, 2, 1),
        ("extra_questions_95.jsonl", 0.96, 1, 1),
        ("extra_questions_96.jsonl", 0.96, 2, 1),
        ("extra_questions_97.jsonl", 0.96, 1, 1),
        ("extra_questions_98.jsonl", 0.96, 1, 1),
        ("extra_questions_99.jsonl", 0.96, 1, 1),
        ("extra_questions_100.jsonl", 0.96, 1, 1),
        ("extra_questions_101.jsonl", 0.95, 1, 1),
        ("extra_questions_102.jsonl", 0.96, 1, 1),
        ("extra_questions_103.jsonl", 0.96, 1, 1),
        ("extra_questions_104.jsonl", 0.96, 1, 1),
        ("extra_questions_105.jsonl", 0.96, 1, 1),
        ("extra_questions_106.jsonl", 0.96, 1, 1),
        ("extra_questions_107.jsonl", 0.96, 1, 1),
        ("extra_questions_108.jsonl", 0.95, 1, 1),
        ("extra_questions_109.jsonl", 0.96, 1, 1),
        ("extra_questions_110.jsonl", 0.93, 1, 1),
        ("extra_questions_111.jsonl", 0.96, 1, 1),
        ("extra_questions_112.jsonl", 0.95, 1, 1),
        ("extra_questions_113.jsonl", 0.96, 1, 1),
        ("extra_questions_114.jsonl", 0.96, 1, 1),
        ("extra_questions_115.jsonl", 0.96, 1, 1),
        ("extra_questions_116.jsonl", 0.96, 1, 1),
        ("extra_questions_117.jsonl", 0.96, 1, 1),
        ("extra_questions_118.jsonl", 0.96, 1, 1),
        ("extra_questions_119.jsonl", 0.96, 1, 1),
        ("extra_questions_120.jsonl", 0.96, 1, 1),
        ("extra_questions_121.jsonl", 0.93, 2, 1),
        ("extra_questions_122.jsonl", 0.96, 1, 1),
        ("extra_questions_123.jsonl", 0.95, 1, 1),
        ("extra_questions_124.jsonl", 0.96, 1, 1),
        ("extra_questions_125.jsonl", 0.92, 1, 1),
        ("extra_questions_126.jsonl", 0.96, 1, 1),
        ("extra_questions_127.jsonl", 0.96, 1, 1),
        ("extra_questions_128.jsonl", 0.96, 1, 1),
        ("extra_questions_129.jsonl", 0.92, 1, 1),
        ("extra_questions_130.jsonl", 0.93, 1, 1),
        ("extra_questions_131.jsonl", 0.95, 1, 1),
        ("extra_questions_132.jsonl", 0.96, 1, 1),
        ("extra_questions_133.jsonl", 0.96, 1, 1),
        ("extra_questions_134.jsonl", 0.95, 1, 1),
        ("extra_questions_135.jsonl", 0.98, 1, 1),
        ("extra_questions_136.jsonl", 0.95, 2, 1),
        ("extra_questions_137.jsonl", 0.95, 2, 1),
        ("extra_questions_138.jsonl", 0.98, 1, 1),
        ("extra_questions_139.jsonl", 0.93, 1, 1),
        ("extra_questions_140.jsonl", 0.96, 1, 1),
        ("extra_questions_141.jsonl", 0.93, 1, 1),
        ("extra_questions_142.jsonl", 0.95, 1, 1),
        ("extra_questions_143.jsonl", 0.96, 2, 1),
        ("extra_questions_144.jsonl", 0.98, 1, 1),
        ("extra_questions_145.jsonl", 0.95, 2, 1),
        ("extra_questions_146.jsonl", 0.96, 1, 1),
        ("extra_questions_147.jsonl", 0.93, 2, 1),
        ("extra_questions_148.jsonl", 0.98, 1, 1),
        ("extra_questions_149.jsonl", 0.96, 1, 1),
        ("extra_questions_150.jsonl", 0.96, 1, 1),
        ("extra_questions_151.jsonl", 0.95, 1, 1),
        ("extra_questions_152.jsonl", 0.81, 5, 1),
        ("extra_questions_153.jsonl", 0.96, 1, 1),
        ("extra_questions_154.jsonl", 0.96, 1, 1),
        ("extra_questions_155.jsonl", 0.98, 1, 1),
        ("extra_questions_156.jsonl", 0.95, 2, 1),
        ("extra_questions_157.jsonl", 0.96, 1, 1),
    ],
)
def test_the_newest_sets_keep_what_their_first_runs_measured(
    report_of, name: str, hit_at_5: float, refused: int, far_answered: int
) -> None:
    """Sets 5 (stop 20), 6, 7 and 8 (stop 21), 9, 10 and 11 (stop 22), 12, 13 and 14 (stop 23), 15
    and 16 (stop 24), 17, 18 and 19 (stop 25), 20, 21 and 22 (stop 26), 23 and 24 (stop 27), 25
    and 26 (stop 28), 27, 28, 29 and 30 (stop 29), 31, 32, 33, 34, 35 and 36 (stop 30 and 31),
    37 to 44 (stop 32), 45 to 48 (stop 33), 49 to 52 (stop 34), 53 to 56 (stop 35), 57 to 60
    (stop 36), 61 to 64 (stop 37), 65 to 68 (stop 38), 69 to 72 (stop 39), 73 to 80 (stop
    40), 81 to 88 (stop 41), 89 to 96 (stop 42), 97 to 104 (stop 43), 105 to 110 (stop 44),
    111 to 114 (stop 45), 115 to 120 (stop 46), 121 to 124 (stop 47), 125 to 127 (stop 48),
    128 and 129 (stop 49), 130 to 133 (stop 50), 134 to 137 (stop 51), 138 to 141 (stop 52),
    142 to 145 (stop 53), 146 to 151 (stop 54), 152 to 157 (stop 55), each written by a
    helper who saw neither code
    nor results. First runs: hit@5 0.96, 0.96, 0.96, 0.91, 0.96, 0.96, 0.94, 0.95,
    0.98, 0.97, 0.95, 0.88, 0.95, 0.98, 0.97, 0.97, 0.97, 0.95, 0.97, 0.97, 0.98, 0.98, 0.98,
    0.98, 0.94, 0.94 (29 and 30: 0.97 and 0.97 once three refusals they showed were mended),
    0.98, 0.97, 0.98, 0.98, 0.98, 0.94, 0.97, 0.98, 0.95, 0.92, 0.97, 0.97, 0.97, 0.92, 0.97,
    0.95, 0.97, 0.97, 0.98, 0.98, 0.98 and 0.97 (49: 0.97 since, its "Kasym-Jomart Tokaev …
    placeholder" out of the top five once CABAR's passages read him as CABAR spells him); real
    questions refused 1, 1, 1, 3, 2, 1, 3, 1, 0, 1, 2, 1, 0, 1, 2, 1, 0, 0, 1, 0, 0, 0, 1, 0, 1,
    1, 1, 2 (32: one since mended, names set aside), 0, 1, 0, 0, 1 (37: since mended, a relative
    clause read as asking), 0, 2, 0, 0, 1, 1, 3 (42 to 44: one or two since mended), 1, 2, 1, 1
    (46 and 48: one each since mended, two names read as one, a first name spelt otherwise), 0,
    1, 0 and 0; far questions answered 1, 1, 1, 2, 1, 0, 1, 2, 0, 0, 1, 2, 2, 3, 0, 1, 1, 0, 1,
    1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 3, 1 (37: since mended, instructions asked of anyone),
    0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 1 (45, 46 and 48: small talk, since mended), 0, 0, 0 and 0
    (sets 21, 22, 24 to 26, 28, 33, 35 to 38, 40 to 43 and 45 to 52 guarded at one refused and
    25 to 35 and 37 to 52 at one far answered, as set 13: an index built in bfloat16, as a fresh
    clone's first build is, ranks a few near ties otherwise). Sets 53 to 56, first run on stop
    34's code: hit@5 0.95, 0.97, 0.98 and 0.97; real questions refused 1, 1, 0 and 1 (since
    mended: "the Democratic Choice movement" is the Democratic Choice of Kazakhstan, Labour Day
    is May 1); far questions answered 0, 1, 4 and 0 (54's since mended: the president of
    France); guarded at 0.96, one refused and one far answered, 55 at four (a marathon record,
    France's yellow vests, a tennis player, the tenge's rate). Sets 57 to 60, first run on stop
    35's code: hit@5 0.97 each; real questions refused 1, 1, 0 and 0 (57's since mended: "vice
    minstr" read as minister); far questions answered none; guarded at 0.96, one and one.
    Sets 61 to 64, first run on stop 36's code: hit@5 0.97, 1.00, 1.00 and 0.95; real
    questions refused 0, 0, 0 and 1 (64: "How many years did the old order last?", asked of
    "the past 28 years"); far questions answered none; guarded at 0.96 (64: 0.95), one, one.
    Sets 65 to 68, first run on stop 37's code: hit@5 0.98, 0.98, 0.94 and 0.98; real questions
    refused 0, 0, 1 and 1 (68's since mended: "American-financed" read as a name); far
    questions answered 1, 4, 0 and 0 (66 was asked for far questions sharing the articles'
    words; two since mended: an amount of alcohol, a recipe of "the Kazakh way"); guarded at
    0.96 (67: 0.95), one refused, one far answered (66: two).
    Sets 69 to 72, first run on stop 38's code: hit@5 0.95, 0.97, 0.98 and 0.95; real
    questions refused 2, 2, 1 and 1 (two since mended: "in the last year" is a length of
    time; of two questions in a message, one naming London is set aside); far questions
    answered none; guarded at 0.95 (69 and 72, asked for hard paraphrases and for names typed
    every way) or 0.96, one refused (69: two), one far answered.
    Sets 73 to 76, first run on stop 39's code: hit@5 0.92, 0.95, 0.97 and 1.00; real
    questions refused 4, 0, 2 and 0 (75's since mended: a German spelling of Ablyazov, a
    why-question answered by "Perhaps unsurprisingly, …"); far questions answered 0, 0, 3
    and 0 (75's: two since mended, "Borat" read as "sort", a visa the asker needs; the
    currency's rate is still answered); guarded at 0.90 (73, asked for the hardest
    paraphrases: four refused, under the relevance floor), 0.95 (74) or 0.96, one refused,
    one far answered. Sets 77 to 80, first run midway through stop 40 (the same outcomes on
    stop 39's code): hit@5 0.98, 0.98, 1.00 and 1.00; real questions refused 1, 1, 0 and 0
    (78's since mended: the weather asked first); far questions answered none; guarded at
    0.96, one, one. Sets 81 to 84, first run on stop 40's code: hit@5 1.00, 0.98, 0.95 and
    0.92; real questions refused 0, 1, 1 and 2 (84's since mended: "I saw on Twitter that …"
    read Twitter as a name asked about); far questions answered none; guarded at 0.96, 0.96,
    0.95 (83: 0.97 since, an outlet named as the source lifting its passages) and 0.93 (84,
    asked for a curious foreigner's long messages: 0.94 since), one, one. Sets 85 to 88,
    first run midway through stop 41 (the same outcomes on stop 40's code): hit@5 0.97, 0.98,
    0.88 and 0.97; real questions refused 1, 0, 4 and 1; far questions answered 0, 0, 2 and
    0; guarded at 0.96, one, one, but set 87 (short, vague questions of someone who read only
    the headline: "Did anyone get hurt?", "will there b more protests") at 0.89, three
    refused, one far answered (0.89, 3 and 1 since: "did the osce say it was fair or nah"
    answered, "Who is the president of France?" refused; set 88's "how many cops got hurt"
    answered since). Sets 89 to 92, first run at the start of stop 42: hit@5 0.98, 0.98, 0.98
    and 1.00; real questions refused 1, 0, 1 and 0 (both since mended: two questions in one,
    "how many times more"); far questions answered 0, 0, 0 and 1 (since mended: a courtesy
    typed in Russian); guarded at 0.96, one, one. Sets 93 to 96, first run midway through
    stop 42: hit@5 0.97, 0.95, 0.98 and 0.97; real questions refused 1, 2, 1 and 2 (one each
    of 94, 95 and 96 since mended: an arrival whose day is said sentences before, a fronted
    "The candidate who came second, …" read as asking for a placing, the year of a revolt
    described by a poem); far questions answered none; guarded at 0.96, one, one, but 94
    (phone typing) at 0.95 and two refused, 96 (the people asked of by role) at two refused.
    Sets 97 to 100, first run at the start of stop 43: hit@5 1.00, 0.98, 0.98 and 0.97; real
    questions refused 0, 0, 0 and 1 (since mended: "a scant number of demonstrators" answers
    how many came); far questions answered none; guarded at 0.96, one, one. Sets 103 and
    104, first run midway through stop 43: hit@5 1.00 and 0.98; real questions refused 0 and
    1 (since mended: a date asked of a protest "expected"); far questions answered none;
    guarded at 0.96, one, one. Sets 101 and 102, written at the start of stop 43 and first run
    at its end, not read before: hit@5 0.97 and 1.00; real questions refused none; far
    questions answered none; guarded at 0.96, one, one (101 at 0.95: its 0.97 is 62 of 64,
    no question to spare for a bfloat16 build's near ties). Sets 105 and 106, first run at
    the start of stop 44: hit@5 0.95 and 1.00; real questions refused 2 and 0 (both since
    mended: a day said sentences before the figure, a revolt's year asked without "the");
    far questions answered none; guarded at 0.96, one, one. Sets 109 and 110, first run
    midway through stop 44: hit@5 0.98 and 0.94; real questions refused none; far questions
    answered none; guarded at 0.96 and 0.93 (110, opinions and predictions in everyday
    words: 0.95 since, 61 of 64), one, one. Sets 107 and 108, written at the start of stop
    44 and first run at its end, not read before: hit@5 0.98 and 0.97; real questions refused
    none; far questions answered none; guarded at 0.96 and 0.95 (108: 62 of 64), one, one.
    Sets 111 and 112, first run at the start of stop 45: hit@5 0.98 and 0.95; real questions
    refused 0 and 1 (since mended: "the number of" in a claim put to be checked read as
    asking a count); far questions answered none; guarded at 0.96 and 0.95 (112: 62 of 64
    since), one, one. Sets 113 and 114, written at the start of stop 45 and first run once
    its other changes were in, not read before: hit@5 0.95 and 0.95; real questions refused
    2 and 3 (four since mended: "which earlier day" read as asking a year, "my hometown" as
    a birth, "FB" as an unknown name, "omon" unread); far questions answered none; guarded
    at 0.96 (both 0.98 since, 63 of 64), one, one. Sets 115 and 116, first run at the start
    of stop 46: hit@5 0.97 and 0.97; real questions refused 1 and 0 (since mended: "who came
    2nd" answered by the vote shares); far questions answered none; guarded at 0.96, one,
    one. Sets 117 and 118, written at the start of stop 46 and first run once its changes
    for 115 and 116 were in, not read before: hit@5 0.97 and 1.00; real questions refused 1
    and 0; far questions answered none; guarded at 0.96, one, one. Sets 119 and 120,
    written midway through stop 46 and first run once its changes for 115 to 118 were in,
    not read before: hit@5 0.95 and 0.95; real questions refused 3 and 0 (all three since
    mended: "OMON" and "ISPs" read as unknown names, "How did the number of people … affect
    …?" as asking a count); far questions answered 1 and 0; guarded at 0.96 (1.00 and 0.97
    since), one, one. Sets 121 and 122, first run at the start of stop 47: hit@5 0.94 and
    0.95; real questions refused 2 and 1 (122's since mended: "MVD" read as an unknown
    name); far questions answered 0 and 3 (two since refused: "pogoda … zavtra", "how make
    plov"); guarded at 0.93 (121 refuses two: a cosine of 0.27 and a passage of 0.139, each
    just under its floor), two, one and 0.96, one, one. Sets 123 and 124, written midway
    through stop 47 and first run once its changes for 121 and 122 were in, not read
    before: hit@5 0.94 and 0.97; real questions refused 1 and 1; far questions answered
    none; guarded at 0.95 (0.95 since), one, one and 0.96, one, one. Set 125, first run at
    the start of stop 48: hit@5 0.94 (60 of 64: guarded at 0.92, one question's margin for a
    fresh clone's index), no real question refused, no far question answered; guarded at
    one, one. Sets 126 and 127, not read before their first runs (126 on stop 47's code and
    again once the changes for 125 were in, 127 once they were in): hit@5 0.94 and 0.95;
    real questions refused 2 and 2 (all four since mended: Russian question words typed in
    Latin letters, "how long ago" read as a length, a "track record" as a record); far
    questions answered none; guarded at 0.96 (0.98 and 0.98 since), one, one. Sets 128 and
    129, not read before their first runs at the start of stop 49 (stop 48's code): hit@5
    0.98 and 0.94 (60 of 64: guarded at 0.92, one question's margin); real questions refused
    1 and 1 (a human rights defender naming the presidents only as "the former and
    incumbent presidents"; a pub quiz's answer "Kyrgyzstan" read as the name asked of); far
    questions answered none; guarded at one, one. Sets 130 and 131, not read before their
    first runs at the start of stop 50 (stop 49's code): hit@5 0.94 and 0.97; real questions
    refused 2 and 0 (one since mended: a long message worded as its answer's sentence, the
    model's cosine 0.29); far questions answered none; guarded at 0.93 (61 of 64 since, one
    question's margin) and 0.95, one, one. Sets 132 and 133, written midway through stop 50
    and first run on its code then, not read before: hit@5 0.98 and 0.98; real questions
    refused 1 and 0 ("the exiled financier": a cosine of 0.344, one word shared); far
    questions answered none; guarded at 0.96 (one question's margin), one, one.
    Sets 134 and 135, not read before their first runs at the start of stop 51 (stop 50's
    code): hit@5 0.97 and 0.97; real questions refused 1 and 2 (both since mended: "how many
    percents", "the banker sitting in France"); far questions answered none; guarded at 0.95
    and 0.98 (62 and 64 of 64 since, one question's margin), one, one. Sets 136 and 137,
    written midway through stop 51 and first run on its code then, not read before: hit@5
    0.95 and 0.95 (0.97 and 0.97 since); real questions refused 3 and 2 (one since mended:
    "in 2016 or in 2018"); far questions answered none; guarded at 0.95, two, one.
    Sets 138 and 139, not read before their first runs at the start of stop 52 (stop 51's
    code): hit@5 0.98 and 0.94 (1.00 and 0.95 since); real questions refused 0 and 1 (since
    mended: "Who are the traditional voters of Nur Otan?"); far questions answered none;
    guarded at 0.98 and 0.93, one, one. Sets 140 and 141, written midway through stop 52 and
    first run on its code then, not read before: hit@5 0.98 and 0.95; real questions refused
    none; far questions answered 0 and 1 (since mended: "… in twenty seventeen"); guarded at
    0.96 and 0.93, one, one.
    Sets 142 and 143, not read before their first runs at the start of stop 53 (stop 52's
    code): hit@5 0.92 and 0.98 (0.97 and 0.98 since); real questions refused 3 and 1 (set
    142's three since mended: a quiz's "Q5:" read as a name); far questions answered none;
    guarded at 0.95 and 0.96, one and two, one. Sets 144 and 145, written midway through stop
    53 and first run on its code then, not read before: hit@5 0.95 and 0.91 (1.00 and 0.97
    since); real questions refused 3 and 5 (all but one since mended: a guess at the answer
    read as asked, "Radio Liberty" read as unknown); far questions answered none; guarded at
    0.98 and 0.95, one and two, one.
    Sets 146 and 147, not read before their first runs at the start of stop 54 (stop 53's
    code): hit@5 0.98 and 0.89 (0.98 and 0.95 since); real questions refused 0 and 5 (set
    147's since mended but one: "KZ" read as an unknown name, "a united opp. front" split at
    the shorthand's full stop); far questions answered none; guarded at 0.96 and 0.93, one and
    two, one. Sets 148 and 149, written midway through stop 54 and first run on its code
    then, not read before: hit@5 1.00 and 0.98; real questions refused none; far questions
    answered 0 and 1 (since mended: "the 2019 ukrainian presidential election"); guarded at
    0.98 and 0.96, one, one.
    Sets 150 and 151, written late in stop 54 and first run on its code then, not read
    before: hit@5 0.97 and 0.95 (0.98 and 0.97 since); real questions refused 1 and 1 (both
    since mended: "the exiled banker evry1 keeps mentioning", "how much support does …
    have"); far questions answered none; guarded at 0.96 and 0.95, one, one.
    Sets 152 and 153, not read before their first runs at the start of stop 55 (stop 54's
    code): hit@5 0.83 and 0.95 (0.83 and 0.98 since); real questions refused 5 and 2 (153's
    "howmany" and "Asiya Tulesova"'s movement since mended; 152's five are plain-word
    descriptions, "the guy who came second", the model reads too far from the articles');
    far questions answered none; guarded at 0.81 and 0.96, five and one, one. Sets 154 and
    155, written midway through stop 55 and first run on its code then, not read before:
    hit@5 0.97 and 0.91 (0.98 and 1.00 since); real questions refused 1 and 6 (all since
    mended: a guess said after the question read as asked, "Elbasy", "Demvybor", "Nursultan
    Abishevich", "dread"); far questions answered none; guarded at 0.96 and 0.98, one, one.
    Sets 156 and 157, written late in stop 55 and first run on its code then, not read
    before: hit@5 0.97 and 0.98; real questions refused 2 and 1; far questions answered
    none; guarded at 0.95 and 0.96, two and one, one.
    Set 16, asked to avoid the near-topic questions earlier sets repeat, has the most
    paraphrases by role ("the exiled tycoon", "the rights activist") the ranking misses. Set 8's
    first run showed the reason answer kind refusing a real question; without it, 0.93 and 2
    refused. Set 9's two refusals were then fixed (the articles' year, "rly" read as a name):
    guarded at one. Set 12's two far questions answered were small talk ("thanks!"), since
    refused by the retriever too; its hit@5 went to 0.92 with sentence token vectors for late
    interaction (two windows of one article changed places; sets 0-12 together gained at hit@1).
    Guarded at those levels (a regression guard, not the issue's targets: see
    docs/retrieval.md)."""
    report = report_of(name)
    assert report.hit_at(5) >= hit_at_5, [o.question.question for o in report.misses(5)]
    assert report.false_abstentions <= refused, in_scope_abstentions(report)
    far = [o.question.question for o in report.oos if o.question.kind == "oos" and not o.abstained]
    assert len(far) <= far_answered, far


@pytest.mark.parametrize("name", ["extra_questions_3.jsonl", "extra_questions_4.jsonl"])
def test_whether_to_answer_does_not_depend_on_how_many_passages_are_asked(
    retriever: Retriever, name: str
) -> None:
    """The bot asks for 4 passages, `ask` for 5, Python callers for any k: each question is
    refused for all of them or for none (a figure in the 5th passage once refused k=3)."""
    for q in load_questions(Path(__file__).parent / "data" / name):
        refusals = {k: retriever.search_with_reason(q.question, k).refusal for k in (1, 3, 5)}
        assert len(set(refusals.values())) == 1, (q.question, refusals)


def _glance(retriever: Retriever, question: str) -> tuple[str, int]:
    """What a reader sees of the bot's first answer without a tap, and its word count."""
    reply = answer_reply(question, retriever.search(question, 3), asked=question)
    shown = re.sub(r"<blockquote expandable>.*?</blockquote>", "", reply.html, flags=re.S)
    return visible_text(shown), visible_words(reply.html)


def test_answers_are_read_at_a_glance_and_show_the_answer(retriever: Retriever, questions) -> None:
    """Issue 13: at most 120 words seen without a tap (median), 180 at most, answer included."""
    words = [_glance(retriever, q.question)[1] for q in questions if q.answerable]
    assert statistics.median(words) <= 120 and max(words) <= 180, words
    who, _ = _glance(retriever, "Who won the presidential election?")
    assert re.search(TOKAYEV.pattern + r" won the election", who), who
    turnout, _ = _glance(retriever, "What was the turnout?")
    assert re.search(r"\d+(?:\.\d+)? per ?cent turnout|\d+ percent of eligible voters", turnout)


def test_who_is_questions_are_answered_where_the_articles_say_who(retriever: Retriever) -> None:
    """tests/data/definition_questions.jsonl: "Who is X?" of every person and body the
    articles describe, as people type it (a helper wrote it from the raw articles, stop 29),
    each answered by the words that say who X is. First run: hit@1 0.90, hit@5 1.00, the
    bold sentence right for 32 of 36; a famous name's first mention in an article may say
    nothing of who it is ("the fragile position of Tokayev"), so a sentence introducing the
    name counts as well (`questions.introduces`): 36 of 36."""
    report = evaluate(retriever, load_questions(DATA / "definition_questions.jsonl"))
    assert report.hit_at(5) == 1.0 and report.false_abstentions == 0
    right, first = report.key_sentences()
    assert right >= 0.95 * first, (right, first)
    (hit,) = retriever.search("who is tokayev", 1)
    assert "ex-speaker of the Senate" in hit.best_sentence or "Front-runner" in hit.best_sentence


def test_the_key_sentence_in_bold_holds_the_answer(report_of) -> None:
    """What a reader takes in first is the bold sentence: over sets 0-26 (stop 28), of the first
    passages that answer, its key sentence holds the answer for 1,184 of 1,390 (0.85); on
    stop 27's code 1,110: a sentence giving the kind of answer asked for went to the one
    beside the question's names, however far from the question it read, and any other was
    the closest by cosine alone, the question's words not counted."""
    right = first = 0
    for path in sorted(DATA.glob("*questions*.jsonl")):
        r, f = report_of(path.name).key_sentences()
        right, first = right + r, first + f
    assert first > 1300 and right / first >= 0.84, (right, first)


def test_what_visitors_ask_beyond_the_articles_is_mostly_refused(report_of) -> None:
    """visitor_questions.jsonl: 50 near-topic and 50 far questions of the kinds a Telegram
    user sends a bot on Kazakhstan (what happened since, what someone does now, opinions;
    travel, food, sport, trivia, tasks), written in stop 39 by a helper who saw no code. On
    stop 38's code 17 near-topic and 9 far answered; guarded at what stop 39 left (18 and 6:
    one near-topic more, "How did Kazakh citizens living abroad vote? What were the results
    at the embassy in Moscow …?" searched on its first question, Moscow's set aside)."""
    report = report_of("visitor_questions.jsonl")
    answered = [o for o in report.oos if not o.abstained]
    near = [o.question.question for o in answered if o.question.kind == "near"]
    far = [o.question.question for o in answered if o.question.kind == "oos"]
    assert len(report.oos) == 100 and len(near) <= 18 and len(far) <= 6, (near, far)


@pytest.mark.parametrize(
    "question",
    [
        "What is the capital of France?",
        "How does the US electoral college work?",
        # a sentence on live-streamed YouTube videos is close; its passage is not (0.125)
        "Why do YouTube videos buffer so much?",
    ],
)
def test_far_questions_sharing_a_word_or_two_with_the_articles_are_refused(
    retriever: Retriever, question: str
) -> None:
    assert retriever.search(question) == []


def test_an_age_is_answered_by_a_figure_however_relevant_the_passage(retriever: Retriever):
    # "Asya Tulseova was one of the people holding the banner …" scores over 1 (the relevance
    # that waives other kinds' checks, TYPED_OVERRIDE) and says nothing of her age.
    result = retriever.search_with_reason(
        "How old is Asya Tulseova, one of the founders of Oyan Qazaqstan?"
    )
    assert result.refusal is Refusal.NO_ANSWER_OF_KIND, result
    assert result.relevance >= 1.0  # refused for want of an age, not for want of relevance
    assert retriever.search("How old was Aslan Sagutdinov?")  # "24-year-old Aslan Sagutdinov"


def test_an_office_s_holder_is_named_however_relevant_the_passage(retriever: Retriever):
    # The mission's sentences score over 1 and name no one heading it; the press officer is
    # named beside his office, Sagutdinov (of the relative clause) in another sentence.
    result = retriever.search_with_reason(
        "Who was the head of the OSCE/ODIHR election observation mission to Kazakhstan?"
    )
    assert result.refusal is Refusal.NO_ANSWER_OF_KIND, result
    assert result.relevance >= 1.0
    assert retriever.search(
        "Who was the head of the press service of the police department that detained Sagutdinov?"
    )
    assert retriever.search("Who was the candidate that Nur Otan nominated?")  # refused before


@pytest.mark.parametrize("keyword", ["kumis", "May 9", "Oyan Qazaqstan", "ablyazov"])
def test_a_bare_keyword_the_articles_hold_is_answered(retriever: Retriever, keyword: str):
    assert retriever.search(keyword)


def test_the_readme_ask_json_example_is_what_the_code_answers(retriever: Retriever) -> None:
    """The README shows real output: its `ask --json` example's first hit, source and bold
    sentence are what the bundled model answers today."""
    import json

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    command = re.search(r'\$ election-bot ask "([^"]+)" -k 1 --json\n(\[.*?\n\])', readme, re.S)
    assert command, "the README's ask --json example is missing"
    shown = json.loads(command.group(2).replace(" …", ""))[0]
    hit = retriever.search(command.group(1), k=1)[0]
    assert shown["source"] == hit.source.to_dict()
    assert shown["best_sentence"] == hit.best_sentence
    assert shown["score"] == pytest.approx(hit.score, abs=0.02)
    assert hit.text.startswith(shown["text"].removesuffix("…").rstrip())


@pytest.mark.parametrize(
    ("name", "right"),
    [("followups.jsonl", 30), ("followups_2.jsonl", 25)],
)
def test_follow_ups_are_answered_with_the_question_before_them(
    retriever: Retriever, name: str, right: int
) -> None:
    """Pairs of a first question and the next message: a follow-up searched with the first as
    context has the answer first in at least `right` of them (followups.jsonl: 28 of 38 since
    stop 25; followups_2.jsonl, 28 written by a helper from the raw articles in stop 29: 23 on
    its first run, 26 after "she" after "Who filmed …?" became whom the answer named, "how
    old mostly?" and "how many on the first day" leaned back). Stop 34, 54 -> 55 of the 66:
    followups.jsonl 28 -> 30 ("did he accept the results?" after a question naming Kosanov,
    once RFE/RL's passages read him as they spell him, Qosanov; "what movement was he
    running for?" after "Who was the opposition candidate?", now read as Kossanov),
    followups_2.jsonl 26 -> 25 ("what about kosanov", asking whose candidate he was: RFE/RL's
    "an 'opposition' candidate, Amirzhan Qosanov -- …", read as RFE/RL spells him, now edges
    CABAR's answering passage). A standalone question is searched as it was typed."""
    from retrieval.evaluate import evaluate_followups, load_pairs

    outcomes = evaluate_followups(retriever, load_pairs(DATA / name))
    follow = [o for o in outcomes if o.pair.kind == "followup"]
    assert sum(o.in_context for o in follow) >= right, [
        (o.pair.followup, o.query) for o in follow if not o.in_context
    ]
    alone = [o for o in outcomes if o.pair.kind == "standalone"]
    assert all(o.query == o.pair.followup.strip() for o in alone), [o.query for o in alone]
