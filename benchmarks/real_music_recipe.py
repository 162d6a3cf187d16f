"""Real-music corpus recipe: free music and ambience from Debian's archive, built into a corpus with `nafp dataset build`.

    python benchmarks/real_music_recipe.py WORK [--corpus DIR] [--dry_run]

Steps (each is skipped when its output exists, so a rerun resumes):
 (a) `apt-get download` + `dpkg -x` the packages below into WORK/debs and WORK/x/PKG (no install, no root);
 (b) render tracker modules (.it .xm .mod .s3m) to WAV with `openmpt123` (or `ffmpeg`) into WORK/x/PKG/_rendered/,
     and pull OpenArena's world ambiences out of its .pk3 archives into WORK/x/openarena-data/_pk3/
     (both stay below the package's usr/share/doc/PKG/copyright, so the manifest records package and licence);
 (c) pick the music (files in `music`/`musics` folders, rendered modules, a few named extras) and the recorded
     ambiences (rain, wind, water, birds, fire, crowds, machines: not short effects) into WORK/sel/{music,noise}/PKG
     as symbolic links;
 (d) run `nafp dataset build WORK/corpus` with whole packages on each side of the split (TEST, VAL below, TRAIN the
     rest; noise for test queries only from TEST packages, for training only from TRAIN packages) plus the default
     synthetic corpus;
 (e) print a table per package: files found, music picked / kept, duplicates dropped, minutes, noise clips, licence.
"""
import argparse, json, re, shutil, subprocess, sys, zipfile
from collections import defaultdict
from pathlib import Path

PACKAGES = ['fb-music-high', 'boswars-data', 'fillets-ng-data', 'supertuxkart-data', 'openarena-data', 'megaglest-data',
            'flare-game', 'extremetuxracer-data', 'neverball-data', 'pingus-data', 'ri-li-data', 'mu-cade-data', 'berusky-data',
            'garden-of-coloured-lights-data', 'lbreakout2-data', 'tecnoballz-data']
TEST = ['supertuxkart-data', 'megaglest-data', 'pingus-data']      # held-out test split (whole packages)
VAL = ['mu-cade-data', 'extremetuxracer-data']                      # validation split; every other package trains
AUDIO = ('.wav', '.ogg', '.flac', '.mp3')
MODULES = ('.it', '.xm', '.mod', '.s3m')
MIN_MUSIC, MIN_NOISE = 20., 5.   # seconds: shorter music is a jingle, shorter noise a sound effect
EXTRA_MUSIC = {'supertuxkart-data': ['usr/share/games/supertuxkart/data/tracks/*/*.ogg']}   # music kept beside the tracks
NOT_MUSIC = re.compile(r'speech|locomotive|ambient|_amb|wind', re.I)
AMBIENCE = re.compile(r'rain|wind|river|waterfall|water|bird|owl|crowd|restaurant|airport|night|day|ambien|_amb|'
                      r'environment|cave|droplet|drops|fire|lava|machine|drone|locomotive|static|forest|jungle|sea|ocean|hell', re.I)
NOT_NOISE = re.compile(r'speech|voice|explo|shot|hit|pain|moan|death|die|jump|click|select', re.I)


def sh(*cmd, **kw): return subprocess.run([str(c) for c in cmd], check=True, **kw)


def extract(work:Path, pkg:str)->Path:
    "(a) WORK/x/PKG from the .deb in WORK/debs (downloaded with apt-get when missing)."
    dest = work/'x'/pkg
    if dest.is_dir(): return dest
    debs = work/'debs'; debs.mkdir(parents=True, exist_ok=True)
    found = sorted(debs.glob(f'{pkg}_*.deb'))
    if not found:
        sh('apt-get', 'download', pkg, cwd=debs); found = sorted(debs.glob(f'{pkg}_*.deb'))
    tmp = dest.with_name(dest.name + '.tmp'); shutil.rmtree(tmp, ignore_errors=True)
    sh('dpkg', '-x', found[-1], tmp); tmp.rename(dest)
    return dest


def render_modules(root:Path)->list:
    "(b) Tracker modules below `root` rendered to 22.05 kHz mono WAV in root/_rendered (existing renders are kept)."
    out = []
    for m in sorted(p for p in root.rglob('*') if p.suffix.lower() in MODULES and p.is_file() and '_rendered' not in p.parts):
        wav = root/'_rendered'/m.relative_to(root).with_suffix(m.suffix + '.wav')
        if not wav.exists():
            wav.parent.mkdir(parents=True, exist_ok=True); tmp = wav.with_name('.tmp-' + wav.name)
            if shutil.which('openmpt123'):
                cmd = ['openmpt123', '--batch', '--quiet', '--samplerate', '22050', '--channels', '1', '--no-float', '--force', '-o', tmp, m]
            elif shutil.which('ffmpeg'): cmd = ['ffmpeg', '-loglevel', 'error', '-y', '-i', m, '-ac', '1', '-ar', '22050', tmp]
            else: print(f'  no openmpt123 or ffmpeg: {m.name} not rendered'); continue
            r = subprocess.run([str(c) for c in cmd], capture_output=True, timeout=600)
            if r.returncode or not tmp.exists() or tmp.stat().st_size < 1000:
                print(f'  cannot render {m.relative_to(root)} (not a playable module)'); tmp.unlink(missing_ok=True); continue
            tmp.rename(wav)
        out.append(wav)
    return out


def unpack_pk3(root:Path)->list:
    "(b) World ambiences (sound/world/...) from Quake-style .pk3 archives into root/_pk3."
    out = []
    for pk3 in sorted(root.rglob('*.pk3')):
        with zipfile.ZipFile(pk3) as z:
            for n in z.namelist():
                if n.lower().startswith('sound/world/') and n.lower().endswith(AUDIO):
                    dest = root/'_pk3'/pk3.stem/n
                    if not dest.exists():
                        dest.parent.mkdir(parents=True, exist_ok=True); tmp = dest.with_name('.tmp-' + dest.name)
                        tmp.write_bytes(z.read(n)); tmp.rename(dest)
                    out.append(dest)
    return out


def duration(p:Path)->float:
    import soundfile as sf
    try: i = sf.info(str(p)); return i.frames / i.samplerate
    except Exception: return 0.


def pick(root:Path, pkg:str)->tuple:
    "(c) `(all audio files, music files, noise files)` of one extracted package."
    files = sorted(p for p in root.rglob('*') if p.is_file() and p.suffix.lower() in AUDIO and '.tmp-' not in p.name)
    music, noise = [], []
    extra = {p for g in EXTRA_MUSIC.get(pkg, []) for p in root.glob(g)}
    for p in files:
        rel = p.relative_to(root).as_posix(); d = duration(p)
        in_music = bool({'music', 'musics'} & {s.lower() for s in p.parent.parts}) or '_rendered' in p.parts or p in extra
        if in_music and not NOT_MUSIC.search(p.name) and d >= MIN_MUSIC: music.append(p)
        elif d >= MIN_NOISE and AMBIENCE.search(rel) and not NOT_NOISE.search(p.name) and (not in_music or NOT_MUSIC.search(p.name)):
            noise.append(p)
    return files, music, noise


def link_all(files:list, folder:Path):
    "Symbolic links to `files` in a fresh `folder` (names made unique from the relative paths)."
    shutil.rmtree(folder, ignore_errors=True); folder.mkdir(parents=True)
    for f in files:
        name = re.sub(r'[^A-Za-z0-9._-]+', '_', '/'.join(f.parts[-3:]))
        (folder/name).symlink_to(f.resolve())


def table(work:Path, corpus:Path, found:dict):
    "(e) Per package: files found, music picked / kept, music duplicates dropped, minutes kept, noise kept, split, licence."
    man = json.loads((corpus/'manifest.json').read_text())
    kept = defaultdict(lambda: [0, 0., 0]); lic = {}
    for f in man['files'].values():
        if 'source_sha256' not in f: continue
        k = kept[f['package']]; lic[f['package']] = f.get('licence', '?')
        if f['kind'] == 'music': k[0] += 1; k[1] += f['duration'] / 60
        else: k[2] += 1
    from neural_audio_fp.corpus.realmusic import debian_licence
    for pkg in PACKAGES: lic.setdefault(pkg, debian_licence(work/'x'/pkg/'usr').get('licence', '-'))
    dropped = defaultdict(int)
    for d in man.get('real', {}).get('dropped', []): dropped[d['package']] += d['kind'] == 'music'
    print(f"\n{'package':32} {'split':5} {'files':>5} {'music':>5} {'kept':>4} {'dups':>4} {'min':>6} {'noise':>5}  licence")
    for pkg in PACKAGES:
        n_files, n_music, n_noise = found[pkg]
        side = 'test' if pkg in TEST else 'val' if pkg in VAL else 'train'
        k = kept[pkg]
        print(f"{pkg:32} {side:5} {n_files:5d} {n_music:5d} {k[0]:4d} {dropped[pkg]:4d} {k[1]:6.1f} {k[2]:5d}  {lic.get(pkg, '-')[:70]}")
    print(f"{'total':38} {sum(v[0] for v in found.values()):5d} {sum(v[1] for v in found.values()):5d} "
          f"{sum(k[0] for k in kept.values()):4d} {sum(dropped.values()):4d} {sum(k[1] for k in kept.values()):6.1f} {sum(k[2] for k in kept.values()):5d}")
    for d in man.get('real', {}).get('dropped', []):
        print(f"  duplicate: {Path(d['source']).name} ({d['package']}) shares {d['shared_s']} s with {Path(d['duplicate_of']).name}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('work', type=Path, help='work folder (debs/, x/, sel/ and by default corpus/ go there)')
    ap.add_argument('--corpus', type=Path, default=None, help='corpus folder (default: WORK/corpus)')
    ap.add_argument('--dry_run', action='store_true', help='stop after picking the files (no corpus build)')
    ap.add_argument('--workers', type=int, default=2, help='worker processes of the build')
    a = ap.parse_args()
    work = a.work.resolve(); corpus = (a.corpus or work/'corpus').resolve(); found = {}
    for pkg in PACKAGES:
        root = extract(work, pkg)
        render_modules(root); unpack_pk3(root)
        files, music, noise = pick(root, pkg)
        found[pkg] = (len(files), len(music), len(noise))
        link_all(music, work/'sel'/'music'/pkg); link_all(noise, work/'sel'/'noise'/pkg)
        print(f"{pkg}: {len(files)} audio files, {len(music)} music >= {MIN_MUSIC:g} s "
              f"({sum(map(duration, music)) / 60:.1f} min), {len(noise)} ambiences >= {MIN_NOISE:g} s")
    if a.dry_run: return
    cmd = ['nafp', 'dataset', 'build', corpus, '--min_dur', MIN_MUSIC, '--min_bg_dur', MIN_NOISE, '--workers', a.workers]
    for pkg in PACKAGES:
        side = 'test' if pkg in TEST else 'val' if pkg in VAL else 'train'
        if found[pkg][1]: cmd += [f'--{side}_music', work/'sel'/'music'/pkg]
        if found[pkg][2] and side != 'val': cmd += [f"--{side}_bg", work/'sel'/'noise'/pkg]
    print(' '.join(map(str, cmd)), flush=True)
    sh(*cmd)
    table(work, corpus, found)


if __name__ == '__main__': main()
