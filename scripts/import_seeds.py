"""Regenerate corpus/*.md from the raw seed articles and the import spec scripts/seeds.yaml.

python scripts/import_seeds.py                 # write corpus/
python scripts/import_seeds.py --check         # exit 1 if corpus/ differs from the seeds
python scripts/import_seeds.py --out /tmp/c -v # write elsewhere, list every dropped line
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a plain script from any directory

from retrieval.cleaning import clean_page, load_patterns, split_lines  # noqa: E402
from retrieval.corpus import format_article  # noqa: E402

SPEC = ROOT / "scripts" / "seeds.yaml"
SEEDS = ROOT.parent / "shared" / "seeds"
CORPUS = ROOT / "corpus"


def raw_text(seeds: Path, entry: dict) -> str:
    """The raw lines of one article: the whole file or the spec's inclusive 1-based range."""
    lines = (seeds / entry["source"]).read_text(encoding="utf-8").splitlines()
    first, last = entry.get("lines") or (1, len(lines))
    return "\n".join(lines[first - 1 : last])


def build(seeds: Path, spec_path: Path = SPEC, verbose: bool = False) -> dict[str, str]:
    """Map each corpus file name to its Markdown text."""
    spec = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    patterns = load_patterns()
    files = {}
    for entry in spec["articles"]:
        raw = raw_text(seeds, entry)
        blocks = clean_page(
            raw,
            patterns,
            title=entry["meta"]["title"],
            drop=entry.get("drop") or (),
            subheads=entry.get("subheads") or (),
        )
        missing = set(entry.get("subheads") or ()) - {b.text for b in blocks if b.subhead}
        if missing:
            raise ValueError(f"{entry['slug']}: subheads not found in the raw text: {missing}")
        if verbose:
            kept = {b.text for b in blocks}
            for line in split_lines(raw):
                if line not in kept:
                    print(f"{entry['slug']}: dropped {line[:90]!r}", file=sys.stderr)
        files[f"{entry['slug']}.md"] = format_article(entry["meta"], blocks)
    return files


def main(argv: list[str] | None = None) -> int:
    """Write (or check) the corpus files."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=Path, default=SEEDS, help="directory of the raw .txt files")
    parser.add_argument("--out", type=Path, default=CORPUS, help="corpus directory to write")
    parser.add_argument("--check", action="store_true", help="only compare with --out")
    parser.add_argument("-v", "--verbose", action="store_true", help="list dropped lines")
    args = parser.parse_args(argv)

    files = build(args.seeds, verbose=args.verbose)
    if args.check:
        stale = [n for n, text in files.items() if _read(args.out / n) != text]
        for name in stale:
            print(f"{args.out / name}: differs from the seeds", file=sys.stderr)
        return 1 if stale else 0
    args.out.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (args.out / name).write_text(text, encoding="utf-8")
        print(f"wrote {args.out / name}")
    return 0


def _read(path: Path) -> str | None:
    return path.read_text(encoding="utf-8") if path.exists() else None


if __name__ == "__main__":
    sys.exit(main())
