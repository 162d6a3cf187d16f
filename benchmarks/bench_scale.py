"""Scaling of a FingerprintDB from 10 K to 10 M rows, per index type, with an extrapolation to the paper's 54 M rows.

Targets and queries: the real fingerprints and degraded queries of `bench_index_defaults.py` (the music of
supertuxkart-data and megaglest-data fingerprinted with `pretrained-tiny_real`, d=64; 1, 5 and 10 s excerpts
with real noise at 0-10 dB SNR and a 300-3400 Hz band-pass), read from its cache (made on first run).
Distractors: its generator (per-cluster Gaussians fitted on real fingerprints of flare-game,
fillets-ng-data, extremetuxracer-data and mu-cade-data), sampled cluster by cluster in chunks and written
to disk, so that no size holds more than one chunk of generated rows in memory. At the size of the real
distractors, real and generated ones are compared (exact top-1 and query-to-nearest-distractor scores).

Index types: `l2` (exact), `ivf`, `ivfpq`, `ivfpq-fs` (fast-scan IVF-PQ, what a DB picks from 1 M rows), `hnsw` (up to `--hnsw_max` rows)
and `milvus` (the Milvus backend: Milvus Lite in the DB folder, its AUTOINDEX; the `milvus` extra), each Faiss type with the `autoindex`
rule's parameters. A `FingerprintDB` always re-ranks: the matcher re-scores every candidate alignment on the
stored rows, so `ivfpq` here *is* IVF-PQ with re-ranking (PQ search, re-scoring on the float16 store). Faiss'
own re-ranking index (`ivfpq-rr`, IndexIVFPQR) supports only L2 distance and a DB searches by inner
product, so it has no DB row.

Every size and index type is a real `FingerprintDB` directory, written through the versioned store
(`dbstore._commit` with `FaissBackend(index_type)`: rows, index, and for PQ indexes the float16 store),
then opened in a fresh child process that answers the queries through `identify.db_matcher` (the DB's
backend search, re-scoring on the DB's stored rows: identification's search path) and reports:
top-1 (right track, offset within one hop) per length, median latency of one query per length (best of 3,
one Faiss thread), its resident memory after opening and its peak (VmHWM) after answering 100 queries
of 10 s one at a time. Bytes per row: the version folder on disk; (RSS after 100 queries - RSS of the same
child before opening the DB) in RAM.

    nice -n 10 python benchmarks/bench_scale.py                                  # 10 K .. 10 M
    python benchmarks/bench_scale.py --sizes 10000,50000 --types l2,ivfpq --out /tmp/scale   # quick

Results: `--out`/scale.json (every measurement, per-query hits) and scale.html (plotly figure with the
extrapolation to 54 M rows); the table and the 54 M statement are printed.
"""
import argparse, os, sys, time, json, subprocess, shutil
from pathlib import Path
import numpy as np

os.environ.setdefault('NAFP_NO_PROGRESS', '1')
os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')   # OpenMP threads that spin on a shared 2-core machine halve the build speed
sys.path.insert(0, str(Path(__file__).parent))
LENGTHS = (1, 5, 10)
PAPER_ROWS = 54_000_000
TRACK_ROWS = 480                      # distractors in 4-min pseudo-tracks

# ------------------------------------------------------------------ data
def load_data(work, queries=300, seed=0, checkpoint='pretrained-tiny_real'):
    "Real DB rows, their track, generator-fit rows and queries, from (or into) bench_index_defaults' cache."
    import hashlib
    cache = Path(work)/f"data-{hashlib.sha1(json.dumps([checkpoint, queries, seed]).encode()).hexdigest()[:10]}.npz"
    if not cache.is_file():
        subprocess.run([sys.executable, str(Path(__file__).parent/'bench_index_defaults.py'), '--sizes', '', '--types', '',
                        '--queries', str(queries), '--work', str(work), '--checkpoint', checkpoint], check=False)
    z = np.load(cache)
    return z['db'], z['tr'], z['fit'], {s: (z[f'q{s}'], z[f'r{s}'], z[f't{s}']) for s in LENGTHS}

def sample_into(gen, out, seed, chunk=1 << 16):
    "Fill `out` (n, d) (a memmap) with `gen`'s distribution, one chunk and one cluster at a time."
    rng = np.random.default_rng(seed); mu, L = np.stack(gen.mu), np.stack(gen.L)
    for i in range(0, len(out), chunk):
        m = min(chunk, len(out) - i); c = rng.choice(len(gen.w), m, p=gen.w); y = np.empty((m, mu.shape[1]))
        for k in np.unique(c):
            j = np.flatnonzero(c == k); y[j] = mu[k] + rng.standard_normal((len(j), mu.shape[1])) @ L[k].T
        out[i:i+m] = y/np.linalg.norm(y, axis=1, keepdims=True)

def distractors(work, gen, n, d, seed):
    "A float32 file of `n` generated rows (made once per size)."
    f = Path(work)/f'dx-{n}-{seed}.f32'
    if not f.is_file() or f.stat().st_size != n*d*4:
        tmp = f.with_suffix('.tmp')
        out = np.memmap(tmp, np.float32, 'w+', shape=(max(n, 1), d))
        if n: sample_into(gen, out, seed)
        out.flush(); del out; os.replace(tmp, f)
    return np.memmap(f, np.float32, 'r', shape=(n, d)) if n else np.zeros((0, d), np.float32)

def write_db(path, real, tr, dx, index_type):
    "A FingerprintDB of real rows + distractors written through the versioned store; seconds taken."
    from neural_audio_fp.db.store import _writer, _commit, FORMAT, ROW_DTYPE
    from neural_audio_fp.db.parts import FaissBackend
    if index_type == 'milvus': from neural_audio_fp.db.milvus import MilvusBackend   # Milvus Lite in the version folder, its AUTOINDEX
    n_real, n, d = len(real), len(real) + len(dx), real.shape[1]
    n_tr = int(tr.max()) + 1; n_dx = -(-len(dx)//TRACK_ROWS)
    bounds = np.r_[0, np.cumsum(np.bincount(tr))]
    tracks = [dict(id=t, path=f'real/{t}', title=None, sha1=f'r{t}', duration=float((bounds[t+1]-bounds[t])/2), row0=int(bounds[t]), n_rows=int(bounds[t+1]-bounds[t])) for t in range(n_tr)]
    tracks += [dict(id=n_tr+j, path=f'gen/{j}', title=None, sha1=f'g{j}', duration=TRACK_ROWS/2, row0=n_real+j*TRACK_ROWS,
                    n_rows=min(TRACK_ROWS, len(dx)-j*TRACK_ROWS)) for j in range(n_dx)]
    meta = dict(format=FORMAT, format_version=1, model_id='bench', model=dict(name='tiny', fs=8000, dur=1., hop=.5, emb_sz=d),
                checkpoint='pretrained-tiny_real', d=d, fs=8000, dur=1., hop=.5, n_rows=n, next_id=n_tr+n_dx, tracks=tracks,
                calibration=None, created=time.time())
    def fill(tmp):
        with open(tmp/'vectors.f32', 'wb') as f:
            f.write(np.ascontiguousarray(real, np.float32).tobytes())
            for i in range(0, len(dx), 1 << 18): f.write(np.ascontiguousarray(dx[i:i + (1 << 18)]).tobytes())
        r = np.zeros(n, ROW_DTYPE); r['track'][:n_real] = tr; r['track'][n_real:] = n_tr + np.arange(len(dx))//TRACK_ROWS
        r['start'][:n_real] = (np.arange(n_real) - bounds[tr])*.5; r['start'][n_real:] = (np.arange(len(dx)) % TRACK_ROWS)*.5
        np.save(tmp/'rows.npy', r)
    shutil.rmtree(path, ignore_errors=True)
    t0 = time.perf_counter()
    with _writer(Path(path)): _commit(Path(path), meta, fill, MilvusBackend() if index_type == 'milvus' else FaissBackend(index_type))
    return time.perf_counter() - t0

# ------------------------------------------------------------------ child: open, answer, measure
def rss_kb(key='VmRSS'):
    for l in open('/proc/self/status'):
        if l.startswith(key + ':'): return int(l.split()[1])

def child(a):
    "Open the DB, answer queries through identification's matcher, print a JSON line."
    import faiss
    from neural_audio_fp.db.database import FingerprintDB
    from neural_audio_fp.identify.lookup import db_matcher
    faiss.omp_set_num_threads(a.threads)
    z = np.load(a.queries_npz); n_q = a.n_queries
    Q = {s: (z[f'q{s}'][:n_q], z[f'r{s}'][:n_q], z[f't{s}'][:n_q]) for s in LENGTHS}
    base = rss_kb()
    t0 = time.perf_counter(); db = FingerprintDB(a.child); m = db_matcher(db, 20); db.searcher; open_s = time.perf_counter() - t0
    if a.nprobe and hasattr(db.searcher, 'nprobe'): db.searcher.nprobe = a.nprobe     # Milvus: the searcher's nprobe
    elif a.nprobe: faiss.extract_index_ivf(db.searcher.idx).nprobe = a.nprobe      # a sweep: other than the stored (rule's) nprobe
    tracks = db.rows['track']; opened = rss_kb()
    def hits(top, rows, trs): return ((top >= 0) & (tracks[np.maximum(top, 0)] == trs) & (np.abs(top - rows) <= 1))
    # identify-like: 100 queries of 10 s, one at a time
    q10, r10, t10 = Q[10]; one = []
    faiss.omp_set_num_threads(1)
    for i in range(min(100, len(q10))): one.append(int(m.match(q10[i:i+1], top_n=1)[0][0, 0]))
    after100, peak100, anon100, file100 = rss_kb(), rss_kb('VmHWM'), rss_kb('RssAnon'), rss_kb('RssFile')
    lat = {}
    for s in LENGTHS:
        ts = []
        for i in range(min(a.timed, len(Q[s][0]))):
            best = np.inf
            for _ in range(3): t1 = time.perf_counter(); m.match(Q[s][0][i:i+1], top_n=1); best = min(best, time.perf_counter() - t1)
            ts.append(best)
        lat[s] = 1000*float(np.median(ts))
    faiss.omp_set_num_threads(a.threads)
    res = {}
    for s in LENGTHS:
        q, r, t = Q[s]; top = np.concatenate([m.match(q[i:i+50], top_n=1)[0][:, 0] for i in range(0, len(q), 50)])
        res[s] = hits(top, r, t).astype(int).tolist()
    print(json.dumps(dict(base_kb=base, opened_kb=opened, after100_kb=after100, peak100_kb=peak100, anon100_kb=anon100, file100_kb=file100, peak_kb=rss_kb('VmHWM'),
                          open_s=open_s, latency_ms=lat, hits=res, hits100=hits(np.array(one), r10[:len(one)], t10[:len(one)]).astype(int).tolist(),
                          vectors=db.meta.get('vectors', 'f32'), built=db.meta['backend'].get('built'))))

def measure(path, queries_npz, n_queries, timed, threads, nprobe=0):
    r = subprocess.run([sys.executable, __file__, '--child', str(path), '--queries_npz', str(queries_npz), '--n_queries', str(n_queries),
                        '--timed', str(timed), '--threads', str(threads), '--nprobe', str(nprobe)], capture_output=True, text=True)
    if r.returncode: raise RuntimeError(r.stderr[-2000:])
    return json.loads(r.stdout.strip().splitlines()[-1])

# ------------------------------------------------------------------ real vs generated
def distractor_check(real, tr, fit, gen, queries, seed):
    import faiss
    from neural_audio_fp.search.index import build_index
    from neural_audio_fp.search.matcher import SequenceMatcher
    g = np.empty_like(fit); sample_into(gen, g, seed + 7)
    out = {}
    for nm, dx in (('real', fit), ('generated', g)):
        ix = build_index('l2', add=[real, dx], use_gpu=False, metric='ip')
        m = SequenceMatcher(ix, [real, dx], k_probe=20); tracks = np.r_[tr, np.full(len(dx), -1)]
        top1 = {}
        for s, (q, r, t) in queries.items():
            top = m.match(q, top_n=1)[0][:, 0]
            top1[s] = 100*float(((top >= 0) & (tracks[np.maximum(top, 0)] == t) & (np.abs(top - r) <= 1)).mean())
        near = faiss.IndexFlatIP(real.shape[1]); near.add(np.ascontiguousarray(dx))
        sc = near.search(np.ascontiguousarray(queries[1][0][:, 0]), 1)[0].ravel()
        out[nm] = dict(rows=len(dx), top1=top1, near_median=float(np.median(sc)), near_p90=float(np.percentile(sc, 90)))
        print(f"{nm:<10} {len(dx):,} distractors: exact top-1 % " + ' / '.join(f"{top1[s]:.1f}" for s in LENGTHS) +
              f" (1/5/10 s); query-to-nearest-distractor score median {out[nm]['near_median']:.3f}, p90 {out[nm]['near_p90']:.3f}", flush=True)
    return out

# ------------------------------------------------------------------ extrapolation and figure
def fit_power(x, y):
    "log y = a + b log x on the given points: (a, b)."
    b, a = np.polyfit(np.log(x), np.log(y), 1); return a, b

def extrapolate(results, rows=PAPER_ROWS):
    "Per index type, from its two largest sizes: latency per length, bytes per row, build s at `rows`."
    out, results = {}, [r for r in results if not r.get('sweep')]
    for t in sorted({r['type'] for r in results}):
        rs = sorted((r for r in results if r['type'] == t), key=lambda r: r['rows'])
        if len(rs) < 2: continue
        big = rs[-2:]; x = [r['rows'] for r in big]; e = dict(from_rows=x)
        for s in LENGTHS:
            a, b = fit_power(x, [max(r['latency_ms'][str(s)], 1e-3) for r in big]); e[f'latency_ms_{s}'] = float(np.exp(a)*rows**b)
        a, b = fit_power(x, [r['build_s'] for r in big]); e['build_s'] = float(np.exp(a)*rows**b)
        e['disk_bytes_row'] = big[-1]['disk_bytes_row']; e['ram_bytes_row'] = big[-1]['ram_bytes_row']
        e['disk_gb'] = e['disk_bytes_row']*rows/1e9; e['ram_gb'] = (big[-1]['base_mb']*1e6 + e['ram_bytes_row']*rows)/1e9
        out[t] = e
    return out

def figure(results, extra, path):
    import plotly.graph_objects as go
    results = [r for r in results if not r.get('sweep')]
    from plotly.subplots import make_subplots
    fig = make_subplots(rows=1, cols=3, subplot_titles=('latency of one 10 s query (ms)', 'resident memory after 100 queries (GB)', 'on disk (GB)'))
    colors = dict(l2='#636efa', ivf='#ef553b', ivfpq='#00cc96', **{'ivfpq-rr': '#ab63fa', 'ivfpq-fs': '#19d3f3'}, hnsw='#ffa15a', milvus='#ff6692')
    for t in sorted({r['type'] for r in results}):
        rs = sorted((r for r in results if r['type'] == t), key=lambda r: r['rows'])
        x = [r['rows'] for r in rs]
        ys = ([r['latency_ms']['10'] for r in rs], [r['after100_mb']/1e3 for r in rs], [r['disk_bytes_row']*r['rows']/1e9 for r in rs])
        for col, y in enumerate(ys, 1):
            fig.add_trace(go.Scatter(x=x, y=y, mode='lines+markers', name=t, legendgroup=t, showlegend=col == 1, line=dict(color=colors.get(t))), 1, col)
        if t in extra:
            e = extra[t]; x2 = [x[-1], PAPER_ROWS]
            y2 = ([ys[0][-1], e['latency_ms_10']], [ys[1][-1], e['ram_gb']], [ys[2][-1], e['disk_gb']])
            for col, y in enumerate(y2, 1):
                fig.add_trace(go.Scatter(x=x2, y=y, mode='lines+markers', name=f'{t} (extrapolated)', legendgroup=t, showlegend=False,
                                         line=dict(color=colors.get(t), dash='dot'), marker=dict(symbol='circle-open')), 1, col)
    for col in (1, 2, 3): fig.update_xaxes(type='log', title_text='rows (54 M: the paper)', row=1, col=col); fig.update_yaxes(type='log', row=1, col=col)
    fig.add_vline(x=PAPER_ROWS, line_dash='dash', line_color='grey')
    fig.update_layout(title='FingerprintDB scaling, d=64 (pretrained-tiny_real), 2 CPU cores; dotted: extrapolation to 54 M rows', height=450, width=1300)
    fig.write_html(path, include_plotlyjs='cdn')

def table(results):
    print(f"\n{'rows':>11} {'type':<9} {'nprobe':>6} {'store':<5} {'build s':>8} {'disk B/row':>10} {'RAM B/row':>9} {'RSS MB':>7} {'peak MB':>7}  "
          f"{'ms 1/5/10 s':>20}  {'top-1 % 1/5/10 s':>18}  {'n_q':>4}")
    for r in sorted(results, key=lambda r: (r['rows'], r['type'], r.get('nprobe') or 0)):
        print(f"{r['rows']:>11,} {r['type']:<9} {str(r.get('nprobe') or ''):>6} {r['vectors']:<5} {r['build_s']:>8.1f} {r['disk_bytes_row']:>10.1f} {r['ram_bytes_row']:>9.1f} "
              f"{r['after100_mb']:>7.0f} {r['peak100_mb']:>7.0f}  " + '/'.join(f"{r['latency_ms'][str(s)]:.2f}" for s in LENGTHS).rjust(20) +
              '  ' + '/'.join(f"{r['top1'][str(s)]:.1f}" for s in LENGTHS).rjust(18) + f"  {r['n_queries']:>4}", flush=True)

# ------------------------------------------------------------------ main
def report(results, extra, d, threads):
    "Print the table, the extrapolation and what the paper's 54 M rows need."
    table(results)
    print(f"\n== extrapolation to {PAPER_ROWS/1e6:.0f} M rows (power law through the two largest sizes of each type)")
    for t, e in extra.items():
        print(f"{t:<9} from {e['from_rows'][0]:,}/{e['from_rows'][1]:,} rows: ms {e['latency_ms_1']:.1f}/{e['latency_ms_5']:.1f}/{e['latency_ms_10']:.1f} "
              f"(1/5/10 s), disk {e['disk_gb']:.1f} GB, RAM {e['ram_gb']:.1f} GB, build {e['build_s']/60:.0f} min")
    from neural_audio_fp.search.autoindex import AUTO_TYPE
    t = AUTO_TYPE if AUTO_TYPE in extra else 'ivfpq'
    if t in extra:
        e = extra[t]
        print(f"\nThe paper's 54 M-row benchmark on one machine with a FingerprintDB of its large-collection type ({t}, d={d}): about {e['disk_gb']:.0f} GB of disk, "
              f"{e['ram_gb']:.1f} GB of resident memory, {e['latency_ms_10']:.0f} ms per 10 s query on one core, and about "
              f"{e['build_s']/60:.0f} min to build on {threads} cores.")

def merge(files, out, threads):
    "One scale.json / scale.html / report from several runs' scale.json (later files win per rows, type, nprobe)."
    runs = [json.loads(Path(f).read_text()) for f in files]; rows = {}
    for r in runs:
        for x in r['results']: rows[(x['rows'], x['type'], x.get('nprobe_sweep') or 0)] = x
    results = sorted(rows.values(), key=lambda x: (x['rows'], x['type'], x.get('nprobe_sweep') or 0))
    for row in results:
        ref = next((x for x in results if x['rows'] == row['rows'] and x['type'] == 'l2'), None)
        if ref is not None and row['type'] != 'l2':
            k = ref['n_queries']; row['top1_vs_exact'] = {s: 100*(np.mean(row['hits'][s][:k]) - np.mean(ref['hits'][s][:k])) for s in row['hits']}
    extra = extrapolate(results); out = Path(out); out.mkdir(parents=True, exist_ok=True)
    (out/'scale.json').write_text(json.dumps(dict(runs[0], results=results, extrapolation=extra, merged_from=[str(f) for f in files]), indent=1))
    figure(results, extra, out/'scale.html'); report(results, extra, runs[0]['d'], threads)
    print(f"\nwrote {out/'scale.json'} and {out/'scale.html'}")

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--sizes', default='10000,100000,1000000,10000000', help='total rows (at least the real DB), run in this order')
    p.add_argument('--types', default='ivfpq-fs,ivfpq,l2,ivf,hnsw', help='index types, in the order run at each size')
    p.add_argument('--append', action='store_true', help='add to the results already in --out/scale.json (same queries)')
    p.add_argument('--hnsw_max', type=int, default=1_000_000, help='largest size with an HNSW build (slow on 2 cores)')
    p.add_argument('--big', type=int, default=5_000_000, help='from this size: --big_queries queries for exact search, --big_timed timed ones')
    p.add_argument('--queries', type=int, default=300, help='queries per length for top-1')
    p.add_argument('--big_queries', type=int, default=100)
    p.add_argument('--timed', type=int, default=30); p.add_argument('--big_timed', type=int, default=10)
    p.add_argument('--clusters', type=int, default=128)
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--work', default='/tmp/bench_index_defaults', help="bench_index_defaults' cache (fingerprints, queries)")
    p.add_argument('--dbs', default='/tmp/bench_scale', help='where the DBs and distractor files are written (deleted after each)')
    p.add_argument('--keep', default='', help='rows,type of DBs to keep (e.g. 10000000,ivfpq)')
    p.add_argument('--out', default='benchmarks/results', help='folder of scale.json and scale.html')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--nprobes', default='', help='IVF types: also measure with these nprobe (a sweep beside the rule\'s)')
    p.add_argument('--reuse', action='store_true', help='a kept DB (--keep) is measured again, not rebuilt (its build s from the earlier results)')
    p.add_argument('--merge', default='', help='comma-separated scale.json files of several runs: one result in --out, nothing measured')
    p.add_argument('--child'); p.add_argument('--queries_npz'); p.add_argument('--n_queries', type=int); p.add_argument('--nprobe', type=int, default=0)
    a = p.parse_args()
    if a.child: return child(a)
    if a.merge: return merge(a.merge.split(','), a.out, a.threads)
    import faiss
    faiss.omp_set_num_threads(a.threads)
    from bench_index_defaults import Generator
    real, tr, fit, queries = load_data(a.work, a.queries, a.seed)
    n_real, d = real.shape
    dbs, out = Path(a.dbs), Path(a.out); dbs.mkdir(parents=True, exist_ok=True); out.mkdir(parents=True, exist_ok=True)
    qnpz = dbs/'queries.npz'; np.savez(qnpz, **{f'{k}{s}': v for s, q in queries.items() for k, v in zip('qrt', q)})
    print(f"real DB: {n_real:,} fingerprints (d={d}) of {tr.max()+1} tracks; {a.queries} queries per length {LENGTHS} s; "
          f"generator ({a.clusters} clusters) fitted on {len(fit):,} real fingerprints of other packages", flush=True)
    gen = Generator(fit, a.clusters, seed=a.seed)
    print("\n== real versus generated distractors (exact search)", flush=True)
    prev = json.loads((out/'scale.json').read_text()) if a.append and (out/'scale.json').is_file() else {}
    check = prev.get('distractor_check') or distractor_check(real, tr, fit, gen, queries, a.seed)
    jf = out/'scale.json'
    results = json.loads(jf.read_text())['results'] if a.append and jf.is_file() else []
    keep = {tuple(k.split(',')) for k in a.keep.split(';') if k}
    def save():
        for row in results:                        # top-1 difference to exact search on the queries exact search answered
            ref = next((x for x in results if x['rows'] == row['rows'] and x['type'] == 'l2'), None)
            if ref is not None and row['type'] != 'l2':
                k = ref['n_queries']; row['top1_vs_exact'] = {s: 100*(np.mean(row['hits'][s][:k]) - np.mean(ref['hits'][s][:k])) for s in row['hits']}
        extra = extrapolate(results)
        jf.write_text(json.dumps(dict(lengths=LENGTHS, n_real=n_real, d=d, distractor_check=check, results=results, extrapolation=extra,
                                      machine=dict(cores=os.cpu_count(), threads=a.threads)), indent=1))
        figure(results, extra, out/'scale.html')
        return extra
    for size in [int(s) for s in a.sizes.split(',') if s]:
        n = max(size, n_real); dx = distractors(dbs, gen, n - n_real, d, a.seed + n)
        nq = a.big_queries if n >= a.big else a.queries; timed = a.big_timed if n >= a.big else a.timed
        print(f"\n== {n:,} rows ({n_real:,} real + {n - n_real:,} generated)", flush=True)
        for t in a.types.split(','):
            if t == 'hnsw' and n > a.hnsw_max: continue
            path = dbs/f'db-{n}-{t}'
            old = next((x for x in results if x['rows'] == n and x['type'] == t and not x.get('sweep')), None)
            if a.reuse and (path/'CURRENT').is_file() and old is not None: bt = old['build_s']
            else: bt = write_db(path, real, tr, dx, t)
            disk = sum(f.stat().st_size for f in path.rglob('*') if f.is_file())
            for npb in [0] + ([int(x) for x in a.nprobes.split(',') if x] if t in ('ivf', 'ivfpq', 'ivfpq-fs', 'milvus') else []):
              # exact search at big sizes: fewer queries; the other types answer all (their hits on the first nq are comparable)
              r = measure(path, qnpz, nq if t == 'l2' else a.queries, timed, a.threads, npb)
              if npb and npb == (r['built'] or {}).get('nprobe'): continue
              results[:] = [x for x in results if not (x['rows'] == n and x['type'] == t and (x.get('nprobe_sweep') or 0) == npb)]   # measured again
              row = dict(rows=n, type=t, build_s=bt, sweep=bool(npb), nprobe_sweep=npb, nprobe=npb or (r['built'] or {}).get('nprobe'), disk_bytes=disk, disk_bytes_row=disk/n, n_queries=nq if t == 'l2' else a.queries,
                         ram_bytes_row=max(r['after100_kb'] - r['base_kb'], 0)*1024/n, base_mb=r['base_kb']/1024,
                         opened_mb=r['opened_kb']/1024, after100_mb=r['after100_kb']/1024, peak100_mb=r['peak100_kb']/1024,
                         anon100_mb=r.get('anon100_kb', 0)/1024, file100_mb=r.get('file100_kb', 0)/1024, peak_mb=r['peak_kb']/1024,
                         open_s=r['open_s'], latency_ms={str(s): v for s, v in r['latency_ms'].items()}, vectors=r['vectors'], built=r['built'],
                         hits={str(s): v for s, v in r['hits'].items()}, timed=timed,
                         top1={str(s): 100*float(np.mean(v)) for s, v in r['hits'].items()})
              results.append(row); save()
              print(f"{t:<9} {'nprobe ' + str(row['nprobe']) if row['nprobe'] else '':<11} build {bt:7.1f} s  disk {disk/n:6.1f} B/row  RAM {row['ram_bytes_row']:6.1f} B/row (RSS {row['after100_mb']:.0f} MB after 100 queries, "
                    f"peak {row['peak100_mb']:.0f} MB)  ms " + '/'.join(f"{row['latency_ms'][str(s)]:.2f}" for s in LENGTHS) +
                    "  top-1 % " + '/'.join(f"{row['top1'][str(s)]:.1f}" for s in LENGTHS) +
                    ('' if 'top1_vs_exact' not in row else '  vs exact ' + '/'.join(f"{row['top1_vs_exact'][str(s)]:+.1f}" for s in LENGTHS)), flush=True)
            if (str(n), t) not in keep: shutil.rmtree(path, ignore_errors=True)
        del dx
        for f in dbs.glob(f'dx-{n - n_real}-*.f32'): f.unlink()
    extra = save(); report(results, extra, d, a.threads); print(f"\nwrote {jf} and {out/'scale.html'}")

if __name__ == '__main__': main()
