"""The Milvus server mode against a real Milvus server process on the loopback address.

The `milvus` package (`pip install -e ".[milvus-server]"`) embeds a standalone Milvus server; the
test starts it in a child process with its data in a temporary folder, then builds, adds to,
removes from and identifies with a DB through its URI as a user would (the `nafp` commands),
stops the server in the middle of an `index add` and starts it again on the same data, and checks
that nothing was lost: the DB still answers from its last complete version, and the add, run
again, completes. Flagged `milvus` (a server start takes 10-30 s):

    pytest tests/test_milvus_server.py -n 0 --flags milvus
"""
import json, os, shutil, signal, socket, subprocess, sys, time
from pathlib import Path
import numpy as np
import pytest
import soundfile as sf

NAFP = shutil.which('nafp') or 'nafp'
SERVER = """
import signal, sys, time, warnings
warnings.simplefilter('ignore')
from milvus import default_server
default_server.set_base_dir(sys.argv[1])
def stop(*_): default_server.stop(); sys.exit(0)
signal.signal(signal.SIGTERM, stop)
default_server.start(); print('listening', default_server.listen_port, flush=True)
while True: time.sleep(1)
"""

@pytest.fixture
def milvus_flag(request):
    if 'milvus' not in request.config.getoption('--flags').split(): pytest.skip('milvus: run with `--flags milvus`')
    pytest.importorskip('milvus', reason='the standalone server: pip install -e ".[milvus-server]"')
    pytest.importorskip('pymilvus')

class Server:
    "A standalone Milvus server in a child process, its data kept in `base` across restarts."
    def __init__(self, base:Path): self.base, self.p = base, None
    def start(self, timeout:float=180):
        self.p = subprocess.Popen([sys.executable, '-c', SERVER, str(self.base)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        line = self.p.stdout.readline()
        assert line.startswith('listening'), line + self.p.stdout.read()
        self.uri = f"http://127.0.0.1:{line.split()[1]}"
        t0 = time.time()
        while time.time() - t0 < timeout:      # the port answers before the server serves: wait for a real call
            try:
                from pymilvus import MilvusClient
                MilvusClient(uri=self.uri).list_collections(); return self
            except Exception: time.sleep(1)
        raise RuntimeError('Milvus server did not come up')
    def stop(self):
        if self.p and self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try: self.p.wait(60)
            except subprocess.TimeoutExpired: self.p.kill(); self.p.wait()

def nafp(*args, uri:str, timeout:float=600):
    env = {**os.environ, 'NAFP_NO_PROGRESS': '1', 'TF_CPP_MIN_LOG_LEVEL': '2', 'NAFP_MILVUS_URI': uri}
    return subprocess.run([NAFP, *map(str, args)], capture_output=True, text=True, env=env, timeout=timeout)

def answers(db:Path, files:list, uri:str)->list:
    "(file name, best track's file name, offset) per query file."
    r = nafp('identify', '--db', db, *files, '--json', uri=uri)
    assert r.returncode == 0 and 'Traceback' not in r.stderr, r.stderr
    return [(Path(x['query']).name, Path(x['matches'][0]['path']).name, x['matches'][0]['offset']) for x in json.loads(r.stdout)]

def test_milvus_server(milvus_flag, tmp_path):
    with socket.socket() as s:
        if s.connect_ex(('127.0.0.1', 19530)) == 0: pytest.skip('port 19530 is taken: another Milvus server runs here')
    rng = np.random.default_rng(0)
    src, more = tmp_path/'src', tmp_path/'more'; src.mkdir(); more.mkdir()
    for i in range(4): sf.write(src/f'{i}.wav', (.3*rng.standard_normal(8000*6)).astype(np.float32), 8000)
    for i in range(4, 40): sf.write(more/f'{i}.wav', (.3*rng.standard_normal(8000*6)).astype(np.float32), 8000)
    srv = Server(tmp_path/'milvus-data').start()
    try:
        db = tmp_path/'db'
        r = nafp('index', 'build', db, '--source', src, '--checkpoint', 'random:0', '--n_calib', '0', '--backend', 'milvus', uri=srv.uri)
        assert r.returncode == 0 and 'Traceback' not in r.stderr, r.stderr
        meta = json.loads((db/(db/'CURRENT').read_text().strip()/'meta.json').read_text())
        assert meta['backend']['server'] is True and 'uri' not in meta['backend']      # the address is never stored in the DB
        queries = [src/f'{i}.wav' for i in range(4)]
        before = answers(db, queries, srv.uri)
        assert [b[1] for b in before] == [q.name for q in queries] and all(b[2] == 0 for b in before), before
        # the server stops in the middle of an add
        add = subprocess.Popen([NAFP, 'index', 'add', str(db), str(more), '--n_calib', '0'], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, 'NAFP_NO_PROGRESS': '1', 'TF_CPP_MIN_LOG_LEVEL': '2', 'NAFP_MILVUS_URI': srv.uri})
        time.sleep(4); srv.stop(); _, err = add.communicate(timeout=600)
        assert 'Traceback' not in err, err
        srv.start()                                                                   # same data folder
        after = answers(db, queries, srv.uri)
        assert after == before, (before, after)                                       # nothing lost: the last complete version answers
        r = nafp('index', 'add', db, more, '--n_calib', '0', uri=srv.uri)               # the add, again, completes
        assert r.returncode == 0 and 'Traceback' not in r.stderr, r.stderr
        assert answers(db, [more/'17.wav'], srv.uri)[0][1] == '17.wav'
        r = nafp('index', 'remove', db, src/'0.wav', '--n_calib', '0', uri=srv.uri)
        assert r.returncode == 0 and 'Traceback' not in r.stderr, r.stderr
        assert answers(db, queries[1:], srv.uri) == before[1:]
        info = nafp('index', 'info', db, uri=srv.uri); assert info.returncode == 0 and '39 tracks' in info.stdout, info.stdout + info.stderr
        from pymilvus import MilvusClient
        kept = sorted(json.loads((v/'meta.json').read_text())['backend']['collection_name'] for v in db.glob('v[0-9]*'))
        assert len(kept) == 2 and sorted(MilvusClient(uri=srv.uri).list_collections()) == kept   # the live and the previous version (for readers in flight); older ones dropped
    finally: srv.stop()
