"""Real-music corpus recipe: free music and ambience from Debian's archive, plus synthesised babble, built into a corpus with `nafp dataset build`.

    python benchmarks/real_music_recipe.py WORK [--corpus DIR] [--dry_run] [--babble 120] [--bench_babble 40] [--workers 2]

Steps (each is skipped when its output exists, so a rerun resumes):
 (a) `apt-get download` + `dpkg -x` the packages below into WORK/debs and WORK/x/PKG (no install, no root);
 (b) render what is not plain audio into WORK/x/PKG/_rendered/ (below the package's usr/share/doc/PKG/copyright, so the
     manifest records package and licence): tracker modules (.it .xm .mod .s3m) with `openmpt123` (or `ffmpeg`), MIDI
     music with `fluidsynth` and the FluidR3 General MIDI SoundFont, raw PCM (xblast-tnt-musics), and the stems of a
     song folder (Frets on Fire: song.ogg + guitar.ogg [+ rhythm.ogg]) mixed into one track; pull the audio of music
     and ambience folders out of .pk3/.zip archives (OpenArena's world sounds, 0 A.D.'s music and ambiences) into
     WORK/x/PKG/_pk3/ and _zip/;
 (c) pick the music (files in music-like folders: music, musics, tunes, zik, Music.ocg; rendered tracks; named extras
     where a game keeps its music among its sounds) and the recorded ambiences (rain, wind, water, traffic, engines,
     crowds, birds, fire, machines: not short effects) into WORK/sel/{music,noise}/PKG as symbolic links;
 (d) babble (many people talking): `--babble` 30 s clips of 4-20 synthetic talkers for training from espeak-ng voices
     (WORK/sel/noise/babble-train), and `--bench_babble` clips for the benchmark from flite and Festival voices, another
     engine (WORK/bench_noise/babble); the text is the system's message catalogues in each voice's language, or the
     licence texts in /usr/share/common-licenses;
 (e) the benchmark's recorded noise: the ambiences of the TEST packages as 8 kHz mono WAV of >= 10 s (shorter loops
     repeated) in WORK/bench_noise/ambience;
 (f) run `nafp dataset build WORK/corpus` with whole packages on each side of the split (TEST, VAL below, TRAIN the
     rest; noise for test queries only from TEST packages and the benchmark babble, for training only from TRAIN
     packages and the training babble) plus the default synthetic corpus;
 (g) print a table per package: files found, music picked / kept, duplicates dropped, minutes, noise clips and
     minutes, licence.
"""
import argparse, gettext, json, re, shutil, subprocess, sys, tempfile, zipfile
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
import numpy as np

PACKAGES = ['fb-music-high', 'boswars-data', 'fillets-ng-data', 'supertuxkart-data', 'openarena-data', 'megaglest-data',
            'flare-game', 'extremetuxracer-data', 'neverball-data', 'pingus-data', 'ri-li-data', 'mu-cade-data', 'berusky-data',
            'garden-of-coloured-lights-data', 'lbreakout2-data', 'tecnoballz-data', '0ad-data', '7kaa-data', 'a7xpg-data',
            'abe-data', 'alex4-data', 'alienblaster-data', 'amphetamine-data', 'asylum-data', 'ballz-data', 'berusky2-data',
            'blobandconquer-data', 'blobwars-data', 'btanks-data', 'caveexpress-data', 'ceferino-data', 'chromium-bsu-data',
            'cube2-data', 'enigma-data', 'freedink-data', 'freegish-data', 'freeorion-data', 'frozen-bubble-data',
            'gigalomania-data', 'glob2-data', 'gnujump-data', 'gunroar-data', 'hannah-data', 'holotz-castle-data',
            'ironseed-data', 'kobodeluxe-data', 'kraptor-data', 'lbreakouthd-data', 'lugaru-data', 'meritous-data',
            'netpanzer-data', 'nikwi-data', 'openclonk-data', 'parsec47-data', 'pax-britannica-data', 'pekka-kana-2-data',
            'raincat-data', 'redeclipse-data', 'rrootage-data', 'scorched3d-data', 'starfighter-data', 'stormbaancoureur-data',
            'titanion-data', 'torus-trooper-data', 'trigger-rally-data', 'tumiki-fighters-data', 'val-and-rick-data',
            'warmux-data', 'xblast-tnt-musics', 'fretsonfire-songs-muldjord', 'fretsonfire-songs-sectoid']
TEST = ['supertuxkart-data', 'megaglest-data', 'pingus-data']      # held-out test split (whole packages)
VAL = ['mu-cade-data', 'extremetuxracer-data']                      # validation split; every other package trains
NO_AUDIO = {   # why a package gives nothing here (it stays in the list: a later version may ship plain audio)
    'neverball-data': 'no audio files (levels and textures only)', 'berusky-data': 'no audio files',
    'alex4-data': 'sounds and music packed in Allegro .dat archives', 'kraptor-data': 'sounds and music packed in Allegro .dat archives',
    'asylum-data': "music in the game's own Archimedes tracker format, which openmpt123 does not load",
    'blobandconquer-data': 'its music and sound folders are empty', 'nikwi-data': 'everything packed in one .up archive'}
AUDIO = ('.wav', '.ogg', '.flac', '.mp3')
MAGIC = {b'OggS': '.ogg', b'RIFF': '.wav', b'fLaC': '.flac', b'ID3': '.mp3'}   # audio files shipped without a suffix (blobwars)
MODULES = ('.it', '.xm', '.mod', '.s3m')
MIDI = ('.mid', '.midi')
SOUNDFONT = Path('/usr/share/sounds/sf2/FluidR3_GM.sf2')
RAW = {'xblast-tnt-musics': ('u8', 2, 22050)}   # headerless PCM: sample format, channels, rate
STEMS = ('song', 'guitar', 'rhythm', 'drums', 'vocals', 'bass', 'keys')   # a Frets on Fire song folder: its stems played together
MIN_MUSIC, MIN_NOISE, MIN_BENCH_NOISE = 20., 5., 10.   # seconds: shorter music is a jingle, shorter noise a sound effect
MUSIC_DIR = re.compile(r'musics?(\.ocg)?|tunes|zik', re.I)   # folder names that hold a game's music
EXTRA_MUSIC = {   # music kept beside the sounds (looked at one by one)
    'supertuxkart-data': ['usr/share/games/supertuxkart/data/tracks/*/*.ogg'],
    'a7xpg-data': ['usr/share/games/a7xpg/sounds/bgm*.ogg'], 'abe-data': ['usr/share/games/abe/sounds/*.ogg'],
    'alienblaster-data': ['usr/share/games/alienblaster/sound/intro.wav', 'usr/share/games/alienblaster/sound/playon.wav'],
    'caveexpress-data': ['usr/share/games/caveexpress/sounds/music-*.ogg'], 'freedink-data': ['usr/share/games/dink/dink/Sound/*.ogg'],
    'freeorion-data': ['usr/share/games/freeorion/default/data/sound/artificial_intelligence*.ogg'],
    'frozen-bubble-data': ['usr/share/games/frozen-bubble/snd/*zik*.ogg'], 'hannah-data': ['usr/share/games/hannah/bgm*.ogg'],
    'holotz-castle-data': ['usr/share/games/holotz-castle/game/sound/HC*.wav'], 'lugaru-data': ['usr/share/games/lugaru/Sounds/Music*.ogg'],
    'parsec47-data': ['usr/share/games/parsec47/sounds/ptn*.ogg'], 'pax-britannica-data': ['usr/share/pax-britannica/audio/music.ogg'],
    'redeclipse-data': ['usr/share/games/redeclipse/data/sounds/*theme*.ogg', 'usr/share/games/redeclipse/data/sounds/original.ogg',
                        'usr/share/games/redeclipse/data/maps/*.ogg'],
    'rrootage-data': ['usr/share/games/rrootage/sounds/stg_*.ogg'], 'tumiki-fighters-data': ['usr/share/games/tumiki-fighters/sounds/*.ogg'],
    'fillets-ng-data': ['usr/share/games/fillets-ng/sound/cancan/*/*music*.ogg']}
NOT_MUSIC = re.compile(r'speech|silence|^test|_(ultra)?slow$|_fast$|_f$', re.I)   # by file stem: speech, tests, alternate versions
AMB_IN_MUSIC = re.compile(r'ambient|_amb|wind|locomotive', re.I)   # ambiences kept in a music folder (by stem): noise, not music
_W, _E = r'(?<![a-z])', r'(?![a-z])'   # short words: at the start of a word ('port' but not 'report'), some whole ('fan', not 'fantasy')
AMBIENCE = re.compile(r'rain|wind|river|waterfall|water|ocean|surf|bird|frog|cricket|cycada|insect|owl|crowd|cheer|applause|'
                      r'restaurant|airport|station|city|country|village|street|traffic|engine|motor|locomotive|machine|'
                      r'factory|drone|static|storm|thunder|night|ambien|_amb|amb_|environment|cave|droplet|drops|drip|fire|lava|'
                      r'forest|jungle|swamp|horror|hell|weather|gravel|geyser|desert|camaro|creek|underwater|'
                      + _W + r'(wave|cars?_|jet|plane|train|space|farm|trade|market|mesto)|' + _W + r'(day|sea|fan|hum|vent|port)' + _E, re.I)
NOT_NOISE = re.compile(r'speech|voice|explo|shot|hit|pain|moan|death|die|jump|click|select|codriver|menu|music|theme|npc|ready|attack|hv-', re.I)


def sh(*cmd, **kw): return subprocess.run([str(c) for c in cmd], check=True, **kw)


def side_of(pkg:str)->str: return 'test' if pkg in TEST else 'val' if pkg in VAL else 'train'


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


def _render(src, wav:Path, cmd_for)->Path:
    "Run `cmd_for(tmp)` once to make `wav` (kept when it exists); None if it made no playable file."
    if wav.exists(): return wav
    wav.parent.mkdir(parents=True, exist_ok=True); tmp = wav.with_name('.tmp-' + wav.name)
    cmd = cmd_for(tmp)
    if cmd is None: print(f'  no tool to render {src}'); return None
    r = subprocess.run([str(c) for c in cmd], capture_output=True, timeout=900)
    if r.returncode or not tmp.exists() or tmp.stat().st_size < 1000:
        print(f'  cannot render {src}'); tmp.unlink(missing_ok=True); return None
    tmp.rename(wav); return wav


def _module_cmd(m:Path):
    if shutil.which('openmpt123'):
        return lambda t: ['openmpt123', '--batch', '--quiet', '--samplerate', '22050', '--channels', '1', '--no-float', '--force', '-o', t, m]
    return lambda t: ['ffmpeg', '-loglevel', 'error', '-y', '-i', m, '-ac', '1', '-ar', '22050', t] if shutil.which('ffmpeg') else None


def _song_dir(d:Path)->bool: return (d/'song.ini').exists() and (d/'song.ogg').exists()


def render_all(root:Path, pkg:str)->list:
    "(b) Tracker modules, MIDI music, raw PCM and song stems below `root` rendered to WAV in root/_rendered (existing renders are kept)."
    out, files = [], sorted(p for p in root.rglob('*') if p.is_file() and '_rendered' not in p.relative_to(root).parts)
    ren = lambda p, ext='.wav': root/'_rendered'/p.relative_to(root).with_suffix(p.suffix + ext)
    for m in (p for p in files if p.suffix.lower() in MODULES):
        out.append(_render(m, ren(m), _module_cmd(m)))
    for m in (p for p in files if p.suffix.lower() in MIDI and not _song_dir(p.parent)):   # a song folder's notes.mid is a game chart
        cmd = (lambda t, m=m: ['fluidsynth', '-ni', '-q', '-g', '0.6', '-r', '22050', '-F', t, SOUNDFONT, m]) if shutil.which('fluidsynth') and SOUNDFONT.exists() else (lambda t: None)
        out.append(_render(m, ren(m), cmd))
    if pkg in RAW:
        fmt, ch, sr = RAW[pkg]
        for m in (p for p in files if p.suffix.lower() in ('.raw', '.pcm')):
            out.append(_render(m, ren(m), lambda t, m=m: ['ffmpeg', '-loglevel', 'error', '-y', '-f', fmt, '-ac', ch, '-ar', sr, '-i', m, '-ac', '1', t]))
    for d in sorted({p.parent for p in files if p.name == 'song.ini' and _song_dir(p.parent)}):
        stems = [d/f'{s}.ogg' for s in STEMS if (d/f'{s}.ogg').exists()]
        mix = root/'_rendered'/d.relative_to(root)/'mix.wav'
        out.append(_render(d, mix, lambda t, st=stems: ['ffmpeg', '-loglevel', 'error', '-y', *[a for s in st for a in ('-i', s)], '-filter_complex',
                                                         f'amix=inputs={len(st)}:duration=longest', '-ac', '1', '-ar', '22050', t]))
    return [w for w in out if w is not None]


def unpack_archives(root:Path)->list:
    "(b) Audio of music and ambience folders (and Quake-style sound/world/) from .pk3/.zip archives into root/_pk3, root/_zip."
    out = []
    for arc in sorted(p for p in root.rglob('*') if p.suffix.lower() in ('.pk3', '.zip') and p.is_file()):
        with zipfile.ZipFile(arc) as z:
            for n in z.namelist():
                low = n.lower()
                if not low.endswith(AUDIO): continue
                if not (low.startswith('sound/world/') or any(MUSIC_DIR.fullmatch(s) for s in low.split('/')[:-1]) or re.search(r'(^|/)ambient/', low)
                        or (low.count('/') == 1 and AMBIENCE.search(low.split('/')[-1]) and not NOT_NOISE.search(low))): continue
                dest = root/('_' + arc.suffix.lower()[1:])/arc.stem/n
                if not dest.exists():
                    dest.parent.mkdir(parents=True, exist_ok=True); tmp = dest.with_name('.tmp-' + dest.name)
                    tmp.write_bytes(z.read(n)); tmp.rename(dest)
                out.append(dest)
    return out


def audio_suffix(p:Path)->str:
    "The audio suffix of `p` ('' if not audio): its own, or from its first bytes when it has none."
    s = p.suffix.lower()
    if s in AUDIO: return s
    if s or p.stat().st_size < 1000: return ''
    head = p.open('rb').read(4)
    return next((v for k, v in MAGIC.items() if head.startswith(k)), '')


def duration(p:Path)->float:
    import soundfile as sf
    try: i = sf.info(str(p)); return i.frames / i.samplerate
    except Exception: return 0.


def pick(root:Path, pkg:str)->tuple:
    "(c) `(all audio files, music files, noise files)` of one extracted package."
    files = sorted(p for p in root.rglob('*') if p.is_file() and '.tmp-' not in p.name and audio_suffix(p))
    music, noise = [], []
    extra = {p for g in EXTRA_MUSIC.get(pkg, []) for p in root.glob(g)}
    for p in files:
        rel = p.relative_to(root)
        if _song_dir(p.parent) and p.stem in STEMS: continue   # the stems are in their mix
        d = duration(p)
        in_music = any(MUSIC_DIR.fullmatch(s) for s in rel.parent.parts) or '_rendered' in rel.parts or p in extra
        if in_music and not NOT_MUSIC.search(p.stem) and not AMB_IN_MUSIC.search(p.stem) and d >= MIN_MUSIC: music.append(p)
        elif d >= MIN_NOISE and AMBIENCE.search(rel.as_posix()) and not NOT_NOISE.search(p.name) and (not in_music or AMB_IN_MUSIC.search(p.stem)):
            noise.append(p)
    return files, music, noise


def link_all(files:list, folder:Path):
    "Symbolic links to `files` in a fresh `folder` (names made unique from the relative paths, with an audio suffix)."
    shutil.rmtree(folder, ignore_errors=True); folder.mkdir(parents=True)
    for f in files:
        name = re.sub(r'[^A-Za-z0-9._-]+', '_', '/'.join(f.parts[-3:]))
        (folder/(name + ('' if f.suffix.lower() in AUDIO else audio_suffix(f)))).symlink_to(f.resolve())


# ---------------------------------------------------------------- babble
BABBLE_ENGINES = dict(espeak='espeak-ng voices (formant synthesis): every language and voice variant',
                      festival='flite and Festival voices (diphone, cluster-unit and HTS synthesis)')
BABBLE_PACKAGES = dict(espeak=['espeak-ng', 'espeak-ng-data'], festival=['flite', 'libflite1', 'festival', 'festvox-*', 'festival-*'])
NOT_VOICE = re.compile(r'robo|Robot|Demonic|croak|whisper', re.I)   # espeak-ng variants that do not sound like a person
FESTIVAL_CODES = dict(czech='iso-8859-2', russian='utf-8')          # text encodings the Festival voices read (others: latin-1)
LOCALE = dict(cmn='zh_CN', yue='zh_HK', hak='zh_TW', czech='cs', russian='ru', finnish='fi', italian='it', catalan='ca', english='en', us='en')


def voices(engine:str)->list:
    "`(engine, voice, language)` of the installed voices of one babble side: 'espeak' (training) or 'festival' (benchmark)."
    if engine not in BABBLE_ENGINES: raise ValueError(f"babble engine {engine!r}: use one of {list(BABBLE_ENGINES)}")
    if engine == 'espeak':
        run = lambda *a: subprocess.run(['espeak-ng', *a], capture_output=True, text=True, check=True).stdout.splitlines()[1:]
        langs = sorted({l.split()[1] for l in run('--voices')})
        variants = sorted({m for l in run('--voices=variant') for m in re.findall(r'!v/(\S+)', l) if not NOT_VOICE.search(m)})
        return [('espeak', f'{l}+{v}' if v else l, l) for l in langs for v in ['', *variants]]
    out = [('flite', v, 'en') for v in ('kal', 'kal16', 'awb', 'rms', 'slt')] if shutil.which('flite') else []
    if shutil.which('text2wave'):   # the Indic NSK voices lack their phone sets in Debian: left out
        out += [('festival', d.name, d.parent.name) for d in sorted(Path('/usr/share/festival/voices').glob('*/*'))
                if (d/'festvox').is_dir() and 'NSK' not in d.name]
    if not out: raise RuntimeError(f'no voices for babble engine {engine!r}: install flite, festival and festvox-* voices')
    return out


def _plain(s:str)->str: return ' '.join(re.sub(r"%\S*?[a-zA-Z]|\{[^}]*\}|<[^>]*>|[^\w\s.,;:?!'-]|_", ' ', s).split())


def sentences(lang:str)->list:
    "Lines to speak in `lang`: the system's message catalogues (/usr/share/locale) in that language, else the licence texts in English."
    code = LOCALE.get(lang, lang)
    cands = [] if code.split('-')[0] == 'en' else [code, re.sub(r'-(\w+)$', lambda m: '_' + m.group(1).upper(), code), code.split('-')[0]]
    for c in dict.fromkeys(cands):
        lines = []
        for mo in sorted(Path('/usr/share/locale').glob(f'{c}/LC_MESSAGES/*.mo')):
            try: cat = gettext.GNUTranslations(mo.open('rb'))._catalog
            except Exception: continue
            lines += [_plain(v) for k, v in sorted(cat.items(), key=str) if k and isinstance(v, str)]
        lines = [l for l in lines if len(l.split()) >= 3 or (len(l) >= 8 and ' ' not in l)]   # CJK lines have no spaces
        if len(lines) >= 200: return lines
    files = sorted(f for f in Path('/usr/share/common-licenses').glob('*') if f.is_file())
    return [_plain(l) for f in files for l in re.split(r'(?<=[.;:])\s+', f.read_text(errors='replace')) if len(l.split()) >= 3]


def talk(voice:tuple, text:str, out:Path, rng)->bool:
    "Synthesise `text` with `voice` at a random rate and pitch into the WAV file `out`; False if no speech came out."
    import soundfile as sf
    engine, name, lang = voice
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)/'t.txt'
        if engine == 'espeak':
            t.write_text(text); cmd = ['espeak-ng', '-v', name, '-s', rng.integers(120, 201), '-p', rng.integers(15, 86), '-w', out, '-f', t]
        elif engine == 'flite':
            t.write_text(text.encode('ascii', 'ignore').decode())
            cmd = ['flite', '-voice', name, '--setf', f'duration_stretch={rng.uniform(.8, 1.25):.2f}',
                   '--setf', f'int_f0_target_mean={rng.integers(85, 220)}', '-f', t, '-o', out]
        else:
            t.write_bytes(text.encode(FESTIVAL_CODES.get(lang, 'latin-1'), 'ignore'))
            cmd = ['text2wave', '-eval', f"(begin (voice_{name}) (Parameter.set 'Duration_Stretch {rng.uniform(.8, 1.25):.2f}))", '-o', out, t]
        r = subprocess.run([str(c) for c in cmd], capture_output=True, timeout=600)
    try: return r.returncode == 0 and sf.info(str(out)).duration >= 3.
    except Exception: return False


def _copyright(folder:Path, engine:str):
    "A copyright file for a babble folder (read by `debian_licence`): the licences of the speech packages used."
    docs = sorted({c for g in BABBLE_PACKAGES[engine] for c in Path('/usr/share/doc').glob(f'{g}/copyright') if not c.parent.name.endswith('-nsk')})
    def licences(c):   # DEP-5 `License:` lines, else the GPL version of a plain-text copyright file
        t = c.read_text(errors='replace'); found = [m.strip() for m in re.findall(r'^License:[ \t]*(\S.*)$', t, re.M)]
        gpl = re.search(r'General Public License as published by\s+the Free Software Foundation; either version (\d)', t)
        return found or [f'GPL-{gpl.group(1)}+' if gpl else f'see {c}']
    lic = dict.fromkeys(l for c in docs for l in licences(c))
    lic = [l for l in lic if not l.startswith('see ')] or list(lic)
    f = folder/'usr/share/doc'/folder.name/'copyright'; f.parent.mkdir(parents=True, exist_ok=True)
    f.write_text(f"Comment: babble made by benchmarks/real_music_recipe.py from speech synthesised with {BABBLE_ENGINES[engine]};\n"
                 f" the texts are message catalogues (/usr/share/locale) and /usr/share/common-licenses of the system.\n"
                 f" Licences of {', '.join(c.parent.name for c in docs)}:\n" + ''.join(f'License: {l}\n' for l in lic))


def babble(out:Path, n:int, engine:str, streams:Path, seed:int=0, sr:int=8000, dur:float=30., talkers:tuple=(4, 20), workers:int=2)->list:
    "(d) `n` clips (`dur` s at `sr` Hz) of 4-20 `talkers` at once into `out`, from the voices of `engine`; talker streams cached in `streams`."
    import soundfile as sf
    from neural_audio_fp.audio.io import load_audio
    out, streams = Path(out), Path(streams); clips = [out/f'babble-{engine}-{i:04d}.wav' for i in range(n)]
    if n < 1: return []
    out.mkdir(parents=True, exist_ok=True); _copyright(out, engine)
    if all(c.exists() for c in clips): return clips
    vs, rng, texts, plan = voices(engine), np.random.default_rng(seed), {}, []
    for i in range(max(3 * n, 2 * talkers[1])):   # a pool of talkers, each reading ~dur s of text; clips draw from it
        v = vs[rng.integers(len(vs))]
        lines = texts.setdefault(v[2], sentences(v[2])); k, text = int(rng.integers(len(lines))), []
        while sum(map(len, text)) < 12 * dur: text.append(lines[k % len(lines)]); k += int(rng.integers(1, 50))
        plan.append((v, '. '.join(text) + '.', np.random.default_rng([seed, i])))
    streams.mkdir(parents=True, exist_ok=True)
    def make(i):
        f = streams/f'{engine}-{seed}-{i:04d}.wav'
        if not f.exists():
            tmp = f.with_name('.tmp-' + f.name)
            if not talk(plan[i][0], plan[i][1], tmp, plan[i][2]): tmp.unlink(missing_ok=True); return None
            tmp.rename(f)
        return f
    with ThreadPoolExecutor(workers) as pool: made = list(pool.map(make, range(len(plan))))
    ok, speech = [i for i, f in enumerate(made) if f is not None], {}
    print(f'  babble {engine}: {len(ok)} of {len(plan)} talkers synthesised from {len({plan[i][0][1] for i in ok})} voices, '
          f'{len({plan[i][0][2] for i in ok})} languages')
    def voice_of(i):
        if i not in speech:
            x = load_audio(made[i], sr); loud = np.abs(x) > .01 * np.abs(x).max()
            speech[i] = x / (np.sqrt(np.mean(x[loud] ** 2)) + 1e-9)   # the same loudness while talking
        return speech[i]
    m, info = int(dur * sr), []
    for c, clip in enumerate(clips):
        r = np.random.default_rng([seed, 10**6 + c])
        who = r.choice(ok, size=min(len(ok), int(r.integers(talkers[0], talkers[1] + 1))), replace=False)
        y, rows = np.zeros(m, np.float32), []
        for i in map(int, who):
            x = voice_of(i); x = np.concatenate([x, np.zeros(int(r.uniform(.2, 1.5) * sr), np.float32)])   # a pause, then again
            x = np.tile(x, int(np.ceil(2 * m / len(x)))); s, g = int(r.integers(0, len(x) - m)), r.uniform(-12, 0)
            y += 10 ** (g / 20) * x[s:s + m]
            rows.append(dict(voice=plan[i][0][1], engine=plan[i][0][0], language=plan[i][0][2], gain_db=round(g, 1)))
        if not clip.exists():
            tmp = clip.with_name('.tmp-' + clip.name)
            sf.write(str(tmp), .3 * y / (np.abs(y).max() + 1e-9), sr, subtype='PCM_16', format='WAV'); tmp.rename(clip)
        info.append(dict(file=clip.name, talkers=rows))
    (out/'babble.json').write_text(json.dumps(dict(engine=engine, seed=seed, sr=sr, dur=dur, talkers=talkers, clips=info), indent=1))
    return clips


def bench_ambience(noise:dict, out:Path, sr:int=8000)->list:
    "(e) The TEST packages' ambiences, each recording once, as `sr` Hz mono WAV of >= MIN_BENCH_NOISE s in `out` (shorter loops repeated)."
    import soundfile as sf
    from neural_audio_fp.audio.io import load_audio
    import hashlib
    out.mkdir(parents=True, exist_ok=True); made, src, seen = [], {}, set()
    for pkg in TEST:
        for f in noise.get(pkg, []):
            digest = hashlib.sha256(f.read_bytes()).hexdigest()
            if digest in seen: continue   # one recording shipped in several places (megaglest's tilesets)
            seen.add(digest)
            w = out/(re.sub(r'[^A-Za-z0-9._-]+', '_', f'{pkg}--' + '/'.join(f.parts[-3:-1]) + '--' + f.stem) + '.wav')
            if not w.exists():
                x = load_audio(f, sr); x = np.tile(x, int(np.ceil(MIN_BENCH_NOISE * sr / max(1, len(x)))))
                tmp = w.with_name('.tmp-' + w.name); sf.write(str(tmp), x, sr, subtype='PCM_16', format='WAV'); tmp.rename(w)
            made.append(w); src[w.name] = dict(package=pkg, source=str(f))
    (out/'sources.json').write_text(json.dumps(src, indent=1))
    return made


def table(work:Path, corpus:Path, found:dict):
    "(g) Per package: files found, music picked / kept, music duplicates dropped, minutes kept, noise kept, split, licence."
    man = json.loads((corpus/'manifest.json').read_text())
    kept = defaultdict(lambda: [0, 0., 0, 0.]); lic = {}
    for f in man['files'].values():
        if 'source_sha256' not in f: continue
        k = kept[f['package']]; lic[f['package']] = f.get('licence', '?')
        if f['kind'] == 'music': k[0] += 1; k[1] += f['duration'] / 60
        else: k[2] += 1; k[3] += f['duration'] / 60
    from neural_audio_fp.corpus.realmusic import debian_licence
    for pkg in PACKAGES: lic.setdefault(pkg, debian_licence(work/'x'/pkg/'usr').get('licence', '-'))
    dropped = defaultdict(int)
    for d in man.get('real', {}).get('dropped', []): dropped[d['package']] += d['kind'] == 'music'
    print(f"\n{'package':32} {'split':5} {'files':>5} {'music':>5} {'kept':>4} {'dups':>4} {'min':>6} {'noise':>5} {'n.min':>6}  licence")
    tot = defaultdict(lambda: [0., 0.])
    for pkg in list(found):
        n_files, n_music, n_noise = found[pkg]
        side = 'test' if pkg in TEST or pkg == 'babble' else 'val' if pkg in VAL else 'train'
        k = kept[pkg]; tot[side][0] += k[1]; tot[side][1] += k[3]
        print(f"{pkg:32} {side:5} {n_files:5d} {n_music:5d} {k[0]:4d} {dropped[pkg]:4d} {k[1]:6.1f} {k[2]:5d} {k[3]:6.1f}  "
              f"{(lic.get(pkg, '-') if n_files else NO_AUDIO.get(pkg, 'no audio found'))[:70]}")
    print(f"{'total':38} {sum(v[0] for v in found.values()):5d} {sum(v[1] for v in found.values()):5d} "
          f"{sum(k[0] for k in kept.values()):4d} {sum(dropped.values()):4d} {sum(k[1] for k in kept.values()):6.1f} "
          f"{sum(k[2] for k in kept.values()):5d} {sum(k[3] for k in kept.values()):6.1f}")
    print('minutes of real music / noise kept per split: ' + ', '.join(f'{s} {m:.1f} / {n:.1f}' for s, (m, n) in tot.items()))
    for d in man.get('real', {}).get('dropped', []):
        print(f"  duplicate ({d['kind']}): {Path(d['source']).name} ({d['package']}) shares {d['shared_s']} s with {Path(d['duplicate_of']).name}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('work', type=Path, help='work folder (debs/, x/, sel/, bench_noise/ and by default corpus/ go there)')
    ap.add_argument('--corpus', type=Path, default=None, help='corpus folder (default: WORK/corpus)')
    ap.add_argument('--dry_run', action='store_true', help='stop after picking the files and making the noise (no corpus build)')
    ap.add_argument('--workers', type=int, default=2, help='worker processes of the build (and speech synthesis)')
    ap.add_argument('--babble', type=int, default=120, help='training babble clips (30 s, espeak-ng voices); 0 for none')
    ap.add_argument('--bench_babble', type=int, default=40, help='benchmark babble clips (30 s, flite and Festival voices); 0 for none')
    ap.add_argument('--seed', type=int, default=0, help='seed of the babble')
    a = ap.parse_args()
    work = a.work.resolve(); corpus = (a.corpus or work/'corpus').resolve(); found, noise = {}, {}
    for pkg in PACKAGES:
        root = extract(work, pkg)
        render_all(root, pkg); unpack_archives(root)
        files, music, noise[pkg] = pick(root, pkg)
        found[pkg] = (len(files), len(music), len(noise[pkg]))
        link_all(music, work/'sel'/'music'/pkg); link_all(noise[pkg], work/'sel'/'noise'/pkg)
        print(f"{pkg}: {len(files)} audio files, {len(music)} music >= {MIN_MUSIC:g} s "
              f"({sum(map(duration, music)) / 60:.1f} min), {len(noise[pkg])} ambiences >= {MIN_NOISE:g} s "
              f"({sum(map(duration, noise[pkg])) / 60:.1f} min){'; ' + NO_AUDIO[pkg] if pkg in NO_AUDIO and not files else ''}", flush=True)
    babble_dirs = dict(train=work/'sel'/'noise'/'babble-train', test=work/'bench_noise'/'babble')
    for side, engine, n in (('train', 'espeak', a.babble), ('test', 'festival', a.bench_babble)):
        if n: found[babble_dirs[side].name] = (n, 0, len(babble(babble_dirs[side], n, engine, work/'speech', a.seed, workers=a.workers)))
    amb = bench_ambience(noise, work/'bench_noise'/'ambience')
    print(f"benchmark noise: {len(amb)} ambiences of the test packages in {work/'bench_noise'/'ambience'}, "
          f"{a.bench_babble} babble clips in {babble_dirs['test']}", flush=True)
    if a.dry_run: return
    cmd = [sys.executable, '-c', 'import sys; from neural_audio_fp.cli.commands import main; sys.exit(main())', 'dataset', 'build', corpus,
           '--min_dur', MIN_MUSIC, '--min_bg_dur', MIN_NOISE, '--workers', a.workers]
    for pkg in PACKAGES:
        side = side_of(pkg)
        if found[pkg][1]: cmd += [f'--{side}_music', work/'sel'/'music'/pkg]
        if found[pkg][2] and side != 'val': cmd += [f"--{side}_bg", work/'sel'/'noise'/pkg]
    for side, d in babble_dirs.items():
        if d.name in found: cmd += [f'--{side}_bg', d]
    print(' '.join(map(str, cmd)), flush=True)
    sh(*cmd)
    table(work, corpus, found)


if __name__ == '__main__': main()
