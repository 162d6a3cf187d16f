"""Identification latency per query and database size on disk per hour of audio.

Builds a `FingerprintDB` from synthetic 30 s songs (`--hours` of audio), then times
`identify.identify` on degraded excerpts of 1, 3, 5 and 10 s and on a 2-minute recording
(windowed scan), and prints the DB's size on disk per hour of fingerprinted audio.

Fingerprints come from a trained checkpoint (`--checkpoint NAME[:INDEX]`), or, by default, from
the `tiny` model with random weights (the same computation as a trained `tiny`: latency and size
do not depend on the weights), or `--model default` for the paper's model.

    python benchmarks/bench_identify.py [--hours 0.5] [--queries 40] [--backend faiss|milvus]

With `--many N`, N noisy 10 s excerpts are also identified one `identify` call at a time and in one
`identify_many` call (one backend search per batch of recordings, what `nafp identify` on a folder
does), alternating, best of 2 each; it prints both times, the ratio, and whether the answers agree.
"""
import argparse, os, shutil, tempfile, time
from pathlib import Path
import numpy as np

def _cores(n=2):
    try: os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[:n])
    except (AttributeError, OSError): pass

def song(seed, sec=30., sr=8000):
    "A synthetic song: a random sequence of quarter-second notes."
    rng = np.random.default_rng(seed); n = int(.25*sr); t = np.arange(n)/sr
    notes = [np.sin(2*np.pi*f*t)*np.hanning(n) for f in 110*2**(rng.integers(0, 36, int(sec*4))/12)]
    return (0.3*np.concatenate(notes)).astype(np.float32)

def embedder(args):
    from neural_audio_fp.db.database import Embedder, checkpoint_embedder
    if args.checkpoint: return checkpoint_embedder(args.checkpoint, args.log_root)
    from dataclasses import asdict
    from functools import partial
    from neural_audio_fp.config.base import load_config
    from neural_audio_fp.model.encoder import build_embedder
    from neural_audio_fp.train.loop import embed
    m = load_config(args.model).model
    return Embedder(partial(embed, build_embedder(m), batch_size=256), m.emb_sz, asdict(m), f'untrained-{args.model}:0')

def many(db, songs:dict, n:int, dur:int=10):
    "Time `n` excerpts identified one call at a time against one `identify_many` call, alternating, best of 2."
    from neural_audio_fp.identify.lookup import identify, identify_many
    rng = np.random.default_rng(1); keys = list(songs); xs = []
    for _ in range(n):
        k = keys[rng.integers(len(keys))]; s = int(rng.integers(0, 58 - 2*dur))*4000; x = songs[k][s:s + dur*8000]
        xs.append(x + .1*np.std(x)*rng.standard_normal(len(x)).astype(np.float32))
    best = lambda r: [(m['matches'][0]['track'], m['matches'][0]['offset']) if m['matches'] else None for m in r]
    t_one, t_many = [], []
    for _ in range(2):
        t = time.perf_counter(); one = [identify(db, x) for x in xs]; t_one.append(time.perf_counter() - t)
        t = time.perf_counter(); many = list(identify_many(db, xs)); t_many.append(time.perf_counter() - t)
    print(f"{n} excerpts of {dur} s: one identify call each {min(t_one):.2f} s, one identify_many call {min(t_many):.2f} s: "
          f"{min(t_one)/min(t_many):.2f}x; same best answers: {best(one) == best(many)}")

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--hours', type=float, default=.5, help='hours of audio in the DB')
    p.add_argument('--queries', type=int, default=40, help='excerpts timed per length')
    p.add_argument('--backend', default='faiss', choices=['faiss', 'milvus'])
    p.add_argument('--checkpoint', default=None, help='trained checkpoint NAME[:INDEX] (default: untrained --model)')
    p.add_argument('--model', default='tiny', help='config preset of the untrained model')
    p.add_argument('--log_root', default='./logs/')
    p.add_argument('--cores', type=int, default=2)
    p.add_argument('--many', type=int, default=0, help='also time N 10 s excerpts one by one against one identify_many call')
    a = p.parse_args(); _cores(a.cores)
    os.environ.setdefault('NAFP_NO_PROGRESS', '1')
    from neural_audio_fp.db.database import FingerprintDB
    from neural_audio_fp.identify.lookup import identify, identify_many
    tmp = Path(tempfile.mkdtemp(prefix='bench_identify_'))
    try:
        e = embedder(a)
        n_songs = max(2, int(round(a.hours*120)))
        songs = {f'song{i:05d}': song(i) for i in range(n_songs)}
        t0 = time.perf_counter()
        db = FingerprintDB.create(tmp/'db', e, backend=a.backend); db.add_audio(songs)
        t_build = time.perf_counter() - t0
        info = db.info()
        print(f"DB: {n_songs} songs, {info['hours']:.2f} h, {info['rows']} fingerprints (d={info['d']}), backend {a.backend}, "
              f"model {e.checkpoint}; built in {t_build:.1f} s ({info['hours']*3600/t_build:.0f}x real time)")
        print(f"size on disk: {info['bytes']/2**20:.2f} MiB = {info['bytes']/2**20/info['hours']:.2f} MiB per hour of audio")
        rng = np.random.default_rng(0); keys = list(songs)
        identify(db, songs[keys[0]][:8000*3])   # warm-up (graph tracing, index load)
        print(f"{'query':>10} {'median ms':>10} {'p90 ms':>8} {'top-1':>6}")
        for dur in (1, 3, 5, 10):
            ts, hit = [], 0
            for _ in range(a.queries):
                k = keys[rng.integers(len(keys))]; s = int(rng.integers(0, 58 - 2*dur))*4000
                x = songs[k][s:s + dur*8000]; x = x + .1*np.std(x)*rng.standard_normal(len(x)).astype(np.float32)
                r = identify(db, x); ts.append(r['time']); m = r['matches'][0]
                hit += m['path'] == k and abs(m['offset'] - s/8000) < .51
            print(f"{dur:>8} s {1000*np.median(ts):>10.1f} {1000*np.percentile(ts, 90):>8.1f} {hit/a.queries:>6.2f}")
        radio = np.concatenate([songs[keys[i % len(keys)]] for i in range(4)])
        ts = [identify(db, radio)['time'] for _ in range(3)]
        print(f"{len(radio)/8000:>8.0f} s {1000*np.median(ts):>10.1f} {1000*max(ts):>8.1f}   (windowed scan, {len(radio)/8000/np.median(ts):.0f}x real time)")
        if a.many: many(db, songs, a.many)
        db.close()
    finally: shutil.rmtree(tmp, ignore_errors=True)

if __name__ == '__main__': main()
