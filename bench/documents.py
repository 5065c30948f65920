"""Valid Brazilian and Portuguese documents (CPF, CNPJ, NIF) and phone numbers written the
ways people write them, for the generated customer base."""

from __future__ import annotations

import random
import unicodedata


def ascii_fold(text: str) -> str:
    """ "João D'Ávila" → "joao d'avila" (for e-mail local parts)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def cpf(rng: random.Random) -> str:
    """Eleven digits with valid check digits (not all equal)."""
    while True:
        base = [rng.randrange(10) for _ in range(9)]
        if len(set(base)) > 1:
            break
    for weight_start in (10, 11):
        total = sum(d * w for d, w in zip(base, range(weight_start, 1, -1), strict=False))
        rest = total % 11
        base.append(0 if rest < 2 else 11 - rest)
    return "".join(map(str, base))


def cnpj(rng: random.Random) -> str:
    """Fourteen digits (a head office, /0001) with valid check digits."""
    base = [rng.randrange(10) for _ in range(8)] + [0, 0, 0, 1]
    for weights in (
        (5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2),
        (6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2),
    ):
        rest = sum(d * w for d, w in zip(base, weights, strict=False)) % 11
        base.append(0 if rest < 2 else 11 - rest)
    return "".join(map(str, base))


def nif(rng: random.Random) -> str:
    """A Portuguese personal tax number (starts with 1, 2 or 3) with its check digit."""
    base = [rng.choice((1, 2, 3))] + [rng.randrange(10) for _ in range(7)]
    rest = sum(d * w for d, w in zip(base, range(9, 1, -1), strict=False)) % 11
    base.append(0 if rest < 2 else 11 - rest)
    return "".join(map(str, base))


def format_cpf(digits: str, rng: random.Random) -> str:
    if rng.random() < 0.7:
        return f"{digits[:3]}.{digits[3:6]}.{digits[6:9]}-{digits[9:]}"
    return digits


def format_cnpj(digits: str, rng: random.Random) -> str:
    if rng.random() < 0.8:
        return f"{digits[:2]}.{digits[2:5]}.{digits[5:8]}/{digits[8:12]}-{digits[12:]}"
    return digits


BR_MOBILE_WEIGHTS = (35, 15, 15, 10, 8, 7, 5, 5)
BR_LANDLINE_WEIGHTS = (60, 25, 15)
PT_MOBILE_WEIGHTS = (50, 25, 15, 10)


def br_mobile_forms(ddd: str, sub: str) -> list[str]:
    """The ways people write a Brazilian mobile (``sub`` = 9 digits); see BR_MOBILE_WEIGHTS."""
    a, b = sub[:5], sub[5:]
    return [
        f"({ddd}) {a}-{b}",
        f"+55 {ddd} {a} {b}",
        f"{ddd}{sub}",
        f"{ddd} {a}-{b}",
        f"+55 ({ddd}) {a}-{b}",
        f"+55{ddd}{sub}",
        f"({ddd}){a}-{b}",
        f"55{ddd}{sub}",
    ]


def br_landline_forms(ddd: str, sub: str) -> list[str]:
    a, b = sub[:4], sub[4:]
    return [f"({ddd}) {a}-{b}", f"{ddd} {a}-{b}", f"+55 {ddd} {a} {b}"]


def pt_mobile_forms(sub: str) -> list[str]:
    return [f"+351 {sub[:3]} {sub[3:6]} {sub[6:]}", f"+351{sub}", f"00351 {sub}", f"+351 {sub}"]
