"""Vocabulary of the `relevance` rule, per language: what customer-care replies say whatever the
customer wrote, what thanks and praise look like, and how a reply asks for a case's details.

Built from reading real brand replies (benchmarks/relevance/README.md); kept apart from the rule
so that adding a language is adding words, not code.
"""

from __future__ import annotations

import re


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Words a reply may use without saying anything of its own (on top of the shared
#: GENERIC_WORDS of stock_phrases): "For more info, visit us at <link>" says nothing.
CARE_WORDS: dict[str, frozenset[str]] = {
    "en": _words(
        """
        visit reaching reached sharing shared appreciated concerns questions assisting helping
        supporting solution solutions resolve resolution continue assistance page website site
        bio profile chat note reply replied respond response attention hear
        glad pleased sorry apologies apologize apologise sincerely truly really definitely
        certainly always ready able available hand anytime future hope soon forward service
        hi hello hey dear morning afternoon evening anything something everything send sent
        give provide offer options option steps
        """
    ),
    "it": _words(
        """
        visitare pagina sito profilo chat nota gentilezza disponibile disponibili sempre pronto
        pronti volentieri ciao salve buongiorno buonasera gentile gentilissimo
        """
    ),
}

#: A customer message with one of these thanks, praises or closes: whatever answers it (a
#: "You're welcome", an emoji, "Enjoy!") is not ignoring the customer.
GRATITUDE: dict[str, frozenset[str]] = {
    "en": _words(
        """
        thank thanks thx ty thankyou thanku appreciate appreciated grateful thankful kudos
        bravo cheers congrats congratulations awesome amazing excellent brilliant fantastic
        wonderful perfect love loved lovely blessing rock rocks legend superb
        """
    ),
    "it": _words(
        """
        grazie ringrazio ringraziamo ringraziare complimenti bravi bravissimi ottimo ottima
        perfetto perfetta fantastico fantastica splendido adoro amo gentilissimi
        """
    ),
}

#: A reply asking the customer for what their case needs, or to move to a private channel
#: (the usual next step when a case needs an order number or an account): engaging, not ignoring.
CONTACT_REQUEST: dict[str, re.Pattern[str]] = {
    "en": re.compile(
        r"\b(?:dm|dms|pm|direct\s+message|private\s+message|inbox)\b"
        r"|\b(?:send|message|email|e-mail|text|call|contact|write\s+to|reach|ping|tweet)\s+"
        r"(?:us|me|our\s+team|out)\b"
        r"|\b(?:send|share|provide|confirm|give)\b[^.?!]{0,40}\b(?:order|tracking|confirmation|"
        r"booking|reference|account|email|e-mail|address|number|phone|device|model|version|"
        r"platform|screenshot|browser|details|zip|postcode|receipt|store|location|name)\b"
        r"|\b(?:which|what)\s+(?:order|device|version|platform|store|browser|model|account)\b"
        r"|\b(?:tell|let)\s+(?:us|me|our\s+team|the\s+team)\b",
        re.IGNORECASE,
    ),
    "it": re.compile(
        r"\b(?:dm|direct|scrivici|scrivimi|contattaci|contattami|inviaci|mandaci|chiamaci)\b"
        r"|\b(?:invia|inviare|manda|mandare|indica|indicare|comunica|comunicare|fornisci)\b"
        r"[^.?!]{0,40}\b(?:ordine|numero|codice|email|indirizzo|telefono|contratto|cliente|"
        r"dettagli|dati)\b",
        re.IGNORECASE,
    ),
}

#: A yes/no question answered ("We sure do!", "Unfortunately not"): an answer, however short.
ANSWER: dict[str, re.Pattern[str]] = {
    "en": re.compile(
        r"^\W*(?:(?:hi|hello|hey)\b[^.!?,]{0,20}[.!?,]?\s*)?"
        r"(?:yes|yep|yeah|yup|sure|absolutely|of\s+course|certainly|we\s+(?:sure\s+)?(?:do|can)\b"
        r"|unfortunately|not\s+yet|no\b)",
        re.IGNORECASE,
    ),
    "it": re.compile(
        r"^\W*(?:(?:ciao|salve|buongiorno|buonasera)\b[^.!?,]{0,20}[.!?,]?\s*)?"
        r"(?:sì|si\b|certo|certamente|purtroppo|no\b|non\s+ancora)",
        re.IGNORECASE,
    ),
}

#: "DM us if you have any questions" offers, it does not ask: a closing line, not a request.
CONDITIONAL_OFFER: dict[str, re.Pattern[str]] = {
    "en": re.compile(
        r"\bif\s+(?:you|there)\s+(?:have|has|need|ever|should|want|is|are)\b", re.IGNORECASE
    ),
    "it": re.compile(r"\bse\s+(?:hai|avete|ha|serve|servisse|dovessi|dovesse)\b", re.IGNORECASE),
}

#: Tokens right after these start a name or a signature ("Hi Jenna", "-Becky", "^KL"), not
#: something the reply says.
NAME_MARKERS = frozenset(
    "hi hello hey dear thanks thank morning afternoon evening ciao salve buongiorno buonasera "
    ", - ^ * ~ / – —".split()
)
