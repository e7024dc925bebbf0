"""Default finding messages in each supported language, for every rule type and built-in check.

A brand writes its own `message:` for its rules; built-in checks and rules without a message
speak the brand's language, so an Italian approver never reads English boilerplate (nor a mix:
a message is whole in one language). Rule-type messages (keyed by `type:`) are filled Vale-style,
`%s` by `%s`; the others are `str.format` templates. Every language has every key with the same
placeholders (tests/engine/test_finding_messages.py checks it).
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
        "boilerplate": "'%s' is a stock phrase; say it in your own words.",
        "duplicate": "Near-duplicate of %s earlier draft(s) of the last %s days; closest: draft %s "
        "(%s% similar). Write this one for this conversation.",
        "relevance": "This reply shares no word with the message it answers (about: %s) and "
        "addresses nothing specific in it.",
        # a custom `message:` gets the score, the range and the index name, in that order
        "readability": "%s is outside this brand's range %s (%s).",
        "readability.index": "Flesch reading ease",
        "readability.low": "{index} {score} is outside this brand's range {range}: shorter "
        "sentences and shorter words help.",
        "readability.high": "{index} {score} is outside this brand's range {range}: it reads "
        "simpler than the brand's voice.",
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
        "boilerplate": "'%s' è una frase fatta; dillo con parole tue.",
        "duplicate": "Quasi uguale a %s bozze precedenti degli ultimi %s giorni; la più simile: "
        "bozza %s (simile al %s%). Scrivi questa per questa conversazione.",
        "relevance": "Questa risposta non ha nessuna parola in comune con il messaggio a cui "
        "risponde (argomento: %s) e non ne riprende nulla di specifico.",
        "readability": "%s è fuori dall'intervallo del marchio %s (%s).",
        "readability.index": "Indice Gulpease",
        "readability.low": "{index} {score} è fuori dall'intervallo del marchio {range}: frasi "
        "e parole più brevi aiutano.",
        "readability.high": "{index} {score} è fuori dall'intervallo del marchio {range}: suona "
        "più semplice della voce del marchio.",
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


def rule_message(lang: str, rule_type: str, fallback: str) -> str:
    """The default `%s` message of a rule type in `lang`; `fallback` for a type none lists."""
    own = MESSAGES.get(lang, MESSAGES["en"]).get(rule_type) or MESSAGES["en"].get(rule_type)
    return own or fallback
