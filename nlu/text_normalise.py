"""Normalising a message before the crisis net reads it.

Parents in distress type fast, on phones, without apostrophes, with stretched letters and
misspelled words. The net's patterns are written once against a normal form, and this module
brings every message to that form: lower case, no accents, straight quotes, at most two of any
stretched letter, contractions with their apostrophes, and common misspellings of risk words
repaired.
"""

from __future__ import annotations

import re
import unicodedata

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201b": "'", "\u2032": "'", "`": "'",
                         "\u201c": '"', "\u201d": '"'})
_REPEATS = re.compile(r"([a-z])\1{2,}")
_SPACES = re.compile(r"\s+")

#: word -> replacement, applied on word boundaries after lower-casing.
_WORDS: dict[str, str] = {
    # contractions typed without apostrophes ("ill" is left alone: it also means sick)
    "im": "i'm", "ive": "i've", "id": "i'd", "dont": "don't", "doesnt": "doesn't", "didnt": "didn't",
    "cant": "can't", "wont": "won't", "wouldnt": "wouldn't", "couldnt": "couldn't", "shouldnt": "shouldn't",
    "isnt": "isn't", "arent": "aren't", "wasnt": "wasn't", "werent": "weren't", "hasnt": "hasn't",
    "havent": "haven't", "shes": "she's", "hes": "he's", "theyre": "they're", "youre": "you're",
    "thats": "that's", "whats": "what's", "theres": "there's", "itll": "it'll", "ill've": "i'll have",
    "u": "you", "ur": "your", "r": "are", "pls": "please",
    # informal forms
    "wanna": "want to", "gonna": "going to", "gotta": "got to", "kinda": "kind of", "dunno": "don't know",
    # misspellings of risk words
    "suicdal": "suicidal", "suicidel": "suicidal", "sucidal": "suicidal", "suiside": "suicide",
    "suicde": "suicide", "sucide": "suicide", "suacide": "suicide", "suicid": "suicide", "suicidle": "suicidal",
    "suisidal": "suicidal", "sucicidal": "suicidal", "kil": "kill", "kiling": "killing", "kils": "kills", "myslef": "myself",
    "mysef": "myself", "mself": "myself", "meself": "myself", "urself": "yourself", "pils": "pills",
    "tablests": "tablets", "overdoes": "overdose", "overdosed": "overdosed", "od": "overdose", "od'd": "overdosed",
    "odd'd": "overdosed", "breating": "breathing", "breathin": "breathing", "brething": "breathing",
    "unconcious": "unconscious", "unconsious": "unconscious", "siezure": "seizure", "seziure": "seizure",
    "seisure": "seizure", "sezure": "seizure", "hurtin": "hurting", "cuttin": "cutting", "dyin": "dying",
    "selfharm": "self harm", "self-harm": "self harm", "selfharming": "self harming", "self-harming": "self harming",
    "unalive": "unalive", "kms": "kill myself", "kys": "kill yourself",
}
_WORD = re.compile(r"[a-z][a-z'\-]*")


def _fix_word(match: re.Match[str]) -> str:
    word = match.group(0)
    return _WORDS.get(word, word)


def normalise(text: str) -> str:
    """The normal form the crisis patterns are written against."""
    if not text:
        return ""
    lowered = text.translate(_QUOTES).lower()
    decomposed = unicodedata.normalize("NFKD", lowered)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = _REPEATS.sub(r"\1", plain)  # letters stretched 3+ times were typed once: "diiie" -> "die"
    plain = _WORD.sub(_fix_word, plain)
    # "my self" -> "myself", "him self" -> "himself"
    plain = re.sub(r"\b(my|him|her|them|your|it) self\b", r"\1self", plain)
    return _SPACES.sub(" ", plain).strip()

