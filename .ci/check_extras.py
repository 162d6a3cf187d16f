"""Resolve the base requirements together with each extra from package metadata alone.

Uses `uv pip compile` (no wheel is downloaded, so the CUDA wheels of the `gpu` extra cost
nothing), for Linux x86_64 and the minimum Python of settings.ini. Exits non-zero naming every
extra that cannot be resolved.
"""
import configparser, shlex, subprocess, sys, tempfile
from pathlib import Path

root = Path(__file__).resolve().parents[1]
cfg = configparser.ConfigParser(delimiters=['=']); cfg.read(root/'settings.ini', encoding='utf-8')
d = cfg['DEFAULT']
reqs = lambda k: shlex.split(d.get(k, ''))
train = reqs('calibrate_requirements') + reqs('train_requirements')
extras = {'base': [], 'calibrate': reqs('calibrate_requirements'), 'train': train, 'tfio': reqs('tfio_requirements'),
          'gpu': train + reqs('gpu_requirements'), 'milvus': reqs('milvus_requirements'),
          'milvus-server': reqs('milvus_requirements')+reqs('milvus_server_requirements'),
          'dev': train+reqs('tfio_requirements')+reqs('milvus_requirements')+reqs('dev_requirements')}  # as setup.py
failed = []
for name, extra in extras.items():
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp)/'requirements.in'; src.write_text('\n'.join(reqs('requirements') + extra) + '\n')
        r = subprocess.run(['uv', 'pip', 'compile', '--quiet', '--python-version', d['min_python'],
                            '--python-platform', 'x86_64-manylinux_2_28', str(src), '-o', str(Path(tmp)/'out.txt')],
                           capture_output=True, text=True)
        n = sum(1 for l in (Path(tmp)/'out.txt').read_text().splitlines() if l and not l.startswith((' ', '#'))) if r.returncode == 0 else 0
    print(f"extra [{name}]: " + (f"resolves ({n} packages)" if r.returncode == 0 else "DOES NOT RESOLVE\n" + r.stderr.strip()))
    if r.returncode: failed.append(name)
sys.exit(1 if failed else 0)
