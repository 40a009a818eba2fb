"""Every question set in tests/data, measured per set against issue 14's targets.

python scripts/sets.py                       # totals by kind, then which sets meet each target
python scripts/sets.py --dump /tmp/a.json    # also write every question's outcome
python scripts/sets.py --extra /work/set53/questions.jsonl   # add sets not yet in tests/data
python scripts/sets.py --diff /tmp/a.json /tmp/b.json        # questions whose outcome changed

Set 0 is the shared development questions, set 1 extra_questions.jsonl, set N
extra_questions_N.jsonl. Uses the index in data/ (build it with `election-bot index`).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a plain script from any directory

from retrieval.evaluate import Outcome, Report, evaluate, load_questions  # noqa: E402

DATA = ROOT / "tests" / "data"
REAL = ("para", "exact", "translit", "typo", "long", "number")


def set_files(extra: list[Path]) -> list[tuple[str, Path]]:
    """(label, path) of every set, in set order; extra files labelled by their directory."""
    numbered = {0: DATA / "dev_questions.jsonl", 1: DATA / "extra_questions.jsonl"}
    for path in DATA.glob("extra_questions_*.jsonl"):
        m = re.fullmatch(r"extra_questions_(\d+)\.jsonl", path.name)
        if m:
            numbered[int(m.group(1))] = path
    rows = [(str(n), numbered[n]) for n in sorted(numbered)]
    return rows + [(p.parent.name or p.stem, p) for p in extra]


def outcome_row(o: Outcome) -> dict:
    q = o.question
    return {
        "kind": q.kind,
        "question": q.question,
        "real": q.answerable,
        "rank": o.rank,
        "refused": o.abstained,
        "key": o.key_sentence,
    }


def hit(k: int, among: list[dict]) -> float:
    """The share of `among` answered within the first `k` passages."""
    return sum(r["rank"] is not None and r["rank"] <= k for r in among) / len(among)


def far_off(rows: list[dict]) -> list[dict]:
    """The far off-topic questions of `rows`: neither answerable nor near the topic."""
    return [r for r in rows if not r["real"] and r["kind"] != "near"]


def targets(label: str, rows: list[dict]) -> dict[str, bool | None]:
    """Issue 14's targets on one set; None where the set has no question of the kind."""
    real = [r for r in rows if r["real"]]
    typo = [r for r in real if r["kind"] == "typo"]
    near = [r for r in rows if r["kind"] == "near"]
    far = far_off(rows)
    return {
        "hit@1>=0.88": hit(1, real) >= 0.88 if real else None,
        "hit@3>=0.97": hit(3, real) >= 0.97 if real else None,
        "hit@5>=0.98": hit(5, real) >= 0.98 if real else None,
        "typo hit@5>=0.95, none refused": (
            hit(5, typo) >= 0.95 and not any(r["refused"] for r in typo) if typo else None
        ),
        "near refused>=75%": (
            sum(r["refused"] for r in near) / len(near) >= 0.75 if near else None
        ),
        "far all refused": all(r["refused"] for r in far) if far else None,
        "real refused<=1": sum(r["refused"] for r in real) <= 1 if real else None,
    }


def summary(sets: dict[str, list[dict]]) -> str:
    every = [r for rows in sets.values() for r in rows]
    real = [r for r in every if r["real"]]
    lines = [f"{len(sets)} sets, {len(real)} real questions"]

    def hits(among: list[dict]) -> str:
        at = [hit(k, among) for k in (1, 3, 5)]
        return f"n={len(among):<5} hit@1 {at[0]:.3f}  hit@3 {at[1]:.3f}  hit@5 {at[2]:.3f}"

    lines.append(f"{'all':<9}{hits(real)}")
    for kind in REAL:
        among = [r for r in real if r["kind"] == kind]
        if among:
            lines.append(f"{kind:<9}{hits(among)}")
    near = [r for r in every if r["kind"] == "near"]
    far = far_off(every)
    keyed = [r for r in real if r["key"] is not None]
    lines.append(
        f"refused: real {sum(r['refused'] for r in real)}/{len(real)}, "
        f"near {sum(r['refused'] for r in near)}/{len(near)}, "
        f"far {sum(r['refused'] for r in far)}/{len(far)}; "
        f"bold sentence holds the answer {sum(r['key'] for r in keyed)}/{len(keyed)}"
    )
    met: dict[str, list[str]] = {}
    applies: dict[str, int] = {}
    for label, rows in sets.items():
        for name, ok in targets(label, rows).items():
            applies[name] = applies.get(name, 0) + (ok is not None)
            met.setdefault(name, [])
            if ok is False:
                met[name].append(label)
    lines.append("targets (sets meeting / sets measured; the sets missing):")
    for name, missing in met.items():
        lines.append(
            f"  {name:<32} {applies[name] - len(missing):>3}/{applies[name]:<3}"
            f" missing: {' '.join(missing) or '-'}"
        )
    return "\n".join(lines)


def diff(a_path: Path, b_path: Path) -> str:
    a, b = (json.loads(p.read_text(encoding="utf-8")) for p in (a_path, b_path))
    lines = []
    for label in b:
        old = {str(r["id"]): r for r in a.get(label, [])}
        for r in b[label]:
            before = old.get(str(r["id"]))
            if before is None:
                continue
            was = (before["rank"], before["refused"])
            now = (r["rank"], r["refused"])
            if was != now:
                row = f"{label:>4} {r['id']:>5} {r['kind']:<8} {was} -> {now}"
                lines.append(f"{row}  {r['question']}")
    return "\n".join(lines) or "no outcome changed"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dump", type=Path, help="write every question's outcome here (JSON)")
    parser.add_argument("--extra", type=Path, nargs="*", default=[], help="more question files")
    parser.add_argument("--only", nargs="*", help="only these set labels")
    parser.add_argument("--diff", type=Path, nargs=2, metavar=("BEFORE", "AFTER"))
    args = parser.parse_args()
    if args.diff:
        print(diff(*args.diff))
        return

    from retrieval.retriever import Retriever

    retriever = Retriever.load(progress=False)
    started = time.perf_counter()
    sets: dict[str, list[dict]] = {}
    for label, path in set_files(args.extra):
        if args.only and label not in args.only:
            continue
        report: Report = evaluate(retriever, load_questions(path))
        sets[label] = [{"id": o.question.id, **outcome_row(o)} for o in report.outcomes]
    print(summary(sets))
    print(f"({time.perf_counter() - started:.0f} s)")
    if args.dump:
        args.dump.write_text(json.dumps(sets, ensure_ascii=False, indent=0), encoding="utf-8")


if __name__ == "__main__":
    main()
