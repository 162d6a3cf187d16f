"`nafp evaluate` / `nafp generate` as a user runs them (subprocess)."
import os, sys, subprocess
import numpy as np
from neural_audio_fp.search.generate import write_fingerprints

def nafp(*args, cwd=None):
    env = {**os.environ, 'NAFP_NO_PROGRESS': '1'}
    return subprocess.run(['nafp', *args],
                          capture_output=True, text=True, cwd=cwd, env=env)

def _unit(x): return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)

def test_evaluate_cli(tmp_path):
    rng = np.random.default_rng(0)
    db = _unit(rng.standard_normal((300, 16))); dummy = _unit(rng.standard_normal((600, 16)))
    query = _unit(db + .3 * rng.standard_normal(db.shape))
    tr, st = np.repeat(np.arange(10), 30), np.tile(np.arange(30) * .5, 10)
    for n, x, t, s in (('db', db, tr, st), ('query', query, tr, st), ('dummy_db', dummy, np.repeat(np.arange(20), 30), np.tile(st[:30], 20))):
        write_fingerprints(tmp_path, n, [x], t, s, [f'{n}{i}.wav' for i in range(t.max() + 1)])
    r = nafp('evaluate', '--emb_dir', str(tmp_path), '--index_type', 'l2', '--nogpu', '--test_ids', '40', '--test_seq_len', '1 3')
    assert r.returncode == 0, r.stderr
    assert 'Top1 exact' in r.stdout and 'Top1 song' in r.stdout
    assert (tmp_path/'eval_l2.csv').is_file() and (tmp_path/'raw_score.npy').is_file()

def test_cli_errors(tmp_path):
    r = nafp('evaluate', '--config', 'tiny', cwd=tmp_path)
    assert r.returncode == 2 and 'checkpoint NAME or --emb_dir' in r.stderr
    r = nafp('evaluate', 'nosuchrun', '--config', 'tiny', cwd=tmp_path)
    assert r.returncode == 2 and 'run `nafp generate nosuchrun -c tiny` first' in r.stderr
    r = nafp('generate', 'nosuchrun', '--config', 'tiny', cwd=tmp_path)
    assert r.returncode == 2 and 'no checkpoint' in r.stderr
