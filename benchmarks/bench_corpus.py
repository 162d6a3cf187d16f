"""Build the offline corpus at its default sizes and report build time, size on disk and files per folder.

    python benchmarks/bench_corpus.py [ROOT] [--workers N] [--keep]

Without ROOT the corpus goes to a temporary folder that is deleted afterwards (unless --keep).
A second, resumed build of the finished corpus is timed too (it only verifies checksums).
"""
import argparse, os, resource, shutil, tempfile, time
from pathlib import Path

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('root', nargs='?'); ap.add_argument('--workers', type=int, default=None)
    ap.add_argument('--keep', action='store_true')
    a = ap.parse_args()
    from neural_audio_fp.corpus.build import build_corpus, check_corpus, load_manifest
    from neural_audio_fp.core import setup_logging
    setup_logging()
    root = Path(a.root or tempfile.mkdtemp(prefix='nafp-corpus-'))
    try:
        cpu = lambda: sum(getattr(resource.getrusage(w), f) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
                          for f in ('ru_utime', 'ru_stime'))
        t, c = time.time(), cpu(); build_corpus(root, workers=a.workers); build_s, build_cpu = time.time() - t, cpu() - c
        t = time.time(); build_corpus(root, workers=a.workers); resume_s = time.time() - t
        t = time.time(); rep = check_corpus(root); check_s = time.time() - t
        size = sum(p.stat().st_size for p in root.rglob('*') if p.is_file())
        man = load_manifest(root)
        hours = sum(v['duration'] for v in man['files'].values() if v['kind'] == 'music') / 3600
        print(f"workers: {a.workers or min(2, os.cpu_count())}, cpus: {os.cpu_count()}")
        print(f"load average at the end: {os.getloadavg()[0]:.1f}   (the machine is shared: CPU time is the stable figure)")
        print(f"build: {build_s:.1f} s wall, {build_cpu:.1f} s CPU (all processes)   resume (nothing to do): {resume_s:.1f} s   check: {check_s:.1f} s")
        print(f"size on disk: {size / 2**20:.1f} MiB, {len(man['files'])} files, {hours:.2f} h of music")
        print(rep)
    finally:
        if not a.root and not a.keep: shutil.rmtree(root, ignore_errors=True)

if __name__ == '__main__': main()
