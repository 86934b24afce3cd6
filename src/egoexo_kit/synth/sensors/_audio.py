"""Synthetic take audio: the 7-microphone Aria WAV and its Whisper transcription (FORMAT §7.10).

Sample format (a documented choice, FORMAT §11 U7): 48 kHz, 7 channels, **16-bit signed little-endian
PCM** (``WAVE_FORMAT_PCM``, sample width 2). It is the most widely readable WAV flavour (Python's
``wave``, ffmpeg, soundfile, Whisper's loader) and its 96 dB of range is ample for synthetic sound.

The scene is heard by seven microphones on a glasses frame (:data:`MIC_POSITIONS`, metres, in a
glasses frame: x right, y down, z forward, origin at the nose bridge). A sound emitted at time ``t``
(seconds from take start) from a point ``s`` reaches microphone ``m`` at ``t + |m - s| / 343`` with gain
``min_m |m - s| / |m - s|`` (nearest microphone at gain 1). Events (hand contacts, impacts, the sync
chirp) are short decaying clicks and knocks whose timbre depends on their kind; narration is a
voice-like sequence of formant-shaped harmonic bursts, one per word, spoken from the mouth below the
frame. The same word timing (:func:`narration_words`) drives the audio and the transcription.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from egoexo_kit._io import write_json
from egoexo_kit.release.writers import AUDIO_RATE, write_pcm_wav
from egoexo_kit.release.writers import sync_chirp as chirp

__all__ = [
    "MIC_POSITIONS",
    "RATE",
    "chirp",
    "narration_words",
    "write_audio",
    "write_pcm_wav",
    "write_transcription",
]

RATE = AUDIO_RATE
"""Samples per second of the take WAV (the Aria microphone rate)."""
MIC_POSITIONS = np.array([
    [0.000, -0.012, 0.010],  # nose bridge, top
    [-0.066, -0.010, 0.000],  # left front corner
    [0.066, -0.010, 0.000],  # right front corner
    [-0.074, 0.000, -0.060],  # left temple arm
    [0.074, 0.000, -0.060],  # right temple arm
    [-0.022, 0.022, 0.006],  # left lower rim, by the nose pad
    [0.022, 0.022, 0.006],  # right lower rim, by the nose pad
])  # fmt: skip
"""(7, 3) microphone positions in the glasses frame (x right, y down, z forward), metres; row = channel."""
MOUTH = np.array([0.0, 0.085, 0.012])
"""Where narration is spoken from, glasses frame, metres."""
SPEED_OF_SOUND = 343.0
"""m/s."""
WORD_SECONDS = 0.25
"""Time from one narrated word's start to the next's."""
VOICED_SECONDS = 0.21
"""Sounding part of each word (the rest is a pause); also the transcribed word length."""
NOISE_RMS = 0.0015
"""Background noise per channel, full scale = 1 (about -56 dBFS)."""
_TIMESTAMP_BEGIN = 50365
"""Whisper large-v3 token id of ``<|0.00|>``; timestamp tokens step by 0.02 s."""
# kind -> (peak amplitude, partial frequencies Hz, body decay s, length s). A contact sound is a broadband
# transient (1.5 ms decay, carrying the energy peak at the onset) followed by the body's ringing partials.
_TIMBRES: dict[str, tuple[float, tuple[float, ...], float, float]] = {
    "grasp": (0.30, (650.0, 1700.0), 0.012, 0.08),
    "release": (0.22, (1200.0, 2900.0), 0.008, 0.06),
    "impact": (0.60, (170.0, 430.0, 980.0), 0.035, 0.20),
    "click": (0.25, (900.0, 2300.0), 0.010, 0.06),
}
_TRANSIENT_DECAY = 0.0015
_BODY_SHARE = 0.2
_CHIRP_GAIN = 0.3
# (F1, F2) of a few vowels, Hz: the spectral envelope of one narrated word.
_VOWELS = np.array([[730, 1090], [270, 2290], [530, 1840], [570, 840], [300, 870], [660, 1720], [440, 1020]])


def narration_words(
    narration: Sequence[tuple[float, str]], *, seconds: float
) -> list[list[tuple[float, float, str]]]:
    """Word timing of each narration line: word ``i`` of a line starting at ``t`` sounds from ``t + 0.25 i``.

    Args:
        narration: ``(t, text)`` lines, ``t`` in seconds from take start; words split on whitespace.
        seconds: Length of the audio; words that do not fit in ``[0, seconds]`` are dropped.

    Returns:
        One list per line (sorted by start time) of ``(start, end, word)``, seconds from take start,
        ``end = start + 0.21`` (the voiced part).
    """
    lines = []
    for t0, text in sorted(narration, key=lambda line: line[0]):
        words = [
            (t0 + i * WORD_SECONDS, t0 + i * WORD_SECONDS + VOICED_SECONDS, w)
            for i, w in enumerate(text.split())
        ]
        lines.append([w for w in words if w[0] >= 0.0 and w[1] <= seconds])
    return lines


def _event_sound(kind: str, rng: np.random.Generator) -> np.ndarray:
    """Mono samples of one event: a decaying click/knock (kind-dependent) or the sync chirp."""
    if kind == "chirp":
        return _CHIRP_GAIN * chirp()
    amp, freqs, decay, length = _TIMBRES.get(kind, _TIMBRES["click"])
    t = np.arange(round(length * RATE)) / RATE
    phases = rng.uniform(0, 2 * np.pi, len(freqs))
    body = np.sin(2 * np.pi * np.asarray(freqs)[:, None] * t + phases[:, None]).mean(axis=0) * np.exp(
        -t / decay
    )
    transient = np.clip(rng.standard_normal(t.shape) / 2.5, -1.0, 1.0) * np.exp(-t / _TRANSIENT_DECAY)
    attack = 1.0 - np.exp(-t / 0.0002)
    return amp * attack * ((1 - _BODY_SHARE) * transient + _BODY_SHARE * body)


def _word_sound(rng: np.random.Generator) -> np.ndarray:
    """Mono samples of one narrated word: a falling-pitch harmonic burst shaped by two vowel formants."""
    n = round(VOICED_SECONDS * RATE)
    tau = np.arange(n) / n
    f0 = 118.0 * rng.uniform(0.9, 1.1)
    f0_t = f0 * (1.0 + 0.08 * (0.5 - tau))
    phase = 2 * np.pi * np.cumsum(f0_t) / RATE
    k = np.arange(1, int(4000 // f0) + 1)
    formants = _VOWELS[rng.integers(len(_VOWELS))]
    gain = sum(1.0 / (1.0 + ((k * f0 - f) / bw) ** 2) for f, bw in zip(formants, (90.0, 120.0), strict=True))
    gain = gain / np.sqrt(k)
    tone = (gain[:, None] * np.sin(k[:, None] * phase)).sum(axis=0) / gain.sum()
    attack = np.minimum(1.0, tau * VOICED_SECONDS / 0.025)
    release = np.minimum(1.0, (1.0 - tau) * VOICED_SECONDS / 0.05)
    return 0.35 * np.sin(0.5 * np.pi * attack) ** 2 * np.sin(0.5 * np.pi * release) ** 2 * tone


def _mix(out: np.ndarray, sound: np.ndarray, *, t: float, source: np.ndarray, mics: np.ndarray) -> None:
    """Add ``sound`` emitted at ``t`` seconds from ``source`` to every channel, delayed and attenuated."""
    dist = np.linalg.norm(mics - source, axis=1)
    gains = dist.min() / dist
    starts = np.rint((t + dist / SPEED_OF_SOUND) * RATE).astype(np.int64)
    n = out.shape[0]
    for ch, (start, gain) in enumerate(zip(starts, gains, strict=True)):
        lo, hi = max(start, 0), min(start + sound.shape[0], n)
        if hi > lo:
            out[lo:hi, ch] += gain * sound[lo - start : hi - start]


def mic_signals(
    *,
    seconds: float,
    events: Sequence[tuple[float, str]],
    narration: Sequence[tuple[float, str]],
    seed: int,
    mics: np.ndarray = MIC_POSITIONS,
    gain: float = 1.0,
) -> np.ndarray:
    """``(round(seconds * 48000), len(mics))`` float32 signals of the scene sounds at microphones ``mics``.

    ``mics`` are positions in the wearer's head frame (metres); a GoPro is a pair of far microphones,
    heard with ``gain`` < 1. Events and narration as in :func:`write_audio`.

    Raises:
        ValueError: If ``seconds`` is not positive and finite.
    """
    if not (np.isfinite(seconds) and seconds > 0):
        raise ValueError(f"seconds must be positive; got {seconds}")
    rng = np.random.default_rng(seed)
    n = round(seconds * RATE)
    out = rng.standard_normal((n, mics.shape[0]), dtype=np.float32) * np.float32(NOISE_RMS)
    for t, kind in events:
        source = np.array([rng.uniform(-0.2, 0.2), rng.uniform(0.25, 0.45), rng.uniform(0.25, 0.45)])
        _mix(out, gain * _event_sound(kind, rng), t=float(t), source=source, mics=mics)
    for line in narration_words(narration, seconds=seconds):
        for start, _, _ in line:
            _mix(out, gain * _word_sound(rng), t=start, source=MOUTH, mics=mics)
    return out


def write_audio(
    path: Path,
    *,
    seconds: float,
    events: Sequence[tuple[float, str]],
    narration: Sequence[tuple[float, str]],
    seed: int,
) -> None:
    """Write the take WAV: 7 channels, 48 kHz, 16-bit PCM, ``round(seconds * 48000)`` frames.

    Background noise (:data:`NOISE_RMS`) on every channel; each event ``(t, kind)`` is a sound emitted
    at ``t`` from a random point in front of the wearer's chest (hands): ``"grasp"``, ``"release"``,
    ``"impact"`` are clicks and knocks of different timbre (onset within ~2 ms of ``t + delay``),
    ``"chirp"`` the 0.3 s sync chirp (:func:`chirp`), any other kind a generic click. Narration lines
    ``(t, text)`` become one voice burst per word (:func:`narration_words`) from :data:`MOUTH`, loudest
    on the lower-rim microphones (channels 5 and 6).

    Args:
        path: Output ``.wav`` path (written atomically).
        seconds: Duration, seconds (> 0).
        events: ``(t, kind)``, ``t`` in seconds from take start.
        narration: ``(t, text)``, ``t`` in seconds from take start.
        seed: Seed of every random choice (noise, timbre phases, source points, voice pitch and vowels).

    Raises:
        ValueError: If ``seconds`` is not positive and finite.
    """
    write_pcm_wav(path, mic_signals(seconds=seconds, events=events, narration=narration, seed=seed))


def write_transcription(
    path: Path, *, narration: Sequence[tuple[float, str]], seconds: float, seed: int
) -> None:
    """Write ``<aria>_transcriptions.json``: Whisper ``transcribe(word_timestamps=True)`` layout, indent 2.

    One segment per narration line that has words in the audio, with Whisper's keys (``id``, ``seek``,
    ``start``, ``end``, ``text``, ``tokens``, ``temperature``, ``avg_logprob``, ``compression_ratio``,
    ``no_speech_prob``, ``words``), top level ``text``, ``segments``, ``language: "en"``. Word times
    are those of :func:`narration_words` rounded inwards to 0.01 s, so every word lies within its
    line's voiced span; segment ``start``/``end`` are its first word's start and last word's end.
    Times are seconds from take start (FORMAT §11 U16).

    Args:
        path: Output ``.json`` path (written atomically).
        narration: ``(t, text)`` lines, ``t`` in seconds from take start.
        seconds: Length of the audio, seconds.
        seed: Seed of the invented token ids and confidences.
    """
    rng = np.random.default_rng(seed)
    segments: list[dict[str, Any]] = []
    for line in narration_words(narration, seconds=seconds):
        if not line:
            continue
        words = [
            {
                "word": f" {w}",
                "start": float(np.ceil(s * 100 - 1e-6) / 100),
                "end": float(np.floor(e * 100 + 1e-6) / 100),
                "probability": round(float(rng.uniform(0.6, 0.999)), 4),
            }
            for s, e, w in line
        ]
        start, end = words[0]["start"], words[-1]["end"]
        text = "".join(w["word"] for w in words)
        seek = int(start * 100) // 3000 * 3000
        body = rng.integers(220, 50257, size=sum(1 + len(w) // 5 for _, _, w in line)).tolist()
        stamps = [_TIMESTAMP_BEGIN + round((v - seek / 100) / 0.02) for v in (start, end)]
        raw = text.encode("utf-8")
        segments.append({
            "id": len(segments), "seek": seek, "start": start, "end": end, "text": text,
            "tokens": [stamps[0], *body, stamps[1]], "temperature": 0.0,
            "avg_logprob": round(float(rng.uniform(-0.35, -0.1)), 4),
            "compression_ratio": round(len(raw) / len(zlib.compress(raw)), 4),
            "no_speech_prob": round(float(rng.uniform(0.001, 0.05)), 4), "words": words,
        })  # fmt: skip
    result = {"text": "".join(s["text"] for s in segments), "segments": segments, "language": "en"}
    write_json(path, result, indent=2)
