"""Pool several draws of `bench_real_music.py` (other `--seed`s): top-1 per cell over all their queries, and paired counts.

One draw holds about 100 queries per cell, so one query moves a cell by a point, and two systems
a point apart in one draw may swap places in the next. This script reads the JSON of several draws
(same protocol, other seeds: other query offsets, noise files and DB fillers) and prints, per
degradation and query length:

- song and offset top-1 of each system over the pooled queries (best guess), with the query count;
- for nafp against each other system, the paired counts over the same query files: queries only
  nafp got right (+), queries only the other got right (-), and the two-sided sign-test p-value of
  that split (the chance of a split at least this uneven if the two systems were equally good).

It writes the pooled tables as JSON and a plotly figure beside them.

    python benchmarks/pool_real_music.py OUT0/bench_real_music.json OUT1/bench_real_music.json ... [--out DIR]
"""
import argparse, json, sys
from pathlib import Path
from scipy.stats import binomtest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_real_music import DEGS, DEG_NAMES, figure, md_table, table, write_json

WHAT = ('song', 'offset')

def load(path:Path)->dict:
    "One draw's JSON, with its per-query results as `score` rows per system: {system: [{'deg','len','song','offset'}]}."
    if not path.is_file(): sys.exit(f'{path}: no such file (give the bench_real_music.json that `bench_real_music.py --out DIR` wrote)')
    r = json.loads(path.read_text())
    if 'per_query' not in r:
        sys.exit(f'{path}: no per-query results (written by an older bench_real_music.py). Run it again with the same arguments: '
                 'with the same --work, its caches keep the queries and audfprint\'s DBs and matches.')
    qs, hits = r['per_query']['queries'], r['per_query']['hits']
    r['rows'] = {s: [dict(deg=q['deg'], len=q['len'], **{w: h[w][i] == '1' for w in WHAT}) for i, q in enumerate(qs)] for s, h in hits.items()}
    return r

def pool(draws:list)->dict:
    "{'systems', 'lengths', 'n': {deg: {len: queries}}, 'top1': {what: {system: {deg: {len: %}}}}, 'paired': {what: {other: {deg: {len: [plus, minus, p]}}}}}"
    systems = [s for s in draws[0]['rows'] if all(s in d['rows'] for d in draws)]
    ours = [s for s in systems if s.startswith('nafp')]
    if len(ours) != 1: sys.exit(f'expected one nafp system in every draw, found {ours or "none"} (systems common to all draws: {systems})')
    ours = ours[0]
    rows = {s: [r for d in draws for r in d['rows'][s]] for s in systems}   # the same queries in the same order for every system
    lengths = sorted({r['len'] for r in rows[ours]})
    cell = {(d, L): [i for i, r in enumerate(rows[ours]) if r['deg'] == d and r['len'] == L] for d in DEGS for L in lengths}
    out = dict(systems=systems, ours=ours, lengths=lengths, seeds=[d['args']['seed'] for d in draws],
               n={d: {L: len(cell[d, L]) for L in lengths} for d in DEGS},
               top1={w: table(rows, w, lengths) for w in WHAT}, paired={})
    for w in WHAT:
        out['paired'][w] = {}
        for o in systems:
            if o == ours: continue
            t = {d: {} for d in DEGS}
            for (d, L), ix in cell.items():
                plus = sum(rows[ours][i][w] and not rows[o][i][w] for i in ix); minus = sum(rows[o][i][w] and not rows[ours][i][w] for i in ix)
                t[d][L] = [plus, minus, binomtest(plus, plus + minus).pvalue if plus + minus else 1.]
            out['paired'][w][o] = t
    return out

def paired_table(t:dict, lengths:list, title:str)->str:
    f = lambda c: f"+{c[0]}/-{c[1]}" + (f" (p {c[2]:.2g})" if c[0] + c[1] and c[2] < .1 else '')
    head = "| degradation | " + " | ".join(f'{L} s' for L in lengths) + " |\n|---|" + "---|"*len(lengths)
    body = [f"| {DEG_NAMES[d]} | " + " | ".join(f(t[d][L]) for L in lengths) + " |" for d in DEGS]
    return f"{title}\n\n{head}\n" + "\n".join(body)

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0], formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split('\n', 2)[2])
    p.add_argument('json', nargs='+', help='bench_real_music.json of each draw')
    p.add_argument('--out', default='pool_real_music_out', help='folder for the pooled JSON and the plotly HTML')
    a = p.parse_args()
    draws = [load(Path(f)) for f in a.json]
    seeds = [d['args']['seed'] for d in draws]
    if len(set(seeds)) < len(seeds): sys.exit(f'draws repeat a seed ({seeds}): the same queries would count twice')
    for k in ('n', 'lengths', 'checkpoint', 'per_track', 'sr'):
        v = {json.dumps(d['args'].get(k)) for d in draws}
        if len(v) > 1: print(f'warning: the draws differ in --{k} ({", ".join(sorted(v))})', file=sys.stderr)
    r = pool(draws); L = r['lengths']
    outd = Path(a.out); outd.mkdir(parents=True, exist_ok=True)
    write_json(outd/'pool_real_music.json', r)
    figure({w: r['top1'][w] for w in WHAT}, L, outd/'pool_real_music.html',
           f"Real-music identification, {len(draws)} draws pooled (seeds {', '.join(map(str, seeds))}): best guess, song and offset (|error| <= 0.5 s) top-1")
    n = r['n']
    print(f"{len(draws)} draws (seeds {', '.join(map(str, seeds))}): {sum(n[d][l] for d in DEGS for l in L)} queries scored; "
          f"per cell {min(n[d][l] for d in DEGS for l in L)}-{max(n[d][l] for d in DEGS for l in L)}\n")
    for w, name in (('song', 'Song top-1, best guess'), ('offset', 'Offset top-1 (|error| <= 0.5 s), best guess')):
        print(md_table(r['top1'][w], L, f'{name}, pooled') + '\n')
        for o, t in r['paired'][w].items():
            print(paired_table(t, L, f"{name}: queries only {r['ours']} got right (+) / only {o} got right (-); "
                                     f"sign-test p shown below 0.1") + '\n')
    print(f"wrote {outd/'pool_real_music.json'} and {outd/'pool_real_music.html'}")

if __name__ == '__main__': main()
