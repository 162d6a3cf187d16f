"`pip install neural_audio_fp` without extras: a database built and queried with the shipped model, with no TensorFlow."
import os, subprocess, sys
from pathlib import Path
import numpy as np, pytest, soundfile as sf

EXTRAS_ONLY = ('tensorflow', 'keras', 'tensorflow_io', 'music21', 'pretty_midi', 'pyroomacoustics', 'librosa', 'pymilvus')

# run first in each process: importing any module of an extra fails as if it were not installed
BLOCK = f"""
import sys, importlib.abc
class _NotInstalled(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in {EXTRAS_ONLY!r}: raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
sys.meta_path.insert(0, _NotInstalled())
"""
MAIN = "from neural_audio_fp.cli.commands import main; rc = main(sys.argv[1:])\n"

def nafp(*args, cwd, base=True, env=None):
    "`nafp ARGS` in a fresh process; `base`: as installed without extras."
    code = (BLOCK if base else 'import sys\n') + MAIN + f"assert not {base} or not set({EXTRAS_ONLY!r}) & set(sys.modules)\nsys.exit(rc)"
    run_env = {k: v for k, v in os.environ.items() if k != 'NAFP_ENGINE'}    # the engine by its rule unless `env` names one
    run_env.update(NAFP_NO_PROGRESS='1', XDG_CACHE_HOME=str(Path(cwd)/'cache'), **(env or {}))
    return subprocess.run([sys.executable, '-c', code, *map(str, args)], capture_output=True, text=True, cwd=cwd, env=run_env, timeout=600)

def song(seed, sec=8., sr=8000):
    rng = np.random.default_rng(seed); n = int(.25*sr); t = np.arange(n)/sr
    notes = [np.sin(2*np.pi*f*t)*np.hanning(n) for f in 110*2**(rng.integers(0, 36, int(sec*4))/12)]
    return (0.3*np.concatenate(notes)).astype(np.float32)

@pytest.fixture(scope='module')
def music(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('base')
    (tmp/'music').mkdir()
    for i in range(3): sf.write(tmp/'music'/f'song{i}.wav', song(i), 8000)
    sf.write(tmp/'q.wav', song(1)[2*8000:6*8000], 8000)
    return tmp

def answer(tmp, db, base, env=None):
    r = nafp('index', 'build', db, '--source', tmp/'music', '--n_calib', '0', cwd=tmp, base=base, env=env)
    assert r.returncode == 0, r.stderr
    r = nafp('identify', tmp/'q.wav', '--db', db, cwd=tmp, base=base, env=env)
    assert r.returncode == 0, r.stderr
    return [l for l in r.stdout.splitlines() if l and not l.startswith('#')]

def test_identify_without_tensorflow_gives_the_answer_with_it(music):
    got = answer(music, 'db-base', base=True)
    assert len(got) == 1 and 'track 1 at 2.0 s' in got[0] and 'song1.wav' in got[0], got
    assert got == answer(music, 'db-tf', base=False)                                     # TensorFlow installed, NumPy engine (CPU)
    assert got == answer(music, 'db-keras', base=False, env={'NAFP_ENGINE': 'tensorflow'})   # the Keras model all along
    v = {db: np.fromfile(sorted((music/db).glob('v*/vectors.f32'))[-1], np.float32) for db in ('db-base', 'db-tf', 'db-keras')}
    assert len(v['db-base']) == 45*64 and np.array_equal(v['db-base'], v['db-tf'])        # 3 songs of 8 s: 15 fingerprints each
    np.testing.assert_allclose(v['db-base'], v['db-keras'], atol=1e-3)   # quiet frames amplify float32 rounding (1.2e-4 seen)

def test_a_database_made_with_tensorflow_is_queried_without_it(music):
    r = nafp('index', 'build', 'db-keras2', '--source', music/'music', '--n_calib', '0', cwd=music, base=False, env={'NAFP_ENGINE': 'tensorflow'})
    assert r.returncode == 0, r.stderr
    r = nafp('identify', music/'q.wav', '--db', 'db-keras2', cwd=music, base=True)
    assert r.returncode == 0 and 'track 1 at 2.0 s' in r.stdout, r.stdout + r.stderr

def test_calibration_and_training_name_their_extra(music):
    r = nafp('index', 'build', 'db-cal', '--source', music/'music', cwd=music)
    assert r.returncode == 0 and '3 tracks' in r.stdout, r.stderr
    assert "not calibrated (calibration needs music21: pip install 'neural_audio_fp[calibrate]')" in r.stderr, r.stderr
    r = nafp('identify', music/'q.wav', '--db', 'db-cal', cwd=music)
    assert r.returncode == 0 and 'track 1 at 2.0 s' in r.stdout, r.stdout + r.stderr
    r = nafp('index', 'calibrate', 'db-cal', cwd=music)
    assert (r.returncode, r.stderr.strip()) == (2, "nafp index calibrate: calibration needs music21: pip install 'neural_audio_fp[calibrate]'")
    r = nafp('train', 'run', '--config', 'tiny', cwd=music)
    assert (r.returncode, r.stderr.strip()) == (2, "nafp train: training needs TensorFlow: pip install 'neural_audio_fp[train]'")

def test_identification_imports_no_extra():
    "The import graph of identification, with every extra installed: none of them is loaded (`python -X importtime`)."
    mods = ('neural_audio_fp', 'neural_audio_fp.cli.identify', 'neural_audio_fp.identify.lookup', 'neural_audio_fp.db.database',
            'neural_audio_fp.model.checkpoint', 'neural_audio_fp.model.pretrained', 'neural_audio_fp.widgets.hits', 'neural_audio_fp.audio.io')
    r = subprocess.run([sys.executable, '-X', 'importtime', '-c', f"import {', '.join(mods)}"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    loaded = {l.split('|')[-1].strip().split('.')[0] for l in r.stderr.splitlines() if l.startswith('import time:') and '|' in l}
    assert 'neural_audio_fp' in loaded and not loaded & set(EXTRAS_ONLY), sorted(loaded & set(EXTRAS_ONLY))

def test_the_api_of_a_base_install():
    "The top-level names of identification and the widgets answer without the extras; a name of an extra says what is missing."
    code = BLOCK + """
import neural_audio_fp as nafp
assert nafp.FingerprintDB and nafp.identify and nafp.load_encoder and nafp.widgets.HitViewer and nafp.checkpoint_embedder
assert 'HitViewer' in dir(nafp.widgets) and 'aug_explorer' not in dir(nafp.widgets)
try: nafp.widgets.aug_explorer
except ModuleNotFoundError as e: print(nafp.core.missing_extra(e, 'the augmentation explorer'))
"""
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "the augmentation explorer needs TensorFlow: pip install 'neural_audio_fp[train]'", r.stdout
