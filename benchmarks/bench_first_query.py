"""Start-up of identification: import, opening a DB, loading its stored model, and the first queries.

Builds a small DB of synthetic songs with the shipped model (or opens `--db`), then in a fresh
process times each step the way `nafp identify` runs them: importing the library, opening the DB
(model hashes checked), loading and warming the model, and the first three queries (1 s, 5 s,
10 s: no length may trigger a new trace of the model), once per engine (`NAFP_ENGINE`: the
stored model run with NumPy, or with TensorFlow), each in a fresh process, with its peak memory.

    python benchmarks/bench_first_query.py [--db DB_DIR] [--engines numpy,tensorflow]
"""
import argparse, json, os, subprocess, sys, tempfile, time
from pathlib import Path

CHILD = r'''
import time, json, sys, resource
t0 = time.perf_counter()
import numpy as np
from neural_audio_fp.db.database import FingerprintDB
from neural_audio_fp.identify.lookup import identify
t1 = time.perf_counter()
db = FingerprintDB(sys.argv[1])
t2 = time.perf_counter()
db.embedder; db.searcher
t3 = time.perf_counter()
x = np.random.default_rng(0).standard_normal(8000*10).astype(np.float32)*.1
q = []
for d in (1, 5, 10):
    t = time.perf_counter(); identify(db, x[:8000*d]); q.append(time.perf_counter() - t)
print(json.dumps(dict(import_s=t1 - t0, open_s=t2 - t1, model_load_s=t3 - t2, first_queries_s=q, peak_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024,
                      engine=type(db.embedder.fn).__name__)))
'''

BUILD = r'''
import sys, numpy as np
from neural_audio_fp.db.database import FingerprintDB, checkpoint_embedder
rng = np.random.default_rng(0)
songs = {f'song{i}': (0.3*np.sin(np.cumsum(2*np.pi*rng.uniform(100, 1000, 8000*30)/8000))).astype(np.float32) for i in range(4)}
FingerprintDB.create(sys.argv[1], checkpoint_embedder()).add_audio(songs)
'''

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--db', default=None, help='an existing DB (default: build a small one)')
    p.add_argument('--engines', default='numpy,tensorflow', help='NAFP_ENGINE values to time, each in a fresh process')
    a = p.parse_args()
    os.environ.setdefault('NAFP_NO_PROGRESS', '1'); os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
    db = a.db
    if db is None:     # built in a child too: a child of a process that loaded TensorFlow would report its peak memory
        db = Path(tempfile.mkdtemp())/'db'
        subprocess.run([sys.executable, '-c', BUILD, str(db)], check=True, capture_output=True)
    for eng in a.engines.split(','):
        r = json.loads(subprocess.run([sys.executable, '-c', CHILD, str(db)], capture_output=True, text=True, check=True,
                                      env={**os.environ, 'NAFP_ENGINE': eng}).stdout.strip().splitlines()[-1])
        print(f"{eng:>10} ({r['engine']}): import {r['import_s']:.2f} s, open DB {r['open_s']:.3f} s, load + warm model and index {r['model_load_s']:.2f} s, "
              f"first queries (1, 5, 10 s) {', '.join(f'{1000*t:.0f} ms' for t in r['first_queries_s'])}, peak {r['peak_mb']:.0f} MB", flush=True)

if __name__ == '__main__': main()
