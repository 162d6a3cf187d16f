"""Pool several draws of `bench_real_music.py` (other `--seed`s): top-1 per cell over all their queries, and paired counts.

One draw holds about 100 queries per cell, so one query moves a cell by a point, and two systems
a point apart in one draw may swap places in the next. This script reads the JSON of several draws
(same protocol, other seeds: other query offsets, noise files and DB fillers) and prints, per
degradation and query length:

- song and offset top-1 of each system over the pooled queries (best guess), with the query count;
- for nafp against each other system (audfprint at each density, Olaf), the paired counts over the
  same query files: queries only nafp got right (+), queries only the other got right (-), and the
  two-sided sign-test p-value of that split (the chance of a split at least this uneven if the two
  systems were equally good);
- the not-in-DB part: per query length, the share of excerpts each system accepted over all draws,
  with a 95 % Clopper-Pearson interval, beside each draw's calibration estimate.

Degradations and systems are those every draw has (draws split with `--degs` over the same seed are
joined first: give their JSON files together; a degradation found in two files of one seed counts once).
It writes the pooled tables as JSON and a plotly figure beside them.

    python benchmarks/pool_real_music.py OUT0/bench_real_music.json OUT1/bench_real_music.json ... [--out DIR]
"""
import argparse, json, sys
from pathlib import Path
from scipy.stats import binomtest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_real_music import DEGS, DEG_NAMES, clopper_pearson, figure, md_table, table, write_json

WHAT = ('song', 'offset')

def load(path:Path)->dict:
    "One run's JSON, with its per-query results as `score` rows per system: {system: [{'deg','len','song','offset'}]}."
    if not path.is_file(): sys.exit(f'{path}: no such file (give the bench_real_music.json that `bench_real_music.py --out DIR` wrote)')
    r = json.loads(path.read_text())
    if 'per_query' not in r:
        sys.exit(f'{path}: no per-query results (written by an older bench_real_music.py). Run it again with the same arguments: '
                 'with the same --work, its caches keep the queries and audfprint\'s DBs and matches.')
    qs, hits = r['per_query']['queries'], r['per_query']['hits']
    r['rows'] = {s: [dict(deg=q['deg'], len=q['len'], **{w: h[w][i] == '1' for w in WHAT}) for i, q in enumerate(qs)] for s, h in hits.items()}
    nid = r.get('not_in_db', {}).get('per_query')
    r['nid'] = None if nid is None else {s: [dict(len=q['len'], acc=a == '1') for q, a in zip(nid['queries'], acc)] for s, acc in nid['accepted'].items()}
    return r

def join_seed(runs:list)->dict:
    "Runs of one seed split by --degs, as one draw: each degradation's rows from the first run that has it (systems common to all)."
    if len(runs) == 1: return runs[0]
    systems = [s for s in runs[0]['rows'] if all(s in r['rows'] for r in runs)]
    d = dict(runs[0], rows={s: [] for s in systems}); seen = set()
    for r in runs:
        new = {q['deg'] for q in r['rows'][systems[0]]} - seen; seen |= new
        for s in systems: d['rows'][s] += [q for q in r['rows'][s] if q['deg'] in new]
    d['nid'] = next((r['nid'] for r in runs if r['nid']), None)
    return d

def pool(draws:list)->dict:
    "{'systems', 'degs', 'lengths', 'n': {deg: {len: queries}}, 'top1': {what: {system: {deg: {len: %}}}}, 'paired': {what: {other: {deg: {len: [plus, minus, p]}}}}, 'not_in_db'}"
    systems = [s for s in draws[0]['rows'] if all(s in d['rows'] for d in draws)]
    ours = [s for s in systems if s.startswith('nafp')]
    if len(ours) != 1: sys.exit(f'expected one nafp system in every draw, found {ours or "none"} (systems common to all draws: {systems})')
    ours = ours[0]
    have = [{r['deg'] for r in d['rows'][ours]} for d in draws]
    degs = [g for g in DEGS if all(g in h for h in have)] + sorted(set.intersection(*have) - set(DEGS))
    if not degs: sys.exit('no degradation is in every draw')
    rows = {s: [r for d in draws for r in d['rows'][s] if r['deg'] in degs] for s in systems}   # the same queries in the same order for every system
    lengths = sorted({r['len'] for r in rows[ours]})
    cell = {(d, L): [i for i, r in enumerate(rows[ours]) if r['deg'] == d and r['len'] == L] for d in degs for L in lengths}
    out = dict(systems=systems, ours=ours, degs=degs, lengths=lengths, seeds=[d['args']['seed'] for d in draws],
               n={d: {L: len(cell[d, L]) for L in lengths} for d in degs},
               top1={w: table(rows, w, lengths, degs) for w in WHAT}, paired={})
    for w in WHAT:
        out['paired'][w] = {}
        for o in systems:
            if o == ours: continue
            t = {d: {} for d in degs}
            for (d, L), ix in cell.items():
                plus = sum(rows[ours][i][w] and not rows[o][i][w] for i in ix); minus = sum(rows[o][i][w] and not rows[ours][i][w] for i in ix)
                t[d][L] = [plus, minus, binomtest(plus, plus + minus).pvalue if plus + minus else 1.]
            out['paired'][w][o] = t
    nd = [d for d in draws if d.get('nid')]
    if nd:
        ns = [s for s in nd[0]['nid'] if all(s in d['nid'] for d in nd)]
        nl = sorted({q['len'] for d in nd for q in d['nid'][ns[0]]})
        out['not_in_db'] = dict(draws=len(nd), lengths=nl, systems={}, calibration=[d.get('not_in_db', {}).get('calibration') for d in nd])
        for s in ns:
            out['not_in_db']['systems'][s] = {}
            for L in nl:
                acc = [q['acc'] for d in nd for q in d['nid'][s] if q['len'] == L]
                out['not_in_db']['systems'][s][L] = dict(k=int(sum(acc)), n=len(acc), share=sum(acc)/len(acc) if acc else float('nan'), ci=clopper_pearson(int(sum(acc)), len(acc)))
    return out

def paired_table(t:dict, lengths:list, title:str)->str:
    f = lambda c: f"+{c[0]}/-{c[1]}" + (f" (p {c[2]:.2g})" if c[0] + c[1] and c[2] < .1 else '')
    head = "| degradation | " + " | ".join(f'{L} s' for L in lengths) + " |\n|---|" + "---|"*len(lengths)
    body = [f"| {DEG_NAMES.get(d, d)} | " + " | ".join(f(t[d][L]) for L in lengths) + " |" for d in t]
    return f"{title}\n\n{head}\n" + "\n".join(body)

def nid_pooled(r:dict)->str:
    "The pooled not-in-DB table: accepted / excerpts, % and 95 % interval, per length and system."
    sys_ = list(r['systems']); L = r['lengths']
    head = "| query | " + " | ".join(sys_) + " |\n|---|" + "---|"*len(sys_)
    c = lambda e: f"{e['k']}/{e['n']} = {100*e['share']:.1f} % ({100*e['ci'][0]:.1f}-{100*e['ci'][1]:.1f})"
    body = [f"| {l} s | " + " | ".join(c(r['systems'][s][l]) for s in sys_) + " |" for l in L]
    return f"Not in the DB, {r['draws']} draws pooled: accepted excerpts (95 % Clopper-Pearson interval)\n\n{head}\n" + "\n".join(body)

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0], formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split('\n', 2)[2])
    p.add_argument('json', nargs='+', help='bench_real_music.json of each draw')
    p.add_argument('--out', default='pool_real_music_out', help='folder for the pooled JSON and the plotly HTML')
    a = p.parse_args()
    runs = [load(Path(f)) for f in a.json]
    by_seed = {}
    for r in runs: by_seed.setdefault(r['args']['seed'], []).append(r)
    for sd, rs in by_seed.items():
        if len(rs) > 1:
            ds = [{q['deg'] for q in next(iter(r['rows'].values()))} for r in rs]
            if any(x & y for i, x in enumerate(ds) for y in ds[i+1:]):
                print(f'warning: runs of seed {sd} share degradations ({", ".join(sorted(set.union(*[x & y for i, x in enumerate(ds) for y in ds[i+1:]])))}): '
                      'each is taken from the first file given', file=sys.stderr)
    draws = [join_seed(rs) for rs in by_seed.values()]
    seeds = [d['args']['seed'] for d in draws]
    for k in ('n', 'lengths', 'checkpoint', 'per_track', 'sr', 'root'):
        v = {json.dumps(d['args'].get(k)) for d in runs}
        if len(v) > 1: print(f'warning: the runs differ in --{k} ({", ".join(sorted(v))})', file=sys.stderr)
    r = pool(draws); L = r['lengths']
    outd = Path(a.out); outd.mkdir(parents=True, exist_ok=True)
    write_json(outd/'pool_real_music.json', r)
    figure({w: r['top1'][w] for w in WHAT}, L, outd/'pool_real_music.html',
           f"Real-music identification, {len(draws)} draws pooled (seeds {', '.join(map(str, seeds))}): best guess, song and offset (|error| <= 0.5 s) top-1")
    n = r['n']; D = r['degs']
    print(f"{len(draws)} draws (seeds {', '.join(map(str, seeds))}), {len(D)} degradations: {sum(n[d][l] for d in D for l in L)} queries scored; "
          f"per cell {min(n[d][l] for d in D for l in L)}-{max(n[d][l] for d in D for l in L)}\n")
    for w, name in (('song', 'Song top-1, best guess'), ('offset', 'Offset top-1 (|error| <= 0.5 s), best guess')):
        print(md_table(r['top1'][w], L, f'{name}, pooled') + '\n')
        for o, t in r['paired'][w].items():
            print(paired_table(t, L, f"{name}: queries only {r['ours']} got right (+) / only {o} got right (-); "
                                     f"sign-test p shown below 0.1") + '\n')
    if 'not_in_db' in r: print(nid_pooled(r['not_in_db']) + '\n')
    print(f"wrote {outd/'pool_real_music.json'} and {outd/'pool_real_music.html'}")

if __name__ == '__main__': main()
