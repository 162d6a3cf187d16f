"The installed `nafp` command, run as a user would run it."
import os, re, shlex, subprocess, sys, functools
import numpy as np
import pytest

def nafp(*args, cwd=None, quiet_env=True):
    "Run `nafp ARGS`; with `quiet_env` as from a plain shell (no TF_CPP_MIN_LOG_LEVEL, no progress bars)."
    env = {k: v for k, v in os.environ.items() if k != 'TF_CPP_MIN_LOG_LEVEL'}
    env['NAFP_NO_PROGRESS'] = '1'
    return subprocess.run(['nafp', *map(str, args)], capture_output=True, text=True, timeout=300, cwd=cwd, env=env)

@functools.cache
def help_of(cmd:str):
    "`nafp CMD --help`, run once per test session (`train` imports TensorFlow)."
    return nafp(*cmd.split(), '--help')

# start-up notices of TensorFlow, oneDNN, absl, Faiss, and our own CPU-only Faiss notice
NOISE = re.compile(r'cpu_feature_guard|oneDNN|absl|This TensorFlow binary|Loading faiss|GPU not available|'
                   r'^[IWE]\d{4} |^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: [IWE] ', re.M)
LONG_FLOAT = re.compile(r'\d\.\d{4,}')  # messages round their numbers

def test_help_lists_commands_without_heavy_imports():
    r = nafp('--help')
    assert r.returncode == 0 and 'commands:' in r.stdout and 'config' in r.stdout
    # `nafp --help` stays instant: the dispatcher imports no TensorFlow, Faiss or librosa
    code = ("import sys, contextlib, io; from neural_audio_fp.cli.commands import main\n"
            "with contextlib.redirect_stdout(io.StringIO()): main(['--help'])\n"
            "print(sorted(m for m in ('tensorflow', 'faiss', 'librosa') if m in sys.modules))")
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=120)
    assert r.stdout.strip() == '[]', r.stdout + r.stderr

def test_unknown_command_fails():
    r = nafp('frobnicate')
    assert r.returncode == 2 and "unknown command 'frobnicate'" in r.stderr and 'commands:' in r.stderr

@pytest.mark.parametrize('group, subs', [('index', ('build', 'add', 'remove', 'info', 'calibrate')),
                                         ('dataset', ('build', 'check'))])
def test_group_alone_lists_its_subcommands(group, subs):
    for args in ((group,), (group, '--help')):
        r = nafp(*args)
        assert r.returncode == 0 and r.stderr == '', r.stderr
        assert r.stdout.startswith(f'usage: nafp {group} SUBCOMMAND'), r.stdout
        for s in subs: assert f'  {group} {s} ' in r.stdout, (s, r.stdout)
        assert 'unknown command' not in r.stdout and 'generate' not in r.stdout
    r = nafp(group, 'frob')
    assert r.returncode == 2 and f"unknown command '{group} frob'" in r.stderr and f'  {group} {subs[0]} ' in r.stderr

_re_native_log = re.compile(r'^(WARNING: All log messages before absl::InitializeLog\(\)|[IWE]\d{4} [\d:.]+ +\d+ \w+\.cc:\d+\])')

def without_native_log(err:str)->str:
    "`err` without TensorFlow's own C++ log lines (TensorFlow 2.21 prints them on import whatever TF_CPP_MIN_LOG_LEVEL says)."
    return ''.join(l for l in err.splitlines(keepends=True) if not _re_native_log.match(l))

def test_without_native_log():
    err = ('WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n'
           'I0000 00:00:1796689610.676995    6385 cudart_stub.cc:31] Could not find cuda drivers on your machine, GPU will not be used.\n')
    assert without_native_log(err) == '' and without_native_log(err + 'nafp: bad\n') == 'nafp: bad\n'

@pytest.mark.parametrize('cmd', ['config', 'train', 'generate', 'evaluate'])
def test_short_config_option_is_in_the_usage(cmd):
    r = help_of(cmd)
    assert r.returncode == 0 and without_native_log(r.stderr) == '', r.stderr
    assert '[-c CONFIG]' in r.stdout and re.search(r'-c( CONFIG)?, --config CONFIG', r.stdout), r.stdout   # Python 3.13's argparse: `-c, --config CONFIG`

def test_config_prints_resolved_preset():
    for opt in ('--config', '-c'):
        r = nafp('config', opt, 'tiny')
        assert r.returncode == 0 and 'EMB_SZ: 64' in r.stdout and 'SPEC_AUG:' in r.stdout

def test_bad_config_is_a_clear_error():
    r = nafp('config', '--config', 'nope')
    assert r.returncode == 2 and "unknown config 'nope'" in r.stderr and 'Traceback' not in r.stderr

def _options(help_text:str)->dict:
    "{'--opt': help} of the options section of an argparse help (continuation lines joined)."
    opts, cur = {}, None
    for ln in help_text.split('options:', 1)[1].splitlines():
        m = re.match(r'  (?:-\w(?: [A-Z_]+)?, )?(--\w+)(?: [A-Z_]+)?(?:\s{2,}(.*))?$', ln)
        if m: cur = m.group(1); opts[cur] = (m.group(2) or '').strip()
        elif cur and ln.strip(): opts[cur] += ' ' + ln.strip()
    return opts

@pytest.mark.parametrize('cmd', ['generate', 'evaluate', 'train', 'config', 'demo'])
def test_every_option_has_help(cmd):
    r = help_of(cmd)
    opts = _options(r.stdout)
    assert '--help' in opts and len(opts) >= 3, r.stdout
    for o, h in opts.items():
        words = re.sub(r'\(default: [^)]*\)', '', h).strip()
        assert len(words) >= 10, f"nafp {cmd} {o}: no help text ({h!r})"

@pytest.mark.parametrize('cmd', ['generate', 'evaluate', 'train', 'index build', 'identify'])
def test_log_root_on_every_command_that_reads_checkpoints(cmd):
    r = help_of(cmd)
    assert r.returncode == 0 and '--log_root LOG_ROOT' in r.stdout, r.stdout

def test_help_is_quiet():
    r = help_of('generate')
    assert r.returncode == 0 and r.stderr == '' and not NOISE.search(r.stdout), r.stdout + r.stderr

def _unit(x): return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)

def test_generate_and_evaluate_with_log_root_print_no_startup_notices(tmp_path):
    "The shipped model fingerprints a folder under --log_root; evaluate reads LOG_ROOT/emb: no TF/Faiss chatter."
    import soundfile as sf
    from neural_audio_fp.model.pretrained import install_pretrained
    from neural_audio_fp.search.generate import write_fingerprints
    logs, audio = tmp_path/'my logs', tmp_path/'audio'
    run, idx = install_pretrained('tiny', logs)
    audio.mkdir(); t = np.arange(3*8000)/8000
    for i, f0 in enumerate((220., 330.)): sf.write(audio/f'tone{i}.wav', (.3*np.sin(2*np.pi*f0*t*(1 + .1*t))).astype(np.float32), 8000)
    r = nafp('generate', run, '-c', 'tiny', '--log_root', logs, '--source', audio)
    assert r.returncode == 0, r.stderr
    out = logs/'emb'/run/str(idx)/'custom_source.mm'
    assert out.is_file() and f"custom_source: {out} (10 fingerprints)" in r.stdout, r.stdout
    assert not NOISE.search(r.stdout + r.stderr), r.stderr
    assert all(ln.startswith('[nafp] ') for ln in r.stderr.splitlines()), r.stderr
    assert not LONG_FLOAT.search(r.stdout + r.stderr), r.stdout + r.stderr
    # evaluate NAME --log_root finds LOG_ROOT/emb/NAME/<latest index>
    rng = np.random.default_rng(0)
    db = _unit(rng.standard_normal((300, 16))); dummy = _unit(rng.standard_normal((600, 16)))
    query = _unit(db + .3*rng.standard_normal(db.shape))
    tr, st = np.repeat(np.arange(10), 30), np.tile(np.arange(30)*.5, 10)
    d = logs/'emb'/'synth'/'3'
    for n, x, tk, s in (('db', db, tr, st), ('query', query, tr, st), ('dummy_db', dummy, np.repeat(np.arange(20), 30), np.tile(st[:30], 20))):
        write_fingerprints(d, n, [x], tk, s, [f'{n}{i}.wav' for i in range(tk.max() + 1)])
    r = nafp('evaluate', 'synth', '--log_root', logs, '--index_type', 'ivf', '--test_ids', '40', '--test_seq_len', '1 3')
    assert r.returncode == 0, r.stderr
    assert 'Top1 exact' in r.stdout and f'in {d}' in r.stdout and (d/'eval_ivf.csv').is_file(), r.stdout
    assert not NOISE.search(r.stdout + r.stderr), r.stderr
    assert all(ln.startswith('[nafp] ') for ln in r.stderr.splitlines()), r.stderr
    assert not LONG_FLOAT.search(r.stdout + r.stderr), r.stdout + r.stderr

def test_hint_runs_as_printed(tmp_path):
    "evaluate's 'run `nafp generate ...` first' names the same config and log root, and runs."
    logs = tmp_path/'a b'/'logs'
    r = nafp('evaluate', 'norun', '-c', 'tiny', '--log_root', logs)
    assert r.returncode == 2 and 'Traceback' not in r.stderr
    m = re.search(r'run `(nafp generate [^`]*)` first', r.stderr)
    assert m, r.stderr
    args = shlex.split(m.group(1))
    assert args == ['nafp', 'generate', 'norun', '-c', 'tiny', '--log_root', str(logs)], args
    r = nafp(*args[1:])  # as printed: it parses, and says what is missing next
    assert r.returncode == 2 and f"no checkpoint in {logs/'checkpoint'/'norun'}" in r.stderr, r.stderr

def test_misspelled_command_suggests_the_closest():
    r = nafp('identfy', 'x.wav', '--db', 'my-db')
    assert (r.returncode, r.stderr) == (2, "nafp: unknown command 'identfy'; did you mean 'identify'?\n"), r.stderr
    r = nafp('index', 'biuld', 'db')
    assert (r.returncode, r.stderr) == (2, "nafp: unknown command 'index biuld'; did you mean 'index build'?\n"), r.stderr

def test_identify_help_explains_the_output():
    r = help_of('identify')
    assert r.returncode == 0, r.stderr
    for s in ('accepted  confidence C  track ID at OFFSET s  NAME', 'not in the DB (best guess:', 'confidence: 0-1', 'rejected: the recording is most likely not in'):
        assert s in r.stdout, r.stdout
