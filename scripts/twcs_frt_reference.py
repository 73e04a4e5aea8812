#!/usr/bin/env python3
"""Independent first-response-time computation on a twcs-layout CSV.

Two definitions, side by side (docs/metrics.md explains the difference):
1. "tree": every customer tweet that replies to nothing starts a thread; its
   first response is the earliest brand tweet anywhere below it.
2. "per customer" (Earshot's threading): a conversation belongs to one
   customer; it starts at a customer's tweet that neither replies to the same
   customer's conversation nor finds that customer with an active one; brand
   tweets join the conversation of the tweet they reply to; the first
   response is the first brand tweet in it at or after its first customer
   tweet. twcs has no resolutions, so conversations stay active.

Quantiles interpolate linearly between closest ranks (numpy's default).
Usage: python3 scripts/twcs_frt_reference.py ../shared/data/twcs/first5000.csv
"""
import csv
import sys
from datetime import datetime


def pct(values, q):
    v = sorted(values)
    pos = (len(v) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (pos - lo)


def when(row):
    return datetime.strptime(row["created_at"], "%a %b %d %H:%M:%S %z %Y").timestamp()


def main(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = {r["tweet_id"]: r for r in csv.DictReader(f)}

    children = {}
    for r in rows.values():
        if r["in_response_to_tweet_id"]:
            children.setdefault(r["in_response_to_tweet_id"], []).append(r["tweet_id"])
    roots = [r for r in rows.values() if r["inbound"] == "True" and not r["in_response_to_tweet_id"]]
    tree = []
    for root in roots:
        stack, best = list(children.get(root["tweet_id"], [])), None
        while stack:
            c = rows.get(stack.pop())
            if c is None:
                continue
            if c["inbound"] == "False":
                d = when(c) - when(root)
                best = d if best is None or d < best else best
            stack.extend(children.get(c["tweet_id"], []))
        if best is not None:
            tree.append(best)
    print(f"tree:         threads {len(roots)}, answered {len(tree)}, "
          f"median {pct(tree, 0.5):.1f} s, p90 {pct(tree, 0.9):.1f} s")

    owner, author_of, first, response, active = {}, {}, {}, {}, {}
    for r in sorted(rows.values(), key=when):
        tid, parent = r["tweet_id"], r["in_response_to_tweet_id"]
        conv = owner.get(parent) if parent else None
        if r["inbound"] == "True":
            author = r["author_id"]
            if conv is None or author_of[conv] != author:
                conv = active.get(author)
            if conv is None:
                conv = tid
                author_of[conv], first[conv], active[author] = author, when(r), conv
            owner[tid] = conv
        elif conv is not None:
            owner[tid] = conv
            if conv not in response and when(r) >= first[conv]:
                response[conv] = when(r) - first[conv]
    per = list(response.values())
    print(f"per customer: conversations {len(first)}, answered {len(per)}, "
          f"median {pct(per, 0.5):.1f} s, p90 {pct(per, 0.9):.1f} s")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/twcs/first5000.csv")
