"""The `election-bot` command in a subprocess, with the hash encoder and a private index."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot import answer
from tests.hermetic import clean_env

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
QUESTION = "Who won the presidential election?"
BROKEN_FRONT = (
    "---\ntitle: 'unclosed\noutlet: X\nurl: https://example.org/x\n---\n\nSome body text.\n"
)


def run_cli(
    *args: str, index_dir: Path, corpus_dir: Path = CORPUS, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = clean_env(
        index_dir.parent / "home",
        EMBEDDING_MODEL="hash",
        INDEX_DIR=str(index_dir),
        CORPUS_DIR=str(corpus_dir),
    )
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env=env,
        cwd=cwd or index_dir.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("election-bot:")]


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index built once by `election-bot index`, shared by the read-only commands."""
    index_dir = tmp_path_factory.mktemp("cli") / "index"
    out = run_cli("index", "-q", index_dir=index_dir)
    assert out.returncode == 0, out.stderr
    return index_dir


# --- index ----------------------------------------------------------------------------------


def test_index_prints_the_summary(tmp_path: Path) -> None:
    out = run_cli("index", "-q", index_dir=tmp_path / "idx")
    assert out.returncode == 0, out.stderr
    assert re.search(r"Indexed \d+ passages from 5 articles \(flat index, model hash\)", out.stdout)
    assert str(tmp_path / "idx") in out.stdout
    assert "Traceback" not in out.stderr
    assert (tmp_path / "idx" / "current").is_symlink()


# --- ask ------------------------------------------------------------------------------------


def test_ask_json(index_dir: Path) -> None:
    out = run_cli("ask", QUESTION, "--json", index_dir=index_dir)
    assert out.returncode == 0, out.stderr
    hits = json.loads(out.stdout)
    assert isinstance(hits, list) and len(hits) == 5
    for h in hits:
        assert set(h) == {"text", "score", "best_sentence", "source"}
        assert h["best_sentence"] and h["best_sentence"] in h["text"]
        assert isinstance(h["text"], str) and h["text"]
        assert isinstance(h["score"], float)
        assert set(h["source"]) == {"title", "outlet", "url", "published"}
        assert h["source"]["url"].startswith("https://")


def test_ask_json_k(index_dir: Path) -> None:
    out = run_cli("ask", QUESTION, "--json", "-k", "2", index_dir=index_dir)
    assert out.returncode == 0, out.stderr
    assert len(json.loads(out.stdout)) == 2


def test_ask_shows_the_source_url(index_dir: Path) -> None:
    first = json.loads(run_cli("ask", QUESTION, "--json", index_dir=index_dir).stdout)[0]
    out = run_cli("ask", QUESTION, index_dir=index_dir)
    assert out.returncode == 0, out.stderr
    assert first["source"]["url"] in out.stdout
    assert first["source"]["outlet"] in out.stdout


def test_ask_names_the_question_it_set_aside_and_says_when_the_articles_were_written(
    index_dir: Path,
) -> None:
    aside = "Where can I buy good plov in Astana?"
    out = run_cli("ask", f"{aside} Who won the election?", index_dir=index_dir)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[1] == f"The articles don't cover “{aside}”"
    assert "https://" in out.stdout
    now = run_cli("ask", "How many protesters are still detained now?", index_dir=index_dir)
    assert now.stdout.splitlines()[1] == answer.SINCE


def test_ask_with_nothing_relevant(index_dir: Path) -> None:
    # In English (nonsense is told, as in the chat, to ask in English), naming someone the
    # articles never do.
    out = run_cli("ask", "What did Kowalczyk say about the vote?", index_dir=index_dir)
    assert out.returncode == 0, out.stderr
    assert "don't cover" in out.stdout
    assert "https://" not in out.stdout


def test_ask_explain_says_how_the_question_was_read_and_why_it_was_refused(
    index_dir: Path,
) -> None:
    out = run_cli("ask", "--explain", "What did Kowalczyk say about the vote?", index_dir=index_dir)
    assert out.returncode == 0, out.stderr
    why = [line for line in out.stdout.splitlines() if line.startswith("why: ")]
    assert why[-1].startswith("why: refused: unknown name (Kowalczyk); the best passage's")
    # mended spelling is shown; an answer says so, with its relevance
    out = run_cli("ask", "--explain", "How many peple were detaind?", index_dir=index_dir)
    assert "why: read as “How many people were detained?”" in out.stdout
    assert "why: the kind of answer asked for: count" in out.stdout
    assert re.search(r"why: answered; the best passage's relevance \d\.\d{3}", out.stdout)
    # as searched: a greeting opening it left out, so its kind is read
    out = run_cli("ask", "--explain", "hi, who won the election?", index_dir=index_dir)
    assert "why: read as “who won the election?”" in out.stdout
    assert "why: the kind of answer asked for: winner" in out.stdout
    # with --json, stdout stays the JSON list and the explanation goes to stderr
    out = run_cli("ask", "--json", "--explain", QUESTION, index_dir=index_dir)
    assert json.loads(out.stdout) and "why: answered" in out.stderr
    # small talk is not searched: said so
    assert "no search" in run_cli("ask", "--explain", "thanks!", index_dir=index_dir).stdout


def test_ask_answers_small_talk_as_the_chat_does(index_dir: Path) -> None:
    out = run_cli("ask", "thanks!", index_dir=index_dir)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("You're welcome!") and "https://" not in out.stdout
    assert json.loads(run_cli("ask", "thanks!", "--json", index_dir=index_dir).stdout) == []


def test_ask_answers_another_language_as_the_chat_does(index_dir: Path) -> None:
    out = run_cli("ask", "Кто победил на выборах?", index_dir=index_dir)
    assert out.returncode == 0, out.stderr
    assert "only read questions in English" in out.stdout and "https://" not in out.stdout
    assert json.loads(run_cli("ask", "Кто победил?", "--json", index_dir=index_dir).stdout) == []


def test_ask_json_with_nothing_relevant_is_an_empty_list(index_dir: Path) -> None:
    out = run_cli("ask", "zzqx qwv", "--json", index_dir=index_dir)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == []


@pytest.mark.parametrize("k", ["0", "-3"])
def test_ask_k_below_one_is_a_clear_error(index_dir: Path, k: str) -> None:
    out = run_cli("ask", QUESTION, "-k", k, index_dir=index_dir)
    assert out.returncode != 0
    assert "-k must be at least 1" in out.stderr
    assert "Traceback" not in out.stderr
    assert out.stdout == ""


def test_ask_builds_a_missing_index(tmp_path: Path) -> None:
    out = run_cli("ask", QUESTION, "--json", index_dir=tmp_path / "fresh")
    assert out.returncode == 0, out.stderr
    assert len(json.loads(out.stdout)) == 5
    assert (tmp_path / "fresh" / "current").is_symlink()


# --- eval -----------------------------------------------------------------------------------


def test_eval_prints_scores_per_kind(index_dir: Path, eval_file: Path) -> None:
    out = run_cli("eval", str(eval_file), index_dir=index_dir)
    assert out.returncode == 0, out.stderr
    header = out.stdout.splitlines()[0].split()
    assert header == ["mode", "kind", "n", "hit@1", "hit@3", "hit@5", "MRR"]
    kinds = {json.loads(line)["kind"] for line in eval_file.read_text().splitlines() if line}
    for kind in (kinds - {"oos"}) | {"all"}:
        assert re.search(rf"^hybrid\s+{kind}\s+\d+(\s+[01]\.\d\d){{4}}$", out.stdout, re.M), kind
    assert "out-of-scope abstained" in out.stdout


def test_eval_compare_has_three_modes(index_dir: Path, eval_file: Path) -> None:
    out = run_cli("eval", str(eval_file), "--compare", index_dir=index_dir)
    assert out.returncode == 0, out.stderr
    for mode in ("hybrid", "dense", "lexical"):
        assert re.search(rf"^{mode}\s+all\s+\d+", out.stdout, re.M), mode


def test_eval_compare_json(index_dir: Path, eval_file: Path) -> None:
    out = run_cli("eval", str(eval_file), "--compare", "--json", index_dir=index_dir)
    assert out.returncode == 0, out.stderr
    reports = json.loads(out.stdout)
    assert [r["mode"] for r in reports] == ["hybrid", "dense", "lexical"]
    for r in reports:
        assert 0 <= r["hit@1"] <= r["hit@3"] <= r["hit@5"] <= 1
        assert 0 <= r["mrr"] <= 1


def test_eval_of_a_small_file(index_dir: Path, tmp_path: Path) -> None:
    # A file of our own, so the scores are known: the question quotes its answer.
    questions = tmp_path / "q.jsonl"
    rows = [
        {
            "id": 1,
            "kind": "exact",
            "question": "Qasym-Zhomart Toqaev won the election. Everyone knew he would.",
            "evidence": ["Qasym-Zhomart Toqaev won the election"],
        },
        {"id": 2, "kind": "oos", "question": "zzqx qwv", "evidence": []},
    ]
    questions.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    out = run_cli("eval", str(questions), "--json", index_dir=index_dir)
    assert out.returncode == 0, out.stderr
    (report,) = json.loads(out.stdout)
    assert report["hit@1"] == 1.0 and report["mrr"] == 1.0
    assert report["oos_abstained"] == 1 and report["oos_total"] == 1
    assert report["per_kind"]["exact"]["n"] == 1


@pytest.mark.parametrize(
    "content",
    [
        '{"id": 1, "kind": "exact", "question": "Who won?", "evidence": ["x"]}\nnot json at all\n',
        '{"id": 1, "kind": "exact", "question": "Who won?", "evidence": ["x"]}\n{"id": 2}\n',
    ],
    ids=["not-json", "missing-fields"],
)
def test_eval_of_a_malformed_file(index_dir: Path, tmp_path: Path, content: str) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(content)
    out = run_cli("eval", str(bad), index_dir=index_dir)
    assert out.returncode != 0
    assert "Traceback" not in out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert "bad.jsonl" in lines[0] and "line 2" in lines[0]


def test_eval_of_a_missing_file(index_dir: Path, tmp_path: Path) -> None:
    out = run_cli("eval", str(tmp_path / "nope.jsonl"), index_dir=index_dir)
    assert out.returncode != 0
    assert "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1 and "nope.jsonl" in out.stderr


# --- a broken corpus ------------------------------------------------------------------------


@pytest.mark.parametrize("command", [["index", "-q"], ["ask", QUESTION]])
def test_broken_corpus_without_index(tmp_path: Path, corpus_copy: Path, command) -> None:
    (corpus_copy / "zz-broken.md").write_text(BROKEN_FRONT, encoding="utf-8")
    out = run_cli(*command, index_dir=tmp_path / "idx", corpus_dir=corpus_copy)
    assert out.returncode != 0
    assert "Traceback" not in out.stderr
    errors = _error_lines(out.stderr)
    assert len(errors) == 1, out.stderr
    assert "zz-broken.md" in errors[0]
    assert "\n" not in errors[0]
    assert out.stdout == ""


def test_broken_corpus_with_an_index_still_answers(tmp_path: Path, corpus_copy: Path) -> None:
    index_dir = tmp_path / "idx"
    assert run_cli("index", "-q", index_dir=index_dir, corpus_dir=corpus_copy).returncode == 0
    (corpus_copy / "zz-broken.md").write_text(BROKEN_FRONT, encoding="utf-8")
    out = run_cli("ask", QUESTION, "--json", index_dir=index_dir, corpus_dir=corpus_copy)
    assert out.returncode == 0, out.stderr
    assert len(json.loads(out.stdout)) == 5
    assert "warning:" in out.stderr and "zz-broken.md" in out.stderr


def test_ask_with_an_empty_question_says_how_to_ask(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "ask", "   "],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
        env=clean_env(tmp_path / "home", EMBEDDING_MODEL="hash", INDEX_DIR=str(tmp_path / "index")),
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.startswith("election-bot: ask needs a question")
    assert "Traceback" not in result.stderr


# --- add and sources ---------------------------------------------------------------------------

PAGES = ROOT / "tests" / "data" / "pages"


def _files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in directory.iterdir()}


def test_add_writes_the_article_says_what_it_found_and_what_next(
    tmp_path: Path, corpus_copy: Path
) -> None:
    page = PAGES / "nomad-wire-turnout.html"
    out = run_cli("add", str(page), index_dir=tmp_path / "idx", corpus_dir=corpus_copy)
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""
    lines = out.stdout.splitlines()
    assert lines[0] == f"Extracted from {page}:"
    assert "  title:     Turnout figures questioned after Kazakhstan's early election" in lines
    assert "  published: 2019-06-12" in lines
    assert "  outlet:    nomadwire.example" in lines
    assert "  words:     174 in 8 paragraphs, 1 subhead" in lines
    assert any(line.startswith("  first:     Official figures put turnout") for line in lines)
    assert any(line.startswith("  note: outlet: the site's domain") for line in lines)
    written = corpus_copy / "turnout-figures-questioned-after-kazakhstans-early-election.md"
    assert f"Wrote {written}" in lines
    assert lines[-1].startswith("Next: election-bot index")
    assert written.is_file()
    assert not (tmp_path / "idx").exists()  # no index, no model: only the corpus


@pytest.mark.parametrize(
    ("args", "why"),
    [
        (["login.html"], "no article text found in the page"),
        (["digest-republished-hectic-times.html"], "already in the corpus: rferl-hectic-times.md"),
        (["eurasia-notes-kossanov.html"], "give it with --url"),
        (["steppe-herald-observers.html", "--published", "11 June 2019"], "published: must be"),
        (["missing.html"], "cannot read"),
        # .invalid never resolves (RFC 2606): the same with or without a network.
        (["https://news.invalid/kazakhstan/vote.html"], "cannot fetch https://news.invalid/"),
    ],
)
def test_add_refuses_in_one_line_and_writes_nothing(
    tmp_path: Path, corpus_copy: Path, args: list[str], why: str
) -> None:
    before = _files(corpus_copy)
    page = args[0] if args[0].startswith("https:") else str(PAGES / args[0])
    out = run_cli("add", page, *args[1:], index_dir=tmp_path / "idx", corpus_dir=corpus_copy)
    assert out.returncode == 1
    assert out.stdout == ""
    assert len(out.stderr.splitlines()) == 1, out.stderr
    assert out.stderr.startswith("election-bot: ") and why in out.stderr
    assert _files(corpus_copy) == before


def test_add_refuses_the_corpus_shipped_inside_the_package(tmp_path: Path) -> None:
    """An installed package reads its corpus from site-packages: an article added there would
    be lost at the next upgrade, so `add` says where to put a corpus of one's own."""
    from retrieval.config import PACKAGED_CORPUS

    page = str(PAGES / "steppe-herald-observers.html")
    out = run_cli("add", page, index_dir=tmp_path / "idx", corpus_dir=PACKAGED_CORPUS)
    assert out.returncode == 1 and out.stdout == ""
    assert len(out.stderr.splitlines()) == 1, out.stderr
    assert "set CORPUS_DIR" in out.stderr and "replaced on every upgrade" in out.stderr
    assert not PACKAGED_CORPUS.exists() or not any(PACKAGED_CORPUS.glob("*observers*"))


def test_add_options_override_and_sources_lists_newest_first(
    tmp_path: Path, corpus_copy: Path
) -> None:
    url = "https://eurasia-notes.example/2019/06/quiet-campaign.html"
    out = run_cli(
        "add", str(PAGES / "eurasia-notes-kossanov.html"),
        "--url", url, "--outlet", "Eurasia Notes", "--published", "2019-06-14",
        "--title", "Kossanov's quiet campaign", "--author", "A. Blogger",
        index_dir=tmp_path / "idx", corpus_dir=tmp_path / "elsewhere",
        cwd=tmp_path,
    )  # fmt: skip
    assert out.returncode == 1 and "corpus directory not found" in out.stderr  # CORPUS_DIR
    # --corpus-dir wins over CORPUS_DIR.
    out = run_cli(
        "add", str(PAGES / "eurasia-notes-kossanov.html"), "--corpus-dir", str(corpus_copy),
        "--url", url, "--outlet", "Eurasia Notes", "--published", "2019-06-14",
        "--title", "Kossanov's quiet campaign", "--author", "A. Blogger",
        index_dir=tmp_path / "idx", corpus_dir=tmp_path / "elsewhere",
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "note:" not in out.stdout  # every missing value was given
    text = (corpus_copy / "kossanovs-quiet-campaign.md").read_text("utf-8")
    assert text.startswith(
        "---\ntitle: Kossanov's quiet campaign\noutlet: Eurasia Notes\nauthor: A. Blogger\n"
        f"published: '2019-06-14'\nurl: {url}\nlanguage: en\n---\n\n"
        "Amirzhan Kossanov entered the race"
    )
    out = run_cli("add", str(PAGES / "steppe-herald-observers.html"), index_dir=tmp_path / "idx",
                  corpus_dir=corpus_copy)  # fmt: skip
    assert out.returncode == 0, out.stderr

    out = run_cli("sources", index_dir=tmp_path / "idx", corpus_dir=corpus_copy)
    assert out.returncode == 0, out.stderr
    listed = [line for line in out.stdout.splitlines() if line[:1].isdigit()]
    assert len(listed) == 7
    assert listed[0] == "1. Eurasia Notes — Kossanov's quiet campaign, 14 June 2019"
    assert (
        listed[1] == "2. The Steppe Herald — Observers Count the Cost of a Snap Vote, 11 June 2019"
    )
    assert listed[-1].startswith("7. CABAR.asia (Central Asian Bureau") and "May 2019" in listed[-1]
    assert f"   {url}" in out.stdout.splitlines()
    assert not (tmp_path / "idx").exists()


# --- conventions ----------------------------------------------------------------------------


def _run(*argv: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *argv], cwd=tmp_path, capture_output=True, text=True, timeout=60,
        env=clean_env(tmp_path / "home"),
    )  # fmt: skip


def test_version_is_the_package_s(tmp_path: Path) -> None:
    from importlib.metadata import version

    out = _run("-m", "bot.cli", "--version", tmp_path=tmp_path)
    assert out.returncode == 0 and out.stdout.strip() == f"election-bot {version('election-bot')}"


# Each command's --help names the settings that matter to it.
HELP_NAMES = {
    "index": ["CORPUS_DIR", "INDEX_DIR", "EMBEDDING_MODEL"],
    "ask": ["TOP_K", "MIN_SCORE", "--json", "best_sentence"],
    "chat": ["ANSWER_PASSAGES", "quit"],
    "serve": ["TELEGRAM_BOT_TOKEN", "WEBHOOK_URL", "WEBHOOK_SECRET", "WEBHOOK_PORT", "/healthz"],
    "run": ["TELEGRAM_BOT_TOKEN"],
    "eval": ["FILE", "--compare"],
    "health": ["DATA_DIR", "TELEGRAM_BOT_TOKEN", "--json"],
}


@pytest.mark.parametrize("command", sorted(HELP_NAMES))
def test_every_command_s_help_describes_it_and_its_settings(tmp_path: Path, command: str) -> None:
    out = _run("-m", "bot.cli", command, "--help", tmp_path=tmp_path)
    assert out.returncode == 0, out.stderr
    usage, description = out.stdout.split("\n\n")[:2]
    assert usage.startswith(f"usage: election-bot {command}") and len(description) > 40
    for name in [*HELP_NAMES[command], "--env-file", "LOG_LEVEL", "ELECTION_BOT_ENV_FILE"]:
        assert name in out.stdout, (command, name)


def test_python_m_bot_help_prints_help_and_does_not_serve(tmp_path: Path) -> None:
    out = _run("-m", "bot", "--help", tmp_path=tmp_path)
    assert out.returncode == 0 and out.stdout.startswith("usage: election-bot")
    assert "health" in out.stdout and "Bot running" not in out.stderr + out.stdout


def test_eval_without_a_file_outside_a_checkout_says_it_needs_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot import cli

    monkeypatch.setattr(cli, "DEFAULT_EVAL_FILE", None)  # as an installed package has it
    parser = cli.build_parser()
    args = parser.parse_args(["eval"])
    assert args.file is None
    assert cli.cmd_eval(args, None) == 2
    assert capsys.readouterr().err.startswith("election-bot: eval needs FILE")


def test_eval_defaults_to_the_checkout_s_development_questions() -> None:
    from bot import cli

    assert cli.build_parser().parse_args(["eval"]).file == ROOT / "tests/data/dev_questions.jsonl"
