"`nafp dataset build` and `nafp dataset check` on a tiny corpus, run as a user would run them."
import subprocess, json, shutil
import soundfile as sf

def nafp(*args):
    return subprocess.run(['nafp', *args], capture_output=True, text=True, timeout=600)

def test_dataset_build_then_check(tmp_path):
    root = tmp_path/'corpus'
    r = nafp('dataset', 'build', str(root), '--n_train', '3', '--n_val', '2', '--n_test', '2', '--n_dummy', '2',
             '--n_bg', '2', '--n_ir', '2', '--dur', '10', '--workers', '1', '--seed', '3')
    assert r.returncode == 0, r.stderr
    assert 'OK' in r.stdout and 'music/train-3-10s: 3 files' in r.stdout
    man = json.loads((root/'manifest.json').read_text())
    # aug/speech holds n_speech clips where espeak-ng is installed (none without it)
    n_speech = sum(f.startswith('aug/speech/') for f in man['files'])
    assert n_speech == (man['params']['n_speech'] if shutil.which('espeak-ng') else 0), n_speech
    assert man['complete'] and man['params']['seed'] == 3 and len(man['files']) == 3 + 2 + 2*2 + 2 + 2 + 2 + n_speech
    q = root/'music/test-query-db-2-10s/query/000001.wav'
    assert sf.info(q).frames == sf.info(root/'music/test-query-db-2-10s/db/000001.wav').frames == 80000
    r = nafp('dataset', 'check', str(root))
    assert r.returncode == 0 and 'OK' in r.stdout, r.stdout + r.stderr
    # damage one file: the check names it and fails with exit code 2
    (root/'aug/ir/tr/0000.wav').write_bytes(b'not audio')
    r = nafp('dataset', 'check', str(root))
    assert r.returncode == 2, r.stdout
    assert 'aug/ir/tr/0000.wav' in r.stdout and 'unreadable' in r.stdout and 'problem' in r.stderr
    assert 'Traceback' not in r.stderr

def test_dataset_check_missing_folder(tmp_path):
    r = nafp('dataset', 'check', str(tmp_path/'nope'))
    assert r.returncode == 2 and 'folder not found' in r.stdout

def _write(path, x, sr=8000):
    path.parent.mkdir(parents=True, exist_ok=True); sf.write(path, x, sr)

def test_dataset_build_real_folders(tmp_path):
    "Real folders only (synthetic counts 0): split by folder and hash, a train copy of a test track dropped, check OK."
    import numpy as np
    from scipy.signal import lfilter
    rng = np.random.default_rng(0)
    music = [lfilter([1], [1, -.9 + .3 * k], rng.normal(0, .1, 8000 * 8)).astype('float32') * .2 for k in range(5)]
    from neural_audio_fp.audio.io import resample
    src = tmp_path/'src'
    for k in range(3): _write(src/'mine'/f'song {k}.flac', np.stack([resample(music[k], 8000, 16000)] * 2, 1), 16000)
    _write(src/'dev'/'v.ogg', resample(music[3], 8000, 22050), 22050)
    _write(src/'held'/'t.wav', music[4])
    _write(src/'held'/'copy of song 1.wav', music[1] * .5, 8000)
    for k, side in enumerate(('rain', 'rain', 'wind')): _write(src/side/f'n{k}.wav', rng.normal(0, .1, 8000 * 6))
    root = tmp_path/'corpus'
    args = ['dataset', 'build', str(root), '--n_train', '0', '--n_val', '0', '--n_test', '0', '--n_dummy', '0', '--n_bg', '0',
            '--n_ir', '2', '--n_speech', '0', '--workers', '1', '--min_dur', '5', '--val_frac', '0', '--test_frac', '0',
            '--music', str(src/'mine'), '--val_music', str(src/'dev'), '--test_music', str(src/'held'),
            '--train_bg', str(src/'rain'), '--test_bg', str(src/'wind')]
    r = nafp(*args)
    assert r.returncode == 0, r.stderr
    assert 'OK' in r.stdout and 'music/train-2-30s: 2 files' in r.stdout and 'music/test-query-db-2-30s/db: 2 files' in r.stdout, r.stdout
    assert 'duplicate dropped' in r.stdout and 'song 1.flac' in r.stdout, r.stdout
    man = json.loads((root/'manifest.json').read_text())
    real = [v for v in man['files'].values() if 'source_sha256' in v]
    assert sorted((v['kind'], v['split']) for v in real) == sorted([('music', 'train')] * 2 + [('music', 'val'), ('music', 'test'), ('music', 'test')]
                                                                   + [('bg', 'tr')] * 2 + [('bg', 'ts')])
    assert all(sf.info(root/k).samplerate == 8000 and sf.info(root/k).channels == 1 for k, v in man['files'].items())
    assert not list(root.glob('music/test-dummy-db-*'))
    assert nafp('dataset', 'check', str(root)).returncode == 0
    before = {p: p.stat().st_mtime_ns for p in root.rglob('*.wav')}
    r = nafp(*args)   # resumes: every file is complete, nothing is written again
    assert r.returncode == 0, r.stderr
    assert {p: p.stat().st_mtime_ns for p in root.rglob('*.wav')} == before

def test_dataset_build_help_every_option():
    "Every option of `nafp dataset build --help` has a help line."
    import re
    r = nafp('dataset', 'build', '--help')
    assert r.returncode == 0
    opts = re.findall(r'^\s+(--\w+) [A-Z_]+\s*(.*)$', r.stdout, re.M)
    assert len(opts) >= 20, r.stdout
    assert all(re.sub(r'\(default: [^)]*\)', '', h).strip() for o, h in opts), opts
