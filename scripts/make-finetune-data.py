#!/usr/bin/env python3
"""Writes data/instructions.jsonl: the small instruction set `glassbox finetune` uses when --data is not given.

Generated, so it is free to ship and the same on every machine (fixed seed): 420 {"prompt", "response"} pairs of six
small tasks with short, exact answers in one terse style (ISO dates, sums, sorting, unit conversion, numbers in
words, counting words). A pretrained chat model answers them verbosely or wrongly; a few dozen LoRA steps teach it
the answers and the style, so the held-out loss falls visibly and the before/after generations differ.

    python3 scripts/make-finetune-data.py [OUT]
"""
import json
import random
import sys

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
        "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
WORDS = ("river stone light garden window paper morning silver quiet music harbor forest candle winter orange "
         "bridge yellow letter summer mountain coffee island pencil thunder meadow").split()


def words(n):
    if n < 20:
        return ONES[n]
    if n < 100:
        return TENS[n // 10] + ("" if n % 10 == 0 else "-" + ONES[n % 10])
    rest = n % 100
    return ONES[n // 100] + " hundred" + ("" if rest == 0 else " and " + words(rest))


def ordinal(d):
    if 10 <= d % 100 <= 20:
        return f"{d}th"
    return f"{d}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(d % 10, 'th') }"


def date_task(r):
    y, m, d = r.randint(1950, 2049), r.randint(1, 12), r.randint(1, 28)
    forms = [f"{d} {MONTHS[m - 1]} {y}", f"{MONTHS[m - 1]} {d}, {y}", f"{m}/{d}/{y}", f"the {ordinal(d)} of {MONTHS[m - 1]} {y}",
             f"{d} {MONTHS[m - 1][:3]} {y}", f"{MONTHS[m - 1][:3]} {ordinal(d)} {y}"]
    return f"Write this date in ISO 8601 form: {r.choice(forms)}", f"{y:04d}-{m:02d}-{d:02d}"


def sum_task(r):
    a, b = r.randint(10, 499), r.randint(10, 499)
    return r.choice([f"What is {a} + {b}?", f"Add {a} and {b}.", f"Compute the sum of {a} and {b}."]), f"{a} + {b} = {a + b}"


def sort_task(r):
    xs = r.sample(range(1, 100), r.randint(4, 7))
    return f"Sort from smallest to largest: {', '.join(map(str, xs))}", ", ".join(map(str, sorted(xs)))


def unit_task(r):
    kind = r.randrange(4)
    if kind == 0:
        k = r.randint(1, 40)
        return f"How many metres are {k} kilometres?", f"{k} km = {k * 1000} m"
    if kind == 1:
        h = r.randint(1, 30)
        return f"How many minutes are {h} hours?", f"{h} h = {h * 60} min"
    if kind == 2:
        kg = r.randint(1, 60)
        return f"How many grams are {kg} kilograms?", f"{kg} kg = {kg * 1000} g"
    d = r.randint(1, 20)
    return f"How many hours are {d} days?", f"{d} days = {d * 24} h"


def words_task(r):
    n = r.randint(21, 999)
    return f"Write the number {n} in words.", words(n)


def count_task(r):
    ws = r.sample(WORDS, r.randint(3, 9))
    return f"How many words are in this sentence: \"{' '.join(ws)}\"", f"{len(ws)} words"


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "data/instructions.jsonl"
    r = random.Random(20261126)
    tasks = [date_task, sum_task, sort_task, unit_task, words_task, count_task]
    rows, seen = [], set()
    while len(rows) < 420:
        prompt, response = tasks[len(rows) % len(tasks)](r)
        if prompt in seen:
            continue
        seen.add(prompt)
        rows.append({"prompt": prompt, "response": response})
    with open(out, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{out}: {len(rows)} examples")


if __name__ == "__main__":
    main()
