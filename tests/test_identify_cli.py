"`nafp index build` + `nafp identify` as a new user runs them: shipped model, no log folder, no held-out songs."
import os, shutil, subprocess, threading
from pathlib import Path
import numpy as np, pytest, soundfile as sf

def nafp(*args, cwd=None, bars=False):
    env = {**os.environ, 'NAFP_NO_PROGRESS': '' if bars else '1'}
    return subprocess.run(['nafp', *map(str, args)], capture_output=True, text=True, cwd=cwd, env=env, timeout=600)

def song(seed, sec=12., sr=8000):
    rng = np.random.default_rng(seed); n = int(.25*sr); t = np.arange(n)/sr
    notes = [np.sin(2*np.pi*f*t)*np.hanning(n) for f in 110*2**(rng.integers(0, 36, int(sec*4))/12)]
    return (0.3*np.concatenate(notes)).astype(np.float32)

def matches(out):
    "The match lines of `nafp identify`'s text output, split into their tab-separated fields."
    return [l.split('\t') for l in out.splitlines() if l and not l.startswith(('#', ' '))]

@pytest.fixture(scope='module')
def moved_db(tmp_path_factory):
    "A DB built with every default (no --checkpoint, --log_root, --val), then moved to another folder."
    tmp = tmp_path_factory.mktemp('ident')
    (tmp/'music').mkdir(); (tmp/'build').mkdir()
    for i in range(4): sf.write(tmp/'music'/f'song{i}.wav', song(i), 8000)
    r = nafp('index', 'build', 'db', '--source', tmp/'music', '--n_calib', '4', '--n_neg', '4', cwd=tmp/'build')
    assert r.returncode == 0, r.stderr
    assert '4 tracks' in r.stdout and 'calibration for a false-positive rate of 1%' in r.stdout, r.stdout
    shutil.move(tmp/'build'/'db', tmp/'elsewhere')
    shutil.rmtree(tmp/'build')
    sf.write(tmp/'q.wav', song(2)[3*8000:8*8000], 8000)
    return tmp

def test_moved_db_identifies_from_another_folder(moved_db):
    (moved_db/'other').mkdir(exist_ok=True)
    r = nafp('identify', moved_db/'q.wav', '--db', moved_db/'elsewhere', cwd=moved_db/'other')
    assert r.returncode == 0, r.stderr
    (f, span, verdict, conf, where, name), = matches(r.stdout)
    assert (f, span, where, name) == (str(moved_db/'q.wav'), '0.0-5.0 s', 'track 2 at 3.0 s', 'song2.wav'), r.stdout
    assert verdict == 'accepted' and 0 <= float(conf.split()[1]) <= 1, r.stdout
    r = nafp('index', 'info', moved_db/'elsewhere', cwd=moved_db/'other')
    assert 'pretrained-tiny' in r.stdout and 'stored in the DB' in r.stdout and 'target false-positive rate 1%' in r.stdout, r.stdout

def test_mixed_good_and_bad_queries(moved_db):
    q = moved_db/'queries'; (q/'sub').mkdir(parents=True, exist_ok=True)
    sf.write(q/'sub'/'good.flac', song(1)[8000:6*8000], 8000)
    sf.write(q/'short.wav', song(1)[:3000], 8000)
    (q/'broken.wav').write_bytes(b'RIFF....not really a wave file')
    r = nafp('identify', moved_db/'q.wav', q, moved_db/'nothing.wav', '--db', moved_db/'elsewhere')
    assert r.returncode == 2, (r.stdout, r.stderr)
    got = {Path(m[0]).name: m for m in matches(r.stdout)}
    assert sorted(got) == ['good.flac', 'q.wav'], r.stdout           # every readable query is answered
    assert got['good.flac'][4] == 'track 1 at 1.0 s', r.stdout
    assert 'short.wav: shorter than one 1 s segment' in r.stderr, r.stderr
    assert 'broken.wav' in r.stderr and 'nothing.wav: no such file or folder' in r.stderr, r.stderr
    assert '3 of 5 queries could not be read' in r.stderr, r.stderr

def test_query_from_a_named_pipe(moved_db):
    fifo = moved_db/'pipe.wav'
    if fifo.exists(): fifo.unlink()
    os.mkfifo(fifo)
    def write():
        with open(fifo, 'wb') as f: sf.write(f, song(3)[2*8000:7*8000], 8000, format='WAV')
    t = threading.Thread(target=write, daemon=True); t.start()
    r = nafp('identify', fifo, '--db', moved_db/'elsewhere')
    t.join(5)
    assert r.returncode == 0, r.stderr
    assert matches(r.stdout)[0][4] == 'track 3 at 2.0 s', r.stdout

def test_tampered_model_is_refused(moved_db):
    bad = moved_db/'tampered'
    if not bad.exists(): shutil.copytree(moved_db/'elsewhere', bad)
    w = bad/'model'/'weights.data-00000-of-00001'
    b = bytearray(w.read_bytes()); b[len(b)//2] ^= 1; w.write_bytes(bytes(b))
    r = nafp('identify', moved_db/'q.wav', '--db', bad)
    assert r.returncode == 2, r.stdout
    assert 'weights.data-00000-of-00001: SHA-256 differs from model.json' in r.stderr, r.stderr

def test_phases_option(moved_db):
    "`--phases 1` searches on the DB's grid only (the original's way): same answer here; a hop that does not split into whole samples is refused."
    r = nafp('identify', moved_db/'q.wav', '--db', moved_db/'elsewhere', '--phases', '1')
    assert r.returncode == 0, r.stderr
    assert matches(r.stdout)[0][4:] == ['track 2 at 3.0 s', 'song2.wav'], r.stdout
    r = nafp('identify', moved_db/'q.wav', '--db', moved_db/'elsewhere', '--phases', '3')
    assert r.returncode != 0 and 'phases=3' in r.stderr and 'whole samples' in r.stderr, (r.stdout, r.stderr)

def test_identify_draws_no_progress_bar(moved_db):
    r = nafp('identify', moved_db/'q.wav', '--db', moved_db/'elsewhere', bars=True)
    assert r.returncode == 0 and r.stderr == '', r.stderr

def test_build_without_audio_makes_no_db(tmp_path):
    (tmp_path/'notes').mkdir(); (tmp_path/'notes'/'readme.txt').write_text('no music')
    r = nafp('index', 'build', 'db', '--source', 'notes', cwd=tmp_path)
    assert r.returncode == 2 and r.stderr == "nafp index build: error: notes: no audio files (wav, flac, ogg, mp3) in this folder: nothing to fingerprint, no database made\n", r.stderr
    assert not (tmp_path/'db').exists()

@pytest.fixture(scope='module')
def twin_db(tmp_path_factory):
    "A DB of untagged files that share a name: a/song.wav, b/song.wav, b/other.wav."
    tmp = tmp_path_factory.mktemp('twins')
    for i, f in enumerate(['a/song.wav', 'b/song.wav', 'b/other.wav']):
        (tmp/'music'/f).parent.mkdir(parents=True, exist_ok=True); sf.write(tmp/'music'/f, song(10 + i), 8000)
    r = nafp('index', 'build', 'db', '--source', 'music', '--n_calib', '3', '--n_neg', '4', cwd=tmp)
    assert r.returncode == 0, r.stderr
    return tmp

def test_untagged_files_told_apart_and_rejected_lines_say_so(twin_db):
    for i, name in enumerate(['a/song.wav', 'b/song.wav', 'other.wav']):
        sf.write(twin_db/f'q{i}.wav', song(10 + i)[2*8000:7*8000], 8000)
        r = nafp('identify', twin_db/f'q{i}.wav', '--db', twin_db/'db')
        (f, span, verdict, conf, where, nm), = matches(r.stdout)
        assert r.returncode == 0 and where.endswith(' at 2.0 s') and nm == name, r.stdout
    sf.write(twin_db/'unknown.wav', song(99)[:5*8000], 8000)
    r = nafp('identify', twin_db/'unknown.wav', '--db', twin_db/'db')
    (f, span, verdict, conf, answer), = matches(r.stdout)
    assert verdict == 'rejected' and answer.startswith('not in the DB (best guess: track '), r.stdout

def test_speeds_option(moved_db):
    "`--speeds 1` (its own speed only) gives the default's answer for a clip in the DB; a bad list is one line."
    got = [matches(nafp('identify', moved_db/'q.wav', '--db', moved_db/'elsewhere', *sp).stdout) for sp in ((), ('--speeds', '1'))]
    assert got[0] == got[1] and got[0][0][2:3] == ['accepted'], got
    r = nafp('identify', moved_db/'q.wav', '--db', moved_db/'elsewhere', '--speeds', '1,x')
    assert r.returncode == 2 and '--speeds 1,x: give stretch factors between 0.5 and 2' in r.stderr, r.stderr
