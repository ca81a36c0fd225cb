#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 gst-sandra contributors
"""Word alignments of bench-vad's speech, for its reference labels.

bench-vad scores detectors against where the words are. This script finds
them with an independent tool, CMU PocketSphinx (Debian packages pocketsphinx
and pocketsphinx-en-us): each recording is force-aligned to its transcript
(a grammar that admits only the transcript, with optional silence and noise
between words), and the start and end of every word are written to
bench/vad/labels/<recording>.words. Recordings without a shipped transcript
are first decoded with the generic language model and then aligned to that
hypothesis: the words may be misrecognised, but where speech is and is not
is what the labels need.

The output is committed, so bench-vad needs no PocketSphinx. Run again only
when the speech set changes:

    python3 scripts/vad-labels/align.py [--data-dir DIR] [--out DIR]
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

MODEL = "/usr/share/pocketsphinx/model/en-us"
FRAME_S = 0.01  # PocketSphinx's frame rate: 100 frames per second

# recording (relative to the data dir) -> transcript; None: decode first
RECORDINGS = {
    "librivox/sense_and_sensibility_01_austen_64kb-0870.wav": "librivox",
    "librivox/sense_and_sensibility_01_austen_64kb-0880.wav": "librivox",
    "librivox/sense_and_sensibility_01_austen_64kb-0890.wav": "librivox",
    "librivox/sense_and_sensibility_01_austen_64kb-0920.wav": "librivox",
    "librivox/sense_and_sensibility_01_austen_64kb-0930.wav": "librivox",
    # the grammar shipped beside it (goforward.gram) spells this sentence
    "goforward.raw": "go forward ten meters",
    "numbers.raw": None,
    "something.raw": None,
}


def librivox_transcripts(data_dir):
    out = {}
    with open(os.path.join(data_dir, "librivox", "transcription")) as f:
        for line in f:
            m = re.match(r"\s*<s>\s*(.*?)\s*</s>\s*\((\S+)\)", line)
            if m:
                out[m.group(2)] = m.group(1)
    return out


def batch(data_dir, rel, work, search_args):
    """Runs pocketsphinx_batch on one recording; returns its hypseg line."""
    base, ext = os.path.splitext(rel)
    ctl = os.path.join(work, "ctl")
    seg = os.path.join(work, "seg")
    with open(ctl, "w") as f:
        f.write(base + "\n")
    cmd = ["pocketsphinx_batch", "-hmm", os.path.join(MODEL, "en-us"),
           "-dict", os.path.join(MODEL, "cmudict-en-us.dict"),
           "-adcin", "yes", "-cepdir", data_dir, "-cepext", ext,
           "-adchdr", "44" if ext == ".wav" else "0",
           "-samprate", "16000", "-ctl", ctl, "-hypseg", seg] + search_args
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    with open(seg) as f:
        line = f.readline().split()
    if len(line) < 9:
        sys.exit("pocketsphinx found nothing in " + rel)
    return line


def segments(hypseg):
    """(start_s, end_s, word) for every entry of a hypseg line."""
    # uttid S s T t A a L l {start_frame ascr lscr word}... end_frame
    body, end_frame = hypseg[9:-1], int(hypseg[-1])
    entries = [(int(body[i]), body[i + 3]) for i in range(0, len(body), 4)]
    out = []
    for i, (start, word) in enumerate(entries):
        end = entries[i + 1][0] if i + 1 < len(entries) else end_frame
        out.append((start * FRAME_S, end * FRAME_S, word))
    return out


def is_word(token):
    return not (token.startswith("<") or token.startswith("["))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", default="/usr/share/pocketsphinx/test/data")
    ap.add_argument("--out", default=os.path.normpath(os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench",
        "vad", "labels")))
    args = ap.parse_args()
    transcripts = librivox_transcripts(args.data_dir)
    os.makedirs(args.out, exist_ok=True)

    with tempfile.TemporaryDirectory() as work:
        for rel, text in RECORDINGS.items():
            name = os.path.splitext(os.path.basename(rel))[0]
            origin = "transcript"
            if text == "librivox":
                text = transcripts[name]
            elif text is None:
                hyp = segments(batch(args.data_dir, rel, work, [
                    "-lm", os.path.join(MODEL, "en-us.lm.bin")]))
                text = " ".join(re.sub(r"\(\d+\)$", "", w)
                                for _, _, w in hyp if is_word(w))
                origin = "recogniser's hypothesis"
            gram = os.path.join(work, "g.gram")
            with open(gram, "w") as f:
                f.write("#JSGF V1.0;\ngrammar align;\npublic <s> = %s;\n"
                        % text)
            words = [s for s in segments(batch(args.data_dir, rel, work, [
                "-jsgf", gram, "-fsgusefiller", "yes"])) if is_word(s[2])]
            path = os.path.join(args.out, name + ".words")
            with open(path, "w") as f:
                f.write("# %s: words force-aligned by PocketSphinx to the %s\n"
                        "# \"%s\"\n# start_s end_s word\n"
                        % (rel, origin, text))
                for start, end, word in words:
                    f.write("%.2f %.2f %s\n" % (start, end,
                                                re.sub(r"\(\d+\)$", "", word)))
            print("%s: %d words, %.2f-%.2f s" % (path, len(words),
                                                 words[0][0], words[-1][1]))


if __name__ == "__main__":
    main()
