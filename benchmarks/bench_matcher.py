"""Benchmark of the sequence matcher and of the Faiss index types, on CPU.

A database of N random unit vectors (d=128 by default): the first N - N_DB rows play the dummy DB,
the last N_DB rows the DB, and the queries are noisy copies of the DB rows (row i of query ~ row i
of DB), so every query sequence has a planted answer.

1. Index types (`l2`, `ivf`, `ivfpq`, `ivfpq-rr`, `hnsw`, the original's parameters): build time
   (train on the dummy DB + add everything) and memory per segment (serialised size / rows).
   HNSW is slow to build on 2 cores: it is built on `--hnsw_n` rows (all rows with `--hnsw_n 0`).
2. Matcher vs a transcription of the original's evaluation loop, same index (`--index`, default
   `ivfpq` as the original's default), same test ids, all query lengths 1 3 5 9 11 19:
   a) matching only (candidates, re-scoring, ranking from the same top-k ids; best of 3 runs each),
   b) end to end (Faiss search included).
   Queries/s count (test id, length) pairs. The decisions of both are checked to be identical.

    python benchmarks/bench_matcher.py                 # ~ a few minutes on 2 cores
    python benchmarks/bench_matcher.py --n 200000 --types l2,ivfpq --n_ids 50   # quick
    nice -n 10 python benchmarks/bench_matcher.py --index l2 --types '' --n_ids 50   # end to end, exact search, 1 M rows

b) is the end-to-end ratio over the original's loop: ours searches every distinct segment of all
queries and lengths in one batched call (exact indexes as BLAS matrix products, `matcher.flat_blas`),
the original one search per query and length.
"""
import argparse, time, os
import numpy as np

os.environ.setdefault('NAFP_NO_PROGRESS', '1')
import faiss
from neural_audio_fp.search.index import build_index, index_bytes, INDEX_TYPES
from neural_audio_fp.search.matcher import SequenceMatcher
from neural_audio_fp.search.evaluate import sequence_hits, reference_hits, hit_indicators, SEQ_LENS, METRICS


def unit(x): return x / np.linalg.norm(x, axis=-1, keepdims=True)

def make_data(n, n_db, d, noise, seed=0):
    rng = np.random.default_rng(seed)
    x = np.empty((n, d), np.float32)
    for i in range(0, n, 1 << 18):  # in chunks: float32 all the way
        x[i:i + (1 << 18)] = unit(rng.standard_normal((min(1 << 18, n - i), d), dtype=np.float32))
    dummy, db = x[:n - n_db], x[n - n_db:]
    query = unit(db + (noise / np.sqrt(d)) * rng.standard_normal(db.shape, dtype=np.float32)).astype(np.float32)
    return dummy, db, query


def reference_match(I_row, q, recon, L):
    "The original's per-query matching (offsets, np.unique, a Python loop per candidate), given the top-k ids."
    I = I_row[:L].copy()
    for off in range(len(I)): I[off, :] -= off
    cand = np.unique(I[np.where(I >= 0)])
    sc = np.zeros(len(cand))
    for ci, c in enumerate(cand): sc[ci] = np.mean(np.diag(np.dot(q[:L], recon[c:c + L].T)))
    return cand[np.argsort(-sc)[:10]]


def bench_indexes(types, dummy, db, hnsw_n):
    print(f"\n== index types: train on {len(dummy):,} dummy vectors, add {len(dummy) + len(db):,} (d={db.shape[1]})")
    print(f"{'type':<10}{'rows':>11}{'train+add (s)':>15}{'us/row':>9}{'bytes/row':>11}")
    for t in types:
        tr, parts = dummy, [dummy, db]
        if t == 'hnsw' and hnsw_n and hnsw_n < len(dummy) + len(db): parts = [np.concatenate([dummy, db])[:hnsw_n]]
        n = sum(len(p) for p in parts)
        t0 = time.perf_counter()
        ix = build_index(t, train=tr, add=parts, use_gpu=False)
        dt = time.perf_counter() - t0
        print(f"{t:<10}{n:>11,}{dt:>15.1f}{1e6 * dt / n:>9.2f}{index_bytes(ix) / n:>11.1f}", flush=True)
        del ix


def bench_matcher(index_type, dummy, db, query, n_ids, k_probe, seed):
    print(f"\n== matcher vs the original's loop: index {index_type}, {len(dummy) + len(db):,} rows, "
          f"{n_ids} test ids x lengths {' '.join(map(str, SEQ_LENS))} = {n_ids * len(SEQ_LENS)} queries, k_probe {k_probe}")
    ix = build_index(index_type, train=dummy, add=[dummy, db], use_gpu=False)
    ids = np.sort(np.random.default_rng(seed).choice(len(query) - max(SEQ_LENS), n_ids, replace=False))
    m = SequenceMatcher(ix, [dummy, db], k_probe=k_probe, boundary='partial')
    nq = n_ids * len(SEQ_LENS)
    recon = np.concatenate([dummy, db])   # the original's merged copy (made outside the timings)

    # a) matching only, from the same top-k ids
    rows = ids[:, None] + np.arange(max(SEQ_LENS))
    I = m.search_segments(query[rows.ravel()]).reshape(len(ids), max(SEQ_LENS), k_probe)
    Q = query[rows]
    def best_of(f, n=3):   # each side timed n times, the best run kept (both warm, same treatment)
        ts = []
        for _ in range(n): t0 = time.perf_counter(); r = f(); ts.append(time.perf_counter() - t0)
        return r, min(ts)
    ours, t_ours = best_of(lambda: {L: m.match(Q[:, :L], I[:, :L], top_n=10)[0] for L in SEQ_LENS})
    ref, t_ref = best_of(lambda: {L: np.stack([np.pad(reference_match(I[i], Q[i], recon, L), (0, 10), constant_values=-1)[:10]
                                               for i in range(len(ids))]) for L in SEQ_LENS})
    gt = ids + len(dummy)
    same = all(all((hit_indicators(ours[L], gt)[k] == hit_indicators(ref[L], gt)[k]).all() for k in METRICS[:4]) for L in SEQ_LENS)
    print(f"a) matching only:  ours {nq / t_ours:>10,.0f} q/s   original {nq / t_ref:>8,.0f} q/s   "
          f"speed-up {t_ref / t_ours:>6.1f}x   identical decisions: {same}", flush=True)

    # b) end to end: Faiss search + matching, all lengths
    t0 = time.perf_counter()
    h_ours, _ = sequence_hits(m, query, ids, SEQ_LENS, gt_offset=len(dummy))
    t_ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    h_ref = reference_hits(ix, query, dummy, db, ids, SEQ_LENS, k_probe)
    t_ref = time.perf_counter() - t0
    same = all((h_ours[k] == h_ref[k]).all() for k in h_ref)
    print(f"b) end to end:     ours {nq / t_ours:>10,.0f} q/s   original {nq / t_ref:>8,.0f} q/s   "
          f"speed-up {t_ref / t_ours:>6.1f}x   identical decisions: {same}")
    print("   top-1 exact (%) per length:", ' '.join(f'{100 * v:.1f}' for v in h_ours['top1_exact'].mean(0)))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--n', type=int, default=1_000_000, help='rows in the index (dummy DB + DB)')
    p.add_argument('--n_db', type=int, default=100_000, help='rows of the DB (the rest is dummy DB)')
    p.add_argument('--d', type=int, default=128)
    p.add_argument('--noise', type=float, default=1.0, help='query noise (norm of the added vector)')
    p.add_argument('--types', default=','.join(INDEX_TYPES), help='index types to build ("" for none)')
    p.add_argument('--hnsw_n', type=int, default=200_000, help='rows for the HNSW build (0: all)')
    p.add_argument('--index', default='ivfpq', help='index used for the matcher comparison')
    p.add_argument('--n_ids', type=int, default=100, help='test ids (x 6 lengths = queries)')
    p.add_argument('--k_probe', type=int, default=20)
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--seed', type=int, default=0)
    a = p.parse_args()
    faiss.omp_set_num_threads(a.threads)
    t0 = time.perf_counter()
    dummy, db, query = make_data(a.n, a.n_db, a.d, a.noise, a.seed)
    print(f"data: {a.n:,} unit vectors (d={a.d}), {a.n_db:,} DB rows with noisy queries; {a.threads} Faiss threads; "
          f"{time.perf_counter() - t0:.1f} s")
    if a.index: bench_matcher(a.index, dummy, db, query, a.n_ids, a.k_probe, a.seed)
    if a.types: bench_indexes([t for t in a.types.split(',') if t], dummy, db, a.hnsw_n)
    print(f"\ntotal {time.perf_counter() - t0:.0f} s")


if __name__ == '__main__':
    main()
