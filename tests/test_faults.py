"""Fault injection: bad audio of every kind, bad configurations, and `kill -9` of `nafp generate --source`.

Every case must end in a clear one-line error naming the culprit, or in a correct answer; no
command may print a Python traceback. The kill loop is slow (a few minutes): it runs only with the
project's `slow` flag, `pytest tests/test_faults.py -n 0 --flags slow`. The figures (kills survived
out of tried, operations run concurrently, wrong answers, bytes lost, stray temporary folders,
tracebacks seen) are printed at the end of the run by conftest.py.
"""
import json, os, random, shutil, signal, subprocess, sys, tempfile, time
from pathlib import Path
import numpy as np
import pytest
import soundfile as sf
import soxr

NAFP = shutil.which('nafp') or 'nafp'
ENV = {**os.environ, 'NAFP_NO_PROGRESS': '1', 'TF_CPP_MIN_LOG_LEVEL': '2'}
FIGURES = {}

def nafp(*args, user:int=None, timeout:float=600, cwd=None):
    "Run `nafp ARGS` (as uid `user` if given); fail on any traceback."
    cmd = [NAFP, *map(str, args)]
    if user is not None: cmd = ['setpriv', f'--reuid={user}', f'--regid={user}', '--clear-groups', *cmd]
    r = subprocess.run(cmd, capture_output=True, text=True, env=ENV, timeout=timeout, cwd=cwd)
    FIGURES['commands'] = FIGURES.get('commands', 0) + 1
    FIGURES['tracebacks seen'] = FIGURES.get('tracebacks seen', 0) + ('Traceback' in r.stderr + r.stdout)
    assert 'Traceback' not in r.stderr + r.stdout, f"{cmd}:\n{r.stderr}"
    return r

def error_line(r, cmd:str)->str:
    "The single `nafp CMD: error: ...` line of a failed run; for identify of several queries, the line naming the failed one."
    lines = [l for l in r.stderr.splitlines() if l.startswith(f'nafp {cmd}: error:')]
    assert r.returncode == 2 and len(lines) == 1, r.stderr
    if cmd == 'identify' and 'queries could not be read' in lines[0]:
        per_file = [l for l in r.stderr.splitlines() if l.startswith('nafp identify: ') and not l.startswith('nafp identify: error:')]
        assert len(per_file) == 1, r.stderr
        return per_file[0]
    return lines[0]

# ---------------------------------------------------------------- bad audio
@pytest.fixture(scope='module')
def audio(tmp_path_factory):
    "A world-readable folder with three DB tracks and every kind of bad (and odd but valid) audio file."
    d = Path(tempfile.mkdtemp(prefix='nafp-faults-')); d.chmod(0o755)
    rng = np.random.default_rng(0)
    good = d/'good'; good.mkdir()
    tracks = [(.3 * rng.standard_normal(8000 * 6)).astype(np.float32) for _ in range(3)]
    for i, t in enumerate(tracks): sf.write(good/f't{i}.wav', t, 8000, subtype='FLOAT')
    b = d/'bad'; b.mkdir()
    t1, rnd = tracks[1], rng.bytes(6000)
    # name -> expected error text, or None: decodes to finite audio and identifies as track t1 at offset 0
    cases = {}
    def case(name, expect): cases[name] = expect; return b/name
    case('empty.wav', 'empty file (0 bytes)').write_bytes(b'')
    case('trunc.wav', 'not a valid WAV file').write_bytes((good/'t1.wav').read_bytes()[:30])
    case('half.wav', None).write_bytes((good/'t1.wav').read_bytes()[:8000 * 4 * 4])   # cut inside the data: 4 s left
    for ext in ('wav', 'mp3', 'ogg', 'flac'): case(f'random.{ext}', f'not a valid {ext.upper()} file').write_bytes(rnd)
    case('text.ogg', 'not a valid OGG file').write_text('hello, not audio\n' * 50)
    x = t1.copy(); x[1000] = np.nan; sf.write(case('nan.wav', 'NaN or infinite'), x, 8000, subtype='FLOAT')
    x = t1.copy(); x[5:9] = np.inf; x[9] = -np.inf; sf.write(case('inf.wav', '5 sample(s) are NaN or infinite'), x, 8000, subtype='DOUBLE')
    sf.write(case('zero.wav', 'contains no audio samples'), np.zeros(0, np.float32), 8000)
    sf.write(case('one.wav', 'shorter than one'), t1[:1], 8000, subtype='FLOAT')      # 1 sample: decodes, too short to identify
    sf.write(case('stereo44.wav', None), np.stack([soxr.resample(t1, 8000, 44100)] * 2, 1) * [1, .5], 44100, subtype='FLOAT')
    for rate, ext in ((11025, 'wav'), (44100, 'flac'), (96000, 'wav')):
        sf.write(case(f'r{rate}.{ext}', None), soxr.resample(t1, 8000, rate) * .9, rate)
    os.mkfifo(case('fifo.wav', 'is a FIFO (named pipe)'))
    case('folder.wav', 'is a folder, not an audio file').mkdir()
    os.symlink(b/'nowhere.wav', case('dangling.wav', 'no such audio file'))
    case('missing.wav', 'no such audio file')
    r = nafp('index', 'build', d/'db', '--source', good, '--checkpoint', 'random:0')
    assert r.returncode == 0, r.stderr
    for p in d.rglob('*'):
        if p.is_dir() and not p.is_symlink(): p.chmod(0o755)
    yield d, cases
    shutil.rmtree(d, ignore_errors=True)

def test_audio_reader_every_bad_kind(audio):
    "`load_audio` and `stream_audio`: an `AudioError` naming the file with the true reason, on one line; or finite audio."
    from neural_audio_fp.audio.io import load_audio
    from neural_audio_fp.audio.stream import stream_audio
    from neural_audio_fp.core import AudioError
    d, cases = audio
    for name, expect in cases.items():
        p = d/'bad'/name
        if expect is None or expect == 'shorter than one':
            x = load_audio(p); assert np.isfinite(x).all() and len(x)
            np.testing.assert_allclose(np.concatenate(list(stream_audio(p, block_s=1))), x, atol=1e-5)
            continue
        for f in (lambda: load_audio(p), lambda: list(stream_audio(p))):
            with pytest.raises(AudioError) as e: f()
            msg = str(e.value)
            assert msg.startswith(str(p)) and expect in msg and '\n' not in msg, msg
            assert 'possibly a pipe' not in msg

# identify takes files and folders: what it says where its answer differs from the audio reader's
IDENTIFY_SAYS = {'folder.wav': 'a folder with no audio files', 'dangling.wav': 'no such file or folder', 'missing.wav': 'no such file or folder'}

def test_identify_every_bad_kind(audio, capsys):
    "`nafp identify` on each file: a one-line error naming it, or the right track at a possible offset."
    from neural_audio_fp.cli.commands import main
    d, cases = audio
    n_err = 0
    for name, expect in cases.items():
        if name == 'fifo.wav': continue   # identify reads a named pipe as a stream (tests/test_identify_cli.py); the reader's own check is above
        expect = IDENTIFY_SAYS.get(name, expect)
        p = d/'bad'/name
        rc = main(['identify', '--db', str(d/'db'), str(p), '--json'])       # the command, in this process: fast
        out, err = capsys.readouterr()
        if expect is None:
            assert rc == 0, err
            m = json.loads(out)[0]['matches'][0]
            assert Path(m['path']).name == 't1.wav' and 0 <= m['offset'] <= .5 and np.isfinite(m['score']), (name, m)
        else:
            lines = [l for l in err.splitlines() if l.startswith(f'nafp identify: error: {p}:')]   # one query: its own error, one line
            assert rc == 2 and len(lines) == 1 and expect in lines[0], err
            n_err += 1
    for name in ('random.mp3', 'nan.wav', 'folder.wav'):          # and as a user runs it
        p = d/'bad'/name
        line = error_line(nafp('identify', '--db', d/'db', p), 'identify')
        assert str(p) in line and IDENTIFY_SAYS.get(name, cases[name]) in line, line
    FIGURES['bad audio files -> one-line errors'] = n_err

def test_index_add_skips_bad_files(audio):
    "`nafp index add` of a folder of bad files: each skipped with a warning and counted, the valid ones added."
    d, cases = audio
    db = d/'db_add'; shutil.copytree(d/'db', db)
    r = nafp('index', 'add', db, d/'bad')
    assert r.returncode == 0, r.stderr
    listed = [n for n in cases if (d/'bad'/n).is_file() and not (d/'bad'/n).is_symlink() and not n.startswith('fifo')]
    n_bad = sum(cases[n] is not None for n in listed)   # the 1-sample file too: no segment
    assert f'{n_bad} unreadable' in r.stdout, r.stdout
    assert 'NaN' in r.stderr and 'nan.wav' in r.stderr
    r = nafp('identify', '--db', db, d/'good'/'t2.wav', '--json')
    m = json.loads(r.stdout)[0]['matches'][0]
    assert Path(m['path']).name == 't2.wav' and m['offset'] == 0, m

def test_unreadable_file_as_plain_user(audio):
    "A file the user may not read: a one-line 'cannot read it' error (run as uid 65534 when the tests run as root)."
    d, _ = audio
    p = d/'bad'/'locked.wav'; shutil.copy(d/'good'/'t0.wav', p); p.chmod(0)
    try:
        user = 65534 if os.geteuid() == 0 else None
        if user is not None and shutil.which('setpriv') is None: pytest.skip('root without setpriv: cannot drop privileges')
        r = nafp('identify', '--db', d/'db', p, user=user)
        if user is not None and 'cannot read it' not in r.stderr and r.returncode != 2:
            pytest.skip(f'cannot run nafp as uid {user} here: {r.stderr[-300:]}')
        line = error_line(r, 'identify')
        assert str(p) in line and 'cannot read it (Permission denied)' in line, line
    finally: p.unlink()

# ---------------------------------------------------------------- bad configurations
BAD_CONFIGS = {  # file name -> (content, texts the error must contain)
    'neg_batch.yaml': ('BSZ:\n  TS_BATCH_SZ: -5\n', 'BSZ.TS_BATCH_SZ: -5 is out of range; allowed: >= 1'),
    'zero_batch.yaml': ('BSZ:\n  TS_BATCH_SZ: 0\n', 'BSZ.TS_BATCH_SZ: 0 is out of range; allowed: >= 1'),
    'list.yaml': ('- MODEL\n- BSZ\n', 'expected sections at the top level (SECTION: {KEY: value}), got a list'),
    'scalar.yaml': ('just words\n', 'expected sections at the top level (SECTION: {KEY: value}), got a str'),
    'neg_epoch.yaml': ('TRAIN:\n  MAX_EPOCH: -1\n', 'TRAIN.MAX_EPOCH: -1 is out of range; allowed: >= 1'),
    'neg_lr.yaml': ('TRAIN:\n  LR: -1\n', 'TRAIN.LR: -1.0 is out of range; allowed: > 0 and <= 10'),
    'nan_lr.yaml': ('TRAIN:\n  LR: .nan\n', 'TRAIN.LR: nan is not a finite number'),
    'zero_emb.yaml': ('MODEL:\n  EMB_SZ: 0\n', 'MODEL.EMB_SZ: 0 is out of range; allowed: >= 1'),
    'str_channels.yaml': ('MODEL:\n  CHANNELS: [a, b, c, d, e, f, g, h]\n', 'MODEL.CHANNELS: expected numbers'),
    'snr.yaml': ('TD_AUG:\n  TS_SNR: [10, 0]\n', 'TD_AUG.TS_SNR: expected [low, high]'),
    'float_batch.yaml': ('BSZ:\n  TS_BATCH_SZ: 1.5\n', 'BSZ.TS_BATCH_SZ: expected int'),
    'workers.yaml': ('DEVICE:\n  CPU_N_WORKERS: 0\n', 'DEVICE.CPU_N_WORKERS: 0 is out of range'),
    'prob.yaml': ('SPEC_AUG:\n  SPECAUG_PROBS: 2\n', 'SPEC_AUG.SPECAUG_PROBS: 2.0 is out of range; allowed: >= 0 and <= 1'),
    'section.yaml': ('TRAIN: 5\n', 'TRAIN: expected a mapping of keys'),
    'unknown.yaml': ('TRAIN:\n  MAX_EPOCHS: 3\n', 'unknown key TRAIN.MAX_EPOCHS'),
    'broken.yaml': ('MODEL: [\n', 'not valid YAML'),
    'binary.yaml': (b'\xff\xfe\x00\x81garbage', 'cannot read it'),
}

@pytest.fixture(scope='module')
def configs(tmp_path_factory):
    d = tmp_path_factory.mktemp('configs')
    for n, (text, _) in BAD_CONFIGS.items():
        (d/n).write_bytes(text if isinstance(text, bytes) else text.encode())
    (d/'folder.yaml').mkdir()
    return d

def test_bad_configs_are_one_line_errors(configs, capsys):
    "Each bad file: exit 2 and one line naming the file, the key, the value and the allowed range."
    from neural_audio_fp.cli.commands import main
    cases = {**{n: e for n, (_, e) in BAD_CONFIGS.items()}, 'folder.yaml': 'is not a regular file'}
    for n, expect in cases.items():
        assert main(['config', '--config', str(configs/n)]) == 2, n
        err = capsys.readouterr().err.strip()
        assert err.startswith('nafp config: error:') and '\n' not in err, err
        assert str(configs/n) in err and expect in err, err
    FIGURES['bad configs -> one-line errors'] = len(cases)

def test_bad_config_writes_nothing(configs, tmp_path):
    "A bad config fails before anything is written, so it cannot poison a later run of the same folders."
    src = tmp_path/'src'; src.mkdir()
    sf.write(src/'a.wav', np.zeros(16000, np.float32), 8000)
    for n in ('neg_batch.yaml', 'zero_batch.yaml', 'list.yaml'):
        r = nafp('generate', 'run', '--config', configs/n, '--source', src, '--output', tmp_path/'emb')
        assert str(configs/n) in error_line(r, 'generate')
    assert sorted(p.name for p in tmp_path.iterdir()) == ['src']

# ---------------------------------------------------------------- kill -9 of `nafp generate --source`
@pytest.fixture
def slow(request):
    "Skip unless the project's `slow` test flag is given (`pytest --flags slow`), as for notebook cells."
    if 'slow' not in request.config.getoption('--flags').split(): pytest.skip('slow: run with `--flags slow`')
def _tree(d:Path)->dict: return {p.relative_to(d).as_posix(): p.read_bytes() for p in sorted(d.rglob('*')) if p.is_file()}

def _stray(d:Path)->list: return [p.name for p in d.rglob('*') if p.name.startswith('.') or p.name.endswith('.tmp')]

def test_kill_generate_source_at_random_points(tmp_path, slow):
    "`nafp generate --source` killed (SIGKILL) at random moments after the source gained files; the resumed output equals a clean run byte for byte."
    code = ("import sys, tensorflow as tf\n"
            "from neural_audio_fp.config.base import load_config, save_config\n"
            "from neural_audio_fp.model.encoder import build_embedder\n"
            "from neural_audio_fp.train.loop import ckpt_dir\n"
            "cfg = load_config('tiny', {'DIR.LOG_ROOT_DIR': sys.argv[1], 'BSZ.TS_BATCH_SZ': 32})\n"
            "d = ckpt_dir(cfg.dir.log_root_dir, 'fresh'); save_config(cfg, d/'config.yaml')\n"
            "tf.train.Checkpoint(model=build_embedder(cfg.model).fingerprinter).save(str(d/'ckpt'))\n")
    subprocess.run([sys.executable, '-c', code, str(tmp_path/'logs')], check=True, env=ENV)
    (tmp_path/'bad.yaml').write_text('TRAIN:\n  MAX_EPOCH: -1\n')                # a bad config writes nothing (train too)
    r = nafp('train', 'fresh', '--config', tmp_path/'bad.yaml', '--log_root', tmp_path/'bad_logs')
    assert 'TRAIN.MAX_EPOCH: -1' in error_line(r, 'train') and not (tmp_path/'bad_logs').exists()
    src, rng = tmp_path/'src', np.random.default_rng(0)
    src.mkdir()
    for i in range(16): sf.write(src/f't{i:02d}.wav', (.3 * rng.standard_normal(int(8000 * rng.uniform(4, 12)))).astype(np.float32), 8000)
    def gen(out, wait=True):
        args = [NAFP, 'generate', 'fresh', '--config', str(tmp_path/'logs'/'checkpoint'/'fresh'/'config.yaml'), '--source', str(src), '--output', str(out), '--tracks_per_part', '2']
        p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
        if wait: o, e = p.communicate(timeout=600); assert p.returncode == 0 and 'Traceback' not in e, e
        return p
    hidden = sorted(src.iterdir())[-4:]
    for f in hidden: f.rename(tmp_path/f.name)                                # a first, complete run on 12 files
    base = tmp_path/'base'; gen(base)
    for f in hidden: (tmp_path/f.name).rename(src/f.name)                     # then the folder gains 4 files
    def wait_parts(p, d):
        "Wait until run `p` starts writing (its parts folder appears) or ends; the time waited."
        t0 = time.time()
        while p.poll() is None and not (d/'fresh'/'1'/'.custom_source.parts').exists(): time.sleep(.05)
        return time.time() - t0
    t0 = time.time(); p = gen(tmp_path/'clean', wait=False); t_start = wait_parts(p, tmp_path/'clean')
    o, e = p.communicate(timeout=600); t_run = time.time() - t0; assert p.returncode == 0, e
    clean = _tree(tmp_path/'clean'/'fresh'/'1')
    pdir = lambda d: d/'fresh'/'1'/'.custom_source.parts'
    def kill_somewhere(p, d):
        "SIGKILL run `p` during start-up, after a random number of finished parts, or while it assembles; True if it was killed."
        if random.random() < .25: time.sleep(random.uniform(.2, t_start))
        else:
            j = random.randint(0, 8)                                          # 16 files, 2 per part: 8 parts, then assembly
            while p.poll() is None and not (pdir(d).exists() and len(list(pdir(d).glob('part*.npz'))) >= j): time.sleep(.02)
            time.sleep(random.uniform(0, .3))
        if p.poll() is not None: return False
        p.send_signal(signal.SIGKILL); return True
    random.seed(0); rounds, tried, survived, runs_ok, tracebacks, lost, stray = 5, 0, 0, 0, 0, 0, 0
    out = tmp_path/'out'
    for k in range(rounds):                                                   # two kills in a row, then a resume
        if out.exists(): shutil.rmtree(out)
        shutil.copytree(base, out)                                            # 12-file outputs, 16-file folder
        killed = 0
        for _ in range(2):
            p = gen(out, wait=False); killed += kill_somewhere(p, out)
            o, e = p.communicate(); tracebacks += 'Traceback' in e
        r = gen(out, wait=False); o, e = r.communicate(timeout=600)          # resume
        tracebacks += 'Traceback' in e
        got = _tree(out/'fresh'/'1')
        lost += sum(len(v) for q, v in clean.items() if got.get(q) != v); stray += len(_stray(out))
        ok = r.returncode == 0 and got == clean and not _stray(out)
        tried += killed; runs_ok += ok; survived += killed * ok
    FIGURES.update({'kills survived / tried': f'{survived}/{tried}', 'bytes lost': lost})
    FIGURES['tracebacks seen'] = FIGURES.get('tracebacks seen', 0) + tracebacks
    FIGURES['stray temp dirs'] = FIGURES.get('stray temp dirs', 0) + stray
    print(f"\nkill -9 of `nafp generate --source`: {survived}/{tried} kills survived ({runs_ok}/{rounds} resumes to the clean bytes), "
          f"{tracebacks} tracebacks, {lost} bytes lost, {stray} stray temporaries (clean run {t_run:.1f} s, writing from {t_start:.1f} s)")
    assert tried >= rounds and survived == tried and runs_ok == rounds and tracebacks == 0 and lost == 0 and stray == 0

# ---------------------------------------------------------------- unreadable files given to `index add` / `index build`
def _stray_tmp(db:Path)->list: return sorted(p.name for p in db.rglob('*') if p.name.startswith('.tmp') or p.name.endswith('.tmp'))

def test_index_add_and_build_skip_an_unreadable_file(audio, tmp_path):
    "A file the user may not read: one warning line naming it and the fix, the others added, no traceback, no temporary left (as uid 65534 when root)."
    d, _ = audio
    user = 65534 if os.geteuid() == 0 else None
    if user is not None and shutil.which('setpriv') is None: pytest.skip('root without setpriv: cannot drop privileges')
    w = Path(tempfile.mkdtemp(prefix='nafp-locked-')); w.chmod(0o777)
    try:
        music = w/'music'; music.mkdir()
        sf.write(music/'a.wav', (.3 * np.random.default_rng(7).standard_normal(8000 * 5)).astype(np.float32), 8000); shutil.copy(d/'good'/'t1.wav', music/'locked.wav'); (music/'locked.wav').chmod(0)
        db = w/'db'; shutil.copytree(d/'db', db)
        for p in [w, *w.rglob('*')]: p.chmod(0o777 if p.is_dir() else 0o666 if p.name != 'locked.wav' else 0)
        r = nafp('index', 'add', db, music, '--n_calib', '0', user=user)
        if user is not None and r.returncode != 0 and 'locked.wav' not in r.stderr: pytest.skip(f'cannot run nafp as uid {user} here: {r.stderr[-300:]}')
        lines = [l for l in r.stderr.splitlines() if 'locked.wav' in l]
        assert r.returncode == 0 and len(lines) == 1, r.stderr
        assert 'cannot read it (Permission denied)' in lines[0] and 'read permission' in lines[0], lines
        assert '+1 tracks' in r.stdout and '1 already present' not in r.stdout and '1 unreadable' in r.stdout, r.stdout
        assert _stray_tmp(db) == []
        r = nafp('index', 'build', w/'db2', '--source', music, '--checkpoint', 'random:0', '--n_calib', '0', user=user)
        lines = [l for l in r.stderr.splitlines() if 'locked.wav' in l]
        assert r.returncode == 0 and len(lines) == 1 and 'cannot read it (Permission denied)' in lines[0], r.stderr
        assert '1 tracks' in r.stdout and '1 unreadable' in r.stdout and _stray_tmp(w/'db2') == [], r.stdout
        FIGURES['unreadable files -> one-line warnings'] = 2
    finally: shutil.rmtree(w, ignore_errors=True)

# ---------------------------------------------------------------- disk full
def test_disk_full_in_process(tmp_path):
    "A write failing with ENOSPC (as Python, NumPy or Faiss report it) at each step: one line, no temporary left, the DB as before."
    import errno
    from neural_audio_fp import db as dbm, dbstore
    from neural_audio_fp.core import DataError
    from neural_audio_fp.db.parts import random_embedder, FaissBackend
    fdb = dbm.FingerprintDB.create(tmp_path/'db', random_embedder(16), backend=dict(name='faiss', index_type='ivf'))
    rng = np.random.default_rng(0); tracks = {f'x{i}': (.3 * rng.standard_normal(8000 * 5)).astype(np.float32) for i in range(4)}
    fdb.add_audio(dict(list(tracks.items())[:2]))
    def full(*a, **k): raise OSError(errno.ENOSPC, 'No space left on device')
    def short(*a, **k): raise OSError('4096 requested and 1024 written')
    def faiss_full(*a, **k): raise RuntimeError("Error: 'ret == (size * 4)' failed: write error in index.faiss: 1 != 2 (No space left on device)")
    n = 0
    for target, fake in (('_write_meta', full), ('_fsync_dir', full), ('np.save', short), ('index', faiss_full)):
        before = (fdb.version, len(fdb))
        with pytest.MonkeyPatch.context() as m:
            if target == 'np.save': m.setattr(dbm.np, 'save', fake)
            elif target == 'index': m.setattr(FaissBackend, 'write', fake)
            else: m.setattr(dbstore, target, fake)
            with pytest.raises(DataError) as e: fdb.add_audio(dict(list(tracks.items())[2:]))
        assert str(e.value).startswith('disk full writing ') and str(e.value).endswith(': free space and re-run'), e.value
        assert '\n' not in str(e.value)
        assert _stray_tmp(tmp_path/'db') == [], _stray_tmp(tmp_path/'db')
        assert (dbm.FingerprintDB(tmp_path/'db').version, len(dbm.FingerprintDB(tmp_path/'db'))) == before
        n += 1
    assert fdb.add_audio(dict(list(tracks.items())[2:]))['added'] == 2           # space freed: the same call works
    FIGURES['disk-full writes (simulated) -> one-line errors'] = n

@pytest.fixture
def small_tmpfs(tmp_path):
    "A 3 MB tmpfs (root and `mount -t tmpfs` allowed), else skip."
    if os.geteuid() != 0: pytest.skip('not root: cannot mount a tmpfs (the in-process ENOSPC test covers the code)')
    mnt = tmp_path/'mnt'; mnt.mkdir()
    r = subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', str(mnt)], capture_output=True, text=True)
    if r.returncode: pytest.skip(f'mount -t tmpfs failed: {r.stderr.strip()}')
    try: yield mnt
    finally: subprocess.run(['umount', '-l', str(mnt)])

def _fill(mnt:Path, leave:int):
    "Write a filler file leaving about `leave` bytes free on `mnt`."
    free = shutil.disk_usage(mnt).free
    with open(mnt/'filler', 'ab') as f: f.write(b'\0' * max(0, free - leave))

def test_disk_full_on_a_small_tmpfs(audio, small_tmpfs, tmp_path):
    "`index build` and `index add` on a full 3 MB tmpfs: one line each, no temporary left, no DB blocking a re-run, nothing lost once space is freed."
    d, _ = audio
    mnt, fails, stray, lost = small_tmpfs, 0, 0, 0
    music = tmp_path/'music'; music.mkdir()
    rng = np.random.default_rng(1)
    for i in range(6): sf.write(music/f'm{i}.wav', (.3 * rng.standard_normal(8000 * 60)).astype(np.float32), 8000)   # 6 min: 720 rows x 512 B
    for leave, index_type in ((0, 'l2'), (64 << 10, 'l2'), (200 << 10, 'ivf'), (330 << 10, 'l2')):
        _fill(mnt, leave)
        r = nafp('index', 'build', mnt/'db', '--source', music, '--checkpoint', 'random:0', '--index_type', index_type, '--n_calib', '0')
        line = error_line(r, 'index build')
        assert line.startswith('nafp index build: error: disk full writing ') and line.endswith(': free space and re-run'), r.stderr
        fails += 1; stray += len(_stray_tmp(mnt))
        assert not (mnt/'db').exists() or not (mnt/'db'/'CURRENT').exists(), sorted(p.name for p in (mnt/'db').iterdir())
        (mnt/'filler').unlink()
    r = nafp('index', 'build', mnt/'db', '--source', music, '--checkpoint', 'random:0', '--n_calib', '0')      # space freed: the re-run builds
    assert r.returncode == 0 and '6 tracks' in r.stdout, r.stderr
    sf.write(tmp_path/'new.wav', (.3 * rng.standard_normal(8000 * 60)).astype(np.float32), 8000)
    before = (mnt/'db'/'CURRENT').read_text(), {p.name: p.read_bytes() for p in (mnt/'db'/(mnt/'db'/'CURRENT').read_text().strip()).iterdir()}
    for leave in (0, 100 << 10, 300 << 10):                                    # the new version needs ~430 KB
        _fill(mnt, leave)
        line = error_line(nafp('index', 'add', mnt/'db', tmp_path/'new.wav', '--n_calib', '0'), 'index add')
        assert 'disk full writing ' in line and line.endswith(': free space and re-run'), line
        fails += 1; stray += len(_stray_tmp(mnt))
        v = (mnt/'db'/'CURRENT').read_text()
        now = {p.name: p.read_bytes() for p in (mnt/'db'/v.strip()).iterdir()}
        lost += sum(len(b) for k, b in before[1].items() if now.get(k) != b)
        assert (v, now) == before        # the live version untouched
        (mnt/'filler').unlink()
    r = nafp('index', 'add', mnt/'db', tmp_path/'new.wav', '--n_calib', '0')
    assert r.returncode == 0 and '+1 tracks' in r.stdout, r.stderr
    r = nafp('identify', '--db', mnt/'db', tmp_path/'new.wav', '--json')
    assert Path(json.loads(r.stdout)[0]['matches'][0]['path']).name == 'new.wav'
    FIGURES['disk full (3 MB tmpfs) -> one-line errors'] = fails
    FIGURES['bytes lost'] = FIGURES.get('bytes lost', 0) + lost
    FIGURES['stray temp dirs'] = FIGURES.get('stray temp dirs', 0) + stray
    assert stray == 0

def test_build_again_after_an_interrupted_build(tmp_path):
    "A build killed after creating its empty DB does not block the next `index build` of the same folder."
    from neural_audio_fp.db.database import FingerprintDB
    from neural_audio_fp.db.parts import checkpoint_embedder
    FingerprintDB.create(tmp_path/'db', checkpoint_embedder('random:0'))       # what a build killed during its add leaves
    (tmp_path/'db'/'.tmp-v000002-12345').mkdir()
    src = tmp_path/'src'; src.mkdir(); sf.write(src/'a.wav', (.3 * np.random.default_rng(0).standard_normal(8000 * 4)).astype(np.float32), 8000)
    r = nafp('index', 'build', tmp_path/'db', '--source', src, '--checkpoint', 'random:0', '--n_calib', '0')
    assert r.returncode == 0 and 'an empty database left by an interrupted build: building it anew' in r.stderr and '1 tracks' in r.stdout, r.stderr
    assert _stray_tmp(tmp_path/'db') == []
    r = nafp('index', 'build', tmp_path/'db', '--source', src, '--checkpoint', 'random:0', '--n_calib', '0')
    assert 'already a fingerprint database' in error_line(r, 'index build')   # a DB with tracks is never replaced

# ---------------------------------------------------------------- readers while writers commit
def test_readers_while_writers_commit(tmp_path):
    "Threads open the DB and search while another commits add/remove in a loop (a few seconds): every answer right, no 'build one first'."
    import threading
    from neural_audio_fp.db.database import FingerprintDB
    from neural_audio_fp.db.parts import random_embedder
    e, rng = random_embedder(16), np.random.default_rng(0)
    stable = {f's{i}': (.3 * rng.standard_normal(8000 * 4)).astype(np.float32) for i in range(6)}
    extra = {'x': (.3 * rng.standard_normal(8000 * 4)).astype(np.float32)}
    db = FingerprintDB.create(tmp_path/'db', e, backend=dict(name='faiss', index_type='ivf', nprobe=64)); db.add_audio(stable)
    probe = {k: e(np.stack([v[8000:16000]]))[0] for k, v in stable.items()}
    stop, ops, wrong, errors = time.time() + 4, [0], [0], []
    def writer():
        w = FingerprintDB(tmp_path/'db', e)
        while time.time() < stop:
            w.add_audio(extra); w.remove('x'); ops[0] += 2
    def reader(seed):
        r = random.Random(seed)
        while time.time() < stop:
            k = r.choice(sorted(probe))
            try:
                f = FingerprintDB(tmp_path/'db', e)
                time.sleep(r.uniform(0, .03))             # a reader loads its model before its first search
                _, ids = f.search(probe[k][None], 1)
                ok = f.tracks[int(f.rows['track'][ids[0, 0]])]['path'] == k
            except Exception as x: ok = False; errors.append(f'{type(x).__name__}: {x}')
            ops[0] += 1; wrong[0] += not ok
    ts = [threading.Thread(target=writer)] + [threading.Thread(target=reader, args=(i,)) for i in range(3)]
    for t in ts: t.start()
    for t in ts: t.join()
    FIGURES['concurrent operations'] = FIGURES.get('concurrent operations', 0) + ops[0]
    FIGURES['wrong answers'] = FIGURES.get('wrong answers', 0) + wrong[0]
    print(f"\nreaders while a writer commits: {ops[0]} operations, {wrong[0]} wrong answers")
    assert wrong[0] == 0 and ops[0] > 20, errors[:3]
    assert _stray_tmp(tmp_path/'db') == []

# ---------------------------------------------------------------- hostile DB folders
def test_hostile_db_folders(audio, tmp_path, capsys):
    "CURRENT pointing outside, symbolic links, unknown or mistyped keys in meta.json and calibration.json: one line or a warning, never a traceback."
    from neural_audio_fp.cli.commands import main
    d, _ = audio
    from neural_audio_fp.core import logger, setup_logging
    setup_logging(); streams = [(h, h.stream) for h in logger.handlers]
    for h, _ in streams: h.stream = sys.stderr                             # warnings into this test's captured stderr
    try: _hostile_cases(d, tmp_path, capsys, main)
    finally:
        for h, st in streams: h.stream = st

def _hostile_cases(d, tmp_path, capsys, main):
    q = d/'good'/'t2.wav'
    outside = tmp_path/'outside'; shutil.copytree(d/'db', outside)           # readable data outside the DB folder
    def fresh():
        p = tmp_path/'db'; shutil.rmtree(p, ignore_errors=True); shutil.copytree(d/'db', p); return p, p/(p/'CURRENT').read_text().strip()
    def run(p): rc = main(['identify', '--db', str(p), str(q), '--json']); return rc, *capsys.readouterr()
    n = 0
    for how in ('absolute', 'dotdot', 'link', 'file link'):
        p, v = fresh()
        if how == 'absolute': (p/'CURRENT').write_text(str(outside/v.name))
        elif how == 'dotdot': (p/'CURRENT').write_text(f'../outside/{v.name}')
        elif how == 'link': shutil.rmtree(v); v.symlink_to(outside/v.name)
        else: (v/'rows.npy').unlink(); (v/'rows.npy').symlink_to(outside/v.name/'rows.npy')
        rc, out, err = run(p)
        lines = err.strip().splitlines()
        assert rc == 2 and len(lines) == 1 and 'refused' in lines[0] and 'Traceback' not in err, (how, err)
        n += 1
    p, v = fresh()
    m = json.loads((v/'meta.json').read_text()); (v/'meta.json').write_text(json.dumps({**m, 'evil': {'uri': 'http://127.0.0.1:1'}}))
    c = json.loads((p/'calibration.json').read_text()) if (p/'calibration.json').exists() else None
    rc, out, err = run(p)
    assert rc == 0 and "unknown key(s) 'evil' ignored" in err and json.loads(out)[0]['matches'][0]['path'].endswith('t2.wav'), err
    for bad in ({**m, 'd': 'x'}, {**m, 'tracks': [{'id': 'zero'}]}, [1, 2], {**m, 'backend': {'name': 'faiss', 'index_type': 'l2', 'nprobe': 40, 'junk': 1}}):
        (v/'meta.json').write_text(json.dumps(bad))
        rc, out, err = run(p)
        assert 'Traceback' not in err and (rc == 2 and len(err.strip().splitlines()) == 1 or rc == 0 and 'ignored' in err), (bad, err)
        n += 1
    (v/'meta.json').write_text(json.dumps(m))
    (p/'calibration.json').write_text(json.dumps({**(c or {}), 'model_id': m['model_id'], 'surprise': 1}))
    rc, out, err = run(p)
    assert rc == 0 and 'Traceback' not in err and 'calibration.json' in err, err
    FIGURES['hostile DB folders -> one-line errors or warnings'] = n + 2

def noise_tracks(folder:Path, n:int=3, seed:int=0)->Path:
    "`folder` with `n` 4 s white-noise tracks 0.wav, 1.wav, ... (distinct enough for any embedder)."
    rng = np.random.default_rng(seed); folder.mkdir()
    for i in range(n): sf.write(folder/f'{i}.wav', (.3 * rng.standard_normal(8000 * 4)).astype(np.float32), 8000)
    return folder

def test_meta_json_names_no_server(tmp_path):
    "A DB folder whose meta.json names a Milvus server: never contacted, the token never sent; the user's server is used instead."
    import socket, threading
    pytest.importorskip('pymilvus')
    src = noise_tracks(tmp_path/'src')
    shared = str(tmp_path/'server.db')                                     # Milvus Lite file standing for the user's server
    r = nafp('index', 'build', tmp_path/'db', '--source', src, '--checkpoint', 'random:0', '--n_calib', '0', '--backend', 'milvus', '--milvus_uri', shared)
    assert r.returncode == 0, r.stderr                                     # (in a child: Milvus Lite serves a file to one process at a time)
    v = tmp_path/'db'/(tmp_path/'db'/'CURRENT').read_text().strip()
    m = json.loads((v/'meta.json').read_text())
    assert 'uri' not in m['backend'] and m['backend']['server'] is True and len(m['backend']['owner']) == 32
    lsn = socket.socket(); lsn.bind(('127.0.0.1', 0)); lsn.listen(5); lsn.settimeout(.2)
    port, seen, stop = lsn.getsockname()[1], [], threading.Event()
    def listen():
        while not stop.is_set():
            try: conn, _ = lsn.accept(); conn.settimeout(1); seen.append(conn.recv(65536)); conn.close()
            except OSError: pass
    t = threading.Thread(target=listen); t.start()
    try:
        (v/'meta.json').write_text(json.dumps({**m, 'backend': {**{k: x for k, x in m['backend'].items() if k != 'server'}, 'uri': f'http://127.0.0.1:{port}'}}))
        env = {**ENV, 'MILVUS_TOKEN': 'secret-token'}; env.pop('NAFP_MILVUS_URI', None)
        r = subprocess.run([NAFP, 'identify', '--db', str(tmp_path/'db'), str(src/'1.wav')], capture_output=True, text=True, env=env, timeout=300)
        assert r.returncode == 2 and 'Traceback' not in r.stderr and 'give the server with --milvus_uri' in r.stderr, r.stderr
        r = subprocess.run([NAFP, 'identify', '--db', str(tmp_path/'db'), str(src/'1.wav'), '--milvus_uri', shared, '--json'],
                           capture_output=True, text=True, env=env, timeout=300)
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout)[0]['matches'][0]['path'].endswith('1.wav')
    finally: stop.set(); t.join(); lsn.close()
    assert seen == [], seen                                                # nothing connected to the address in meta.json
    FIGURES['servers named by a DB folder contacted'] = len(seen)

def test_milvus_lite_concurrent_identify(tmp_path):
    "Three `nafp identify` at once on one Milvus Lite DB (a Lite file serves one process at a time): all answer, and rightly."
    pytest.importorskip('pymilvus')
    src = noise_tracks(tmp_path/'src', seed=3)
    nafp('index', 'build', tmp_path/'db', '--source', src, '--checkpoint', 'random:0', '--n_calib', '0', '--backend', 'milvus')
    procs = [subprocess.Popen([NAFP, 'identify', '--db', str(tmp_path/'db'), str(src/f'{i}.wav'), '--json'], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=ENV) for i in range(3)]
    outs = [p.communicate(timeout=600) for p in procs]
    for i, (p, (out, err)) in enumerate(zip(procs, outs)):
        assert p.returncode == 0 and 'Traceback' not in err, err
        assert json.loads(out)[0]['matches'][0]['path'].endswith(f'{i}.wav'), out
    FIGURES['concurrent operations'] = FIGURES.get('concurrent operations', 0) + 3

def _db_state(db:Path)->dict:
    "{sha1: fingerprint bytes} of the live version of DB folder `db`."
    from neural_audio_fp.db.database import FingerprintDB
    f = FingerprintDB(db)
    return {t['sha1']: np.asarray(f.vectors[t['row0']:t['row0'] + t['n_rows']]).tobytes() for t in f.tracks.values()}

def test_kill_index_add_and_remove_at_random_points(tmp_path, slow):
    "`nafp index add` and `nafp index remove` killed (SIGKILL) at random moments: the DB is the old or the new version, and the re-run ends where a clean run does."
    rng = np.random.default_rng(0); random.seed(1)
    music = tmp_path/'music'; music.mkdir()
    for i in range(12): sf.write(music/f'm{i:02d}.wav', (.3 * rng.standard_normal(int(8000 * rng.uniform(90, 240)))).astype(np.float32), 8000)
    first = tmp_path/'first'; first.mkdir()
    for f in sorted(music.iterdir())[:4]: shutil.copy(f, first/f.name)
    base = tmp_path/'base'
    assert nafp('index', 'build', base, '--source', first, '--checkpoint', 'random:0', '--n_calib', '0').returncode == 0
    clean = tmp_path/'clean'; shutil.copytree(base, clean)
    t0 = time.time(); assert nafp('index', 'add', clean, music, '--n_calib', '0').returncode == 0; t_add = time.time() - t0
    gone = music/'m05.wav'
    after_add = _db_state(clean)
    t0 = time.time(); assert nafp('index', 'remove', clean, gone, '--n_calib', '0').returncode == 0; t_rm = time.time() - t0
    after_rm, before = _db_state(clean), _db_state(base)
    writing = [0]
    def killed_run(args, t_max):
        "Run nafp ARGS and SIGKILL it at a random moment, or (half the time) while it writes its new version; (killed, traceback seen)."
        db = Path(args[2])
        p = subprocess.Popen([NAFP, *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
        if random.random() < .5:
            while p.poll() is None and not any(db.glob('.tmp-v*')): time.sleep(.002)
            time.sleep(random.uniform(0, .01))
        else: time.sleep(random.uniform(.1, t_max))
        k = p.poll() is None
        if k: writing[0] += any(db.glob('.tmp-v*')); p.send_signal(signal.SIGKILL)
        o, e = p.communicate(); return k, 'Traceback' in e
    rounds, tried, survived, tracebacks, lost, stray = 8, 0, 0, 0, 0, 0
    for k in range(rounds):
        db = tmp_path/'db'; shutil.rmtree(db, ignore_errors=True); shutil.copytree(base, db)
        kd, tb = killed_run(['index', 'add', db, music, '--n_calib', '0'], t_add); tracebacks += tb
        ok = _db_state(db) in (before, after_add)                              # old or new version, never a mix
        r = nafp('index', 'add', db, music, '--n_calib', '0')                 # re-run
        got = _db_state(db); lost += sum(len(v) for h, v in after_add.items() if got.get(h) != v)
        ok &= r.returncode == 0 and got == after_add
        tried += kd; survived += kd * ok
        kd, tb = killed_run(['index', 'remove', db, gone, '--n_calib', '0'], t_rm); tracebacks += tb
        st = _db_state(db); ok = st in (after_add, after_rm)
        if st == after_add: ok &= nafp('index', 'remove', db, gone, '--n_calib', '0').returncode == 0
        else: nafp('index', 'add', db, first, '--n_calib', '0')                   # any later write collects leftovers
        got = _db_state(db); lost += sum(len(v) for h, v in after_rm.items() if got.get(h) != v)
        ok &= got == after_rm; stray += len(_stray_tmp(db))
        tried += kd; survived += kd * ok
    FIGURES['index add/remove kills survived / tried'] = f'{survived}/{tried} ({writing[0]} while a new version was being written)'
    FIGURES['bytes lost'] = FIGURES.get('bytes lost', 0) + lost
    FIGURES['stray temp dirs'] = FIGURES.get('stray temp dirs', 0) + stray
    FIGURES['tracebacks seen'] = FIGURES.get('tracebacks seen', 0) + tracebacks
    print(f"\nkill -9 of `nafp index add/remove`: {survived}/{tried} kills survived ({writing[0]} during a write), {lost} bytes lost, {stray} stray temporaries, "
          f"{tracebacks} tracebacks (clean add {t_add:.1f} s, remove {t_rm:.1f} s)")
    assert tried >= rounds and survived == tried and lost == 0 and stray == 0 and tracebacks == 0

def teardown_module(module):
    "Hand the figures to the run's summary (conftest.py prints them at the end, also under pytest-xdist), or print them."
    FIGURES.setdefault('tracebacks seen', 0)
    out = os.environ.get('NAFP_FIGURES')
    if out and Path(out).is_dir(): (Path(out)/f'{os.getpid()}.json').write_text(json.dumps(FIGURES))
    else: print('\nfault-injection figures: ' + ', '.join(f'{k}: {v}' for k, v in FIGURES.items()))
