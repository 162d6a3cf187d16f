"""Search parameters of each Faiss index type against exact search, on real fingerprints plus generated distractors.

Real part: the music of the held-out test packages (supertuxkart-data, megaglest-data; files of at least
20 s under a `music` folder) fingerprinted with the shipped model (`pretrained-tiny_real`); queries are
excerpts of 1, 5 and 10 s of those tracks (random start, not on the 0.5 s grid) degraded with real noise
of the test packages (supertuxkart sound effects, megaglest ambience) at 0-10 dB SNR and a 300-3400 Hz
band-pass (`augment.mix_noise`, `realaug.apply_eq`).

Distractors: generated rows up to each size (`--sizes`, total rows). The generator is fitted on real
fingerprints of other packages (flare-game, fillets-ng-data, extremetuxracer-data, mu-cade-data): k-means
clusters (`--clusters`) and, per cluster, a Gaussian with the cluster's covariance (shrunk 2 % towards
its mean variance); samples are L2-normalised like fingerprints. A check at the small size compares
exact top-1 and the nearest-distractor scores of the queries with the real distractors and with as many
generated ones.

For every size: exact search (the reference), then each index type with the rule's `nlist` and a sweep of
`nprobe` (IVF types) or `efSearch` (HNSW, up to `--hnsw_max` rows: its build is slow on 2 cores). Top-1 =
the right track at the right offset (within one hop) from `SequenceMatcher` (20 neighbours per segment,
exact re-scoring). Latency = median over 30 queries of the best of 3 runs of one query (search + matching, one
Faiss thread), per query length. The rows
marked `*` are the defaults of `autoindex.index_params`.

    nice -n 10 python benchmarks/bench_index_defaults.py --sizes 100000,1000000,2000000
    python benchmarks/bench_index_defaults.py --sizes 50000 --queries 30     # quick
"""
import argparse, os, time, json, hashlib
from pathlib import Path
import numpy as np

os.environ.setdefault('NAFP_NO_PROGRESS', '1')
import faiss

ROOT = Path('/work/realmusic/x')
DB_PKGS = ('supertuxkart-data', 'megaglest-data')
FIT_PKGS = ('flare-game', 'fillets-ng-data', 'extremetuxracer-data', 'mu-cade-data')
NOISE = (ROOT/'supertuxkart-data/usr/share/games/supertuxkart/data/sfx', ROOT/'megaglest-data')
LENGTHS = (1, 5, 10)

def music_files(pkgs, min_dur=20.):
    import soundfile as sf
    from neural_audio_fp.audio.io import list_audio
    out = []
    for p in pkgs:
        for f in list_audio(ROOT/p):
            if '/music' not in str(f).lower(): continue
            try: i = sf.info(str(f))
            except Exception: continue
            if i.frames/i.samplerate >= min_dur: out.append(f)
    return out

def fingerprints(e, files):
    "Rows (n, d), track number per row, and the decoded tracks."
    from neural_audio_fp.audio.io import load_audio, segment
    v, tr, audio = [], [], []
    for i, f in enumerate(files):
        x = load_audio(f, e.fs); audio.append(x)
        s = e(segment(x, e.fs, e.dur, e.hop)); v.append(s); tr.append(np.full(len(s), i))
    return np.concatenate(v), np.concatenate(tr), audio

def noise_clips(sr, min_s=1.):
    from neural_audio_fp.audio.io import load_audio, list_audio
    clips = []
    for d in NOISE:
        for f in list_audio(d):
            if d.name == 'megaglest-data' and 'ambient' not in str(f).lower(): continue
            try: x = load_audio(f, sr)
            except Exception: continue
            if len(x) >= min_s*sr: clips.append(x)
    return clips

def make_queries(e, audio, row0, n_q, rng, clips):
    "{length: (queries (B, L, d), true row (B,), true track (B,))}."
    from neural_audio_fp.audio.io import segment
    from neural_audio_fp.augment.ops import mix_noise
    from neural_audio_fp.augment.real import apply_eq
    out, hop = {}, int(e.hop*e.fs)
    for sec in LENGTHS:
        n = sec*e.fs; Q, rows, trs = [], [], []
        while len(Q) < n_q:
            t = int(rng.integers(len(audio))); x = audio[t]
            if len(x) < n + hop: continue
            s = int(rng.integers(0, len(x) - n)); ex = x[s:s+n]
            if np.mean(ex**2) < 1e-6: continue                     # digital silence: nothing to identify
            c = clips[int(rng.integers(len(clips)))]; c = np.resize(c, n) if len(c) < n else c[(o := int(rng.integers(len(c) - n + 1))):o+n]
            y = apply_eq(mix_noise(ex, c.astype(np.float32), rng.uniform(0, 10)), e.fs, low=300., high=3400.)
            Q.append(e(segment(y, e.fs, e.dur, e.hop))); rows.append(row0[t] + int(round(s/hop))); trs.append(t)
        out[sec] = np.stack(Q), np.array(rows), np.array(trs)
    return out

class Generator:
    "Clustered Gaussians fitted on real fingerprints; samples are unit vectors."
    def __init__(self, x, k=128, shrink=.02, seed=0):
        km = faiss.Kmeans(x.shape[1], k, niter=20, seed=seed); km.train(np.ascontiguousarray(x))
        lab = km.index.search(x, 1)[1].ravel()
        self.w, self.mu, self.L = [], [], []
        for c in range(k):
            xc = x[lab == c]
            if len(xc) < 10: continue
            C = np.cov(xc.T); C = (1 - shrink)*C + shrink*np.trace(C)/len(C)*np.eye(len(C))
            self.w.append(len(xc)); self.mu.append(xc.mean(0)); self.L.append(np.linalg.cholesky(C))
        self.w = np.array(self.w)/sum(self.w)
    def sample(self, n, seed=1, chunk=1 << 18):
        rng, d = np.random.default_rng(seed), len(self.mu[0])
        out = np.empty((n, d), np.float32)
        for i in range(0, n, chunk):
            m = min(chunk, n - i); c = rng.choice(len(self.w), m, p=self.w)
            z = rng.standard_normal((m, d))
            y = np.stack(self.mu)[c] + np.einsum('nij,nj->ni', np.stack(self.L)[c], z)
            out[i:i+m] = y/np.linalg.norm(y, axis=1, keepdims=True)
        return out

def evaluate(index, vectors, tracks, queries, hop_rows=1, timed=30):
    "{length: (top-1 %, median ms per query)} with `SequenceMatcher` over `index`."
    from neural_audio_fp.search.matcher import SequenceMatcher
    m = SequenceMatcher(index, vectors, k_probe=20)
    res = {}
    for sec, (Q, rows, trs) in queries.items():
        top = m.match(Q, top_n=1)[0][:, 0]
        ok = (top >= 0) & (tracks[np.maximum(top, 0)] == trs) & (np.abs(top - rows) <= hop_rows)
        ts, nt = [np.nan], faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(1)     # one query, one thread: OpenMP threads on a busy 2-core machine time the scheduler
        for i in range(min(timed, len(Q))):
            best = np.inf
            for _ in range(3): t0 = time.perf_counter(); m.match(Q[i:i+1], top_n=1); best = min(best, time.perf_counter() - t0)
            ts.append(best)                  # best of 3: the query's own cost, without the other processes' time slices
        faiss.omp_set_num_threads(nt)
        res[sec] = (100*ok.mean(), 1000*np.median(ts[1:] or ts))
    return res

def line(name, param, res, build_s, ref=None, mark=''):
    cells = '  '.join(f"{res[s][0]:5.1f}{'' if ref is None else f' ({res[s][0]-ref[s][0]:+.1f})':>8} {res[s][1]:7.2f}" for s in LENGTHS)
    print(f"{mark:1}{name:<8}{param:<16}{cells}  {build_s:7.1f}", flush=True)

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--sizes', default='100000,1000000,2000000', help='total rows (real DB + generated distractors)')
    p.add_argument('--queries', type=int, default=300, help='queries per length (top-1); 30 of them timed')
    p.add_argument('--types', default='ivf,ivfpq,hnsw')
    p.add_argument('--nprobes', default='8,16,32,64,128')
    p.add_argument('--efs', default='16,32,64,128,256')
    p.add_argument('--hnsw_max', type=int, default=1_000_000, help='largest size with an HNSW build')
    p.add_argument('--clusters', type=int, default=128)
    p.add_argument('--checkpoint', default='pretrained-tiny_real')
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--work', default='/tmp/bench_index_defaults', help='cache of fingerprints and queries')
    p.add_argument('--seed', type=int, default=0)
    a = p.parse_args()
    faiss.omp_set_num_threads(a.threads)
    from neural_audio_fp.search.index import build_index, set_nprobe, set_ef_search, PQ_TYPES
    from neural_audio_fp.search.autoindex import index_params, train_rows, default_pq_m
    work = Path(a.work); work.mkdir(parents=True, exist_ok=True)
    cache = work/f"data-{hashlib.sha1(json.dumps([a.checkpoint, a.queries, a.seed]).encode()).hexdigest()[:10]}.npz"
    t0 = time.perf_counter()
    if cache.is_file(): z = np.load(cache); db, tr, fit = z['db'], z['tr'], z['fit']; queries = {s: (z[f'q{s}'], z[f'r{s}'], z[f't{s}']) for s in LENGTHS}
    else:
        from neural_audio_fp.db.parts import checkpoint_embedder
        e = checkpoint_embedder(a.checkpoint)
        db, tr, audio = fingerprints(e, music_files(DB_PKGS))
        row0 = np.r_[0, np.cumsum(np.bincount(tr))][:-1]
        queries = make_queries(e, audio, row0, a.queries, np.random.default_rng(a.seed), noise_clips(e.fs))
        fit = fingerprints(e, music_files(FIT_PKGS))[0]
        np.savez(cache, db=db, tr=tr, fit=fit, **{f'{k}{s}': v for s, q in queries.items() for k, v in zip('qrt', q)})
    n_real = len(db)
    print(f"real DB: {n_real:,} fingerprints of {tr.max()+1} tracks ({', '.join(DB_PKGS)}); {a.queries} degraded queries per length "
          f"{LENGTHS} s; generator fitted on {len(fit):,} fingerprints of {', '.join(FIT_PKGS)}; {time.perf_counter()-t0:.0f} s", flush=True)
    gen = Generator(fit, a.clusters, seed=a.seed)

    # real versus generated distractors, at the size of the real ones
    g = gen.sample(len(fit), seed=a.seed + 7)
    print(f"\n== distractors: {len(fit):,} real vs {len(g):,} generated, exact search over DB + distractors")
    for nm, dx in (('real', fit), ('generated', g)):
        ix = build_index('l2', add=[db, dx], use_gpu=False, metric='ip')
        res = evaluate(ix, [db, dx], np.r_[tr, np.full(len(dx), -1)], queries, timed=0)
        qs = queries[1][0][:, 0]
        near = faiss.IndexFlatIP(db.shape[1]); near.add(np.ascontiguousarray(dx)); s = near.search(np.ascontiguousarray(qs), 1)[0].ravel()
        print(f"{nm:<10} top-1 % " + ' / '.join(f"{res[s_][0]:.1f}" for s_ in LENGTHS) +
              f" (1/5/10 s); query-to-nearest-distractor score median {np.median(s):.3f}, p90 {np.percentile(s, 90):.3f}")
    del g

    print(f"\ncolumns per query length {LENGTHS} s: top-1 % (difference to exact) and median ms per query; last: build s; * = default")
    for size in sorted(int(s) for s in a.sizes.split(',')):
        dx = gen.sample(max(0, size - n_real), seed=a.seed + size)
        vecs, n = [db, dx], n_real + len(dx)
        tracks = np.r_[tr, tr.max() + 1 + np.arange(len(dx))//480]   # distractors in 4-min pseudo-tracks
        print(f"\n== {n:,} rows ({n_real:,} real + {len(dx):,} generated)", flush=True)
        t0 = time.perf_counter(); ix = build_index('l2', add=vecs, use_gpu=False, metric='ip'); bt = time.perf_counter() - t0
        ref = evaluate(ix, vecs, tracks, queries); line('l2', 'exact', ref, bt); del ix
        for t in a.types.split(','):
            if t == 'hnsw' and n > a.hnsw_max: continue
            pr = index_params(t, n)
            t0 = time.perf_counter()
            kw = {} if t == 'hnsw' else {('nlist_ivf' if t == 'ivf' else 'nlist_pq'): pr['nlist']}    # as `FaissBackend.write` builds it
            if t in PQ_TYPES: kw['pq_m'] = default_pq_m(db.shape[1], t)
            ix = build_index(t, add=vecs, train=None if t == 'hnsw' else np.concatenate(vecs), use_gpu=False, metric='ip',
                             nprobe=pr['nprobe'] or 1, max_train=train_rows(pr['nlist']), **kw)
            bt = time.perf_counter() - t0
            if t == 'hnsw':
                for ef in sorted({*map(int, a.efs.split(',')), pr['ef_search']}):
                    set_ef_search(ix, ef); line(t, f'efSearch {ef}', evaluate(ix, vecs, tracks, queries), bt, ref, '*' if ef == pr['ef_search'] else '')
            else:
                for npb in sorted({*map(int, a.nprobes.split(',')), pr['nprobe']}):
                    if npb > pr['nlist']: continue
                    set_nprobe(ix, npb); line(t, f"{pr['nlist']}/{npb}", evaluate(ix, vecs, tracks, queries), bt, ref, '*' if npb == pr['nprobe'] else '')
            del ix
        del dx, vecs

if __name__ == '__main__': main()
