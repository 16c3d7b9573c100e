"""Author names: splitting author strings and matching the watchlist on normalised names."""

from __future__ import annotations

import pytest

from papersift._names import fold, name_key, same_author, split_authors


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Ana Martinez, Bo Li", ("Ana Martinez", "Bo Li")),
        ("Ana Martinez and Bo Li", ("Ana Martinez", "Bo Li")),
        ("Ana Martinez, Bo Li, and Carl Muller", ("Ana Martinez", "Bo Li", "Carl Muller")),
        ("A. One (Univ. X, Country), B. Two", ("A. One (Univ. X, Country)", "B. Two")),
        ("NVIDIA, :, Aaron Blakeman", ("NVIDIA", "Aaron Blakeman")),
        ("Alexander Andersson", ("Alexander Andersson",)),
        ("", ()),
    ],
)
def test_split_authors(text: str, names: tuple[str, ...]) -> None:
    assert split_authors(text) == names


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("Martínez", "martinez"),
        ("Mart\\'inez", "martinez"),
        ("Mart\\'{\\i}nez", "martinez"),
        ('M{\\"u}ller', "muller"),
        ('M\\"{u}ller', "muller"),
        ("Müller", "muller"),
        ("Schölkopf", "scholkopf"),
        ('Sch\\"olkopf', "scholkopf"),
        ("\\v{S}ediv\\'y", "sedivy"),
        ("Ca\\c{c}ar", "cacar"),
        ("Gau\\ss", "gauss"),
        ("{\\O}stergaard", "ostergaard"),
        ("Łukasz", "ukasz"),
    ],
)
def test_fold_resolves_accents_and_their_tex_escapes(raw: str, folded: str) -> None:
    assert fold(raw) == folded


@pytest.mark.parametrize(
    ("watched", "author"),
    [
        ("Javier Martínez", "Javier Mart\\'inez"),
        ("Javier Martínez", "J. Martinez"),
        ("Martínez, Javier", "JAVIER MARTINEZ"),
        ("Martinez, J.", "Javier Mart\\'{\\i}nez"),
        ("Klaus Müller", 'Klaus M{\\"u}ller'),
        ("K. Müller", "Klaus-Robert Müller"),
        ("Bernhard Schölkopf", 'B. Sch\\"olkopf'),
        ("Bengio", "Yoshua Bengio"),
        ("Yoshua Bengio", "Y. Bengio"),
        ("Yu-Wing Tai", "Y.-W. Tai"),
    ],
)
def test_same_author(watched: str, author: str) -> None:
    assert same_author(watched, author)


@pytest.mark.parametrize(
    ("watched", "author"),
    [
        ("Yoshua Bengio", "Samy Bengio"),
        ("Jun Li", "Jian Li"),
        ("J. Li", "Bo Li"),
        ("Javier Martinez", "Javier Marquez"),
        ("Li", "Lin"),
    ],
)
def test_different_authors(watched: str, author: str) -> None:
    assert not same_author(watched, author)


def test_name_key_reads_both_orders() -> None:
    assert name_key("Javier Martínez") == name_key("Martínez, Javier") == ("martinez", "javier")
    assert name_key("J. Martinez") == ("martinez", "j")
