#!/usr/bin/env python3
"""VADER-Python baseline for the nlp evaluation harness.

Reads texts as JSON lines (one JSON string per line) from --input, writes VADER's compound score
for each text (one number per line) to --output, and prints a JSON summary with the throughput of
`SentimentIntensityAnalyzer.polarity_scores` on one core to stdout.

Uses the `vaderSentiment` package; installs it with pip when it is missing (unless --no-install).
"""
import argparse
import json
import subprocess
import sys
import time


def load_vader(install: bool):
    try:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    except ImportError:
        if not install:
            raise
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "vaderSentiment"],
            check=True,
        )
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    return SentimentIntensityAnalyzer()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--input", required=True, help="JSON lines, one JSON string (the text) per line")
    ap.add_argument("--output", required=True, help="compound scores, one per line")
    ap.add_argument("--no-install", action="store_true", help="fail instead of installing vaderSentiment")
    ap.add_argument("--repeat", type=int, default=1, help="timing passes over the texts (best is reported)")
    args = ap.parse_args()

    analyzer = load_vader(not args.no_install)
    with open(args.input, encoding="utf-8") as f:
        texts = [json.loads(line) for line in f if line.strip()]

    scores = [analyzer.polarity_scores(t)["compound"] for t in texts]
    best = float("inf")
    for _ in range(max(1, args.repeat)):
        start = time.perf_counter()
        for t in texts:
            analyzer.polarity_scores(t)
        best = min(best, time.perf_counter() - start)

    with open(args.output, "w", encoding="utf-8") as f:
        for s in scores:
            f.write(f"{s}\n")
    try:
        from importlib.metadata import version

        vader_version = version("vaderSentiment")
    except Exception:  # metadata is informative only
        vader_version = "unknown"
    json.dump(
        {
            "texts": len(texts),
            "seconds": best,
            "messages_per_second": len(texts) / best if best > 0 else None,
            "vader_version": vader_version,
            "python": sys.version.split()[0],
        },
        sys.stdout,
    )
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
