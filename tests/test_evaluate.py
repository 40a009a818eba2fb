"""The evaluation report: hit@k, abstention and whether the key sentence holds the answer."""

from __future__ import annotations

from dataclasses import dataclass

from retrieval.evaluate import Question, evaluate, format_report


@dataclass
class _Hit:
    text: str
    best_sentence: str


class _Retriever:
    """Answers each question with the passages it was given for it."""

    def __init__(self, hits: dict[str, list[_Hit]]) -> None:
        self.hits = hits

    def search(self, question: str, k: int = 5, mode: str = "hybrid") -> list[_Hit]:
        return self.hits.get(question, [])[:k]


PASSAGE = "Tokayev won. He got 70 percent of the vote. Turnout was 77 percent."


def test_the_key_sentence_is_judged_only_where_the_first_passage_answers() -> None:
    questions = [
        Question(1, "exact", "What share did Tokayev get?", ("70 percent",)),
        Question(2, "exact", "What was the turnout?", ("Turnout was 77",)),
        Question(3, "para", "Who came second?", ("Kossanov",)),
        Question(4, "oos", "What is the capital of France?", ()),
    ]
    retriever = _Retriever(
        {
            "What share did Tokayev get?": [_Hit(PASSAGE, "He got 70 percent of the vote.")],
            "What was the turnout?": [_Hit(PASSAGE, "He got 70 percent of the vote.")],
            "Who came second?": [_Hit(PASSAGE, "Tokayev won."), _Hit("Kossanov, 16%", "")],
        }
    )
    report = evaluate(retriever, questions)
    assert [o.key_sentence for o in report.outcomes] == [True, False, None, None]
    assert report.key_sentences() == (1, 2)
    assert report.as_dict()["key_sentence_right"] == 1
    assert "the key sentence (in bold) holds the answer: 1/2" in format_report([report])
