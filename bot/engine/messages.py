"""Default finding messages in each supported language.

A brand writes its own `message:` for its rules; built-in checks and rules without a message
speak the brand's language, so an Italian approver never reads English boilerplate.
"""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "existence": "Avoid '%s'.",
        "substitution": "Use '%s' instead of '%s'.",
        "occurrence": "'%s' occurs %s times.",
        "capitalization": "Write '%s'.",
        "pii": "Personal data in a public post (%s): '%s'.",
        "pii.email": "e-mail address",
        "pii.phone": "phone number",
        "pii.card": "card number",
        "platform-length": "{platform} allows {limit} characters; this draft has {length} "
        "({over} too many).",
        "platform-length.hard": "{platform} itself refuses longer posts, so this cannot be "
        "overridden.",
        "platform-hashtags": "At most {limit} hashtags on {platform}; this draft has {count}.",
        "disclosure.missing": "Sponsored content must carry {tags}{where}.",
        "disclosure.where": " within the first {within} characters",
        "disclosure.late": "'{tag}' must appear within the first {within} characters, above "
        "the fold; it ends at character {end}.",
        "value": "'{text}' contradicts the brand value '{value}': {description}",
    },
    "it": {
        "existence": "Evita '%s'.",
        "substitution": "Usa '%s' invece di '%s'.",
        "occurrence": "'%s' compare %s volte.",
        "capitalization": "Si scrive '%s'.",
        "pii": "Dato personale in un post pubblico (%s): '%s'.",
        "pii.email": "indirizzo e-mail",
        "pii.phone": "numero di telefono",
        "pii.card": "numero di carta",
        "platform-length": "{platform} ammette {limit} caratteri; questa bozza ne ha {length} "
        "({over} di troppo).",
        "platform-length.hard": "{platform} stesso rifiuta post più lunghi: non si può forzare.",
        "platform-hashtags": "Al massimo {limit} hashtag su {platform}; questa bozza ne ha "
        "{count}.",
        "disclosure.missing": "I contenuti sponsorizzati devono riportare {tags}{where}.",
        "disclosure.where": " entro i primi {within} caratteri",
        "disclosure.late": "'{tag}' deve comparire entro i primi {within} caratteri, prima "
        "della piega; ora finisce al carattere {end}.",
        "value": "'{text}' contraddice il valore del marchio '{value}': {description}",
    },
}


def message(lang: str, key: str, **fields: object) -> str:
    """The message `key` in `lang` (English when the language has none), filled with fields."""
    template = MESSAGES.get(lang, MESSAGES["en"]).get(key) or MESSAGES["en"][key]
    return template.format(**fields) if fields else template
