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
        certainly always ready able hand anytime future hope soon forward service
        hi hello hey dear morning afternoon evening anything something everything send sent
        give provide offer options option steps
        kindly
        """
    ),
    "it": _words(
        """
        visitare pagina sito profilo chat nota gentilezza disponibile disponibili sempre pronto
        pronti volentieri ciao salve buongiorno buonasera gentile gentilissimo averci averti
        avervi contattiamo contatteremo scriviamo risponderemo
        """
    ),
}

#: A customer message with one of these thanks, praises or closes: whatever answers it (a
#: "You're welcome", an emoji, "Enjoy!") is not ignoring the customer.
GRATITUDE: dict[str, frozenset[str]] = {
    "en": _words(
        """
        thank thanks thx thks tks tx thnx thanx ty thankyou thanku appreciate appreciated
        grateful thankful kudos resolved solved friendliest
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

#: Words that only vent ("worst service ever, unacceptable"): a message made of them names no
#: topic a reply could ignore, so they do not count as what the customer said.
VENTING: dict[str, frozenset[str]] = {
    "en": _words(
        """
        bad worse worst terrible awful horrible horrendous ridiculous unacceptable pathetic
        disgusting disappointed disappointing frustrated frustrating annoyed annoying angry
        upset furious sucks suck crap shit fuck fucking damn wtf smh ugh hate useless joke
        """
    ),
    "it": _words(
        """
        pessimo pessima vergogna vergognoso schifo ridicolo inaccettabile deluso delusa
        arrabbiato arrabbiata inutile
        """
    ),
}

#: The reply promises to act on the case ("One moment as I take a look", "I've forwarded your
#: details to the team"): engaging, unless it only asks for "more information" in general.
ACTION: dict[str, re.Pattern[str]] = {
    "en": re.compile(
        r"\b(?:take\s+a\s+look|look\s+into|looking\s+into|check\s+on|checking\s+on|"
        r"forward(?:ed|ing)?|pass(?:ed|ing)?\s+(?:it|this|that|your\s+\w+)?\s*(?:on|along)|"
        r"escalat\w*|be\s+in\s+(?:contact|touch))\b",
        re.IGNORECASE,
    ),
    "it": re.compile(
        r"\b(?:verific\w*|controll\w*|inoltr\w*|segnal\w*\s+al\s+team)\b", re.IGNORECASE
    ),
}
VAGUE_REQUEST: dict[str, re.Pattern[str]] = {
    "en": re.compile(r"\bmore\s+(?:info|information|details?)\b", re.IGNORECASE),
    "it": re.compile(r"\bmaggiori\s+(?:informazioni|dettagli)\b", re.IGNORECASE),
}

#: An open invitation to say what is wrong ("How can I help?", "What's going on with them?"):
#: the right answer to a complaint that names no detail yet.
INVITATION: dict[str, re.Pattern[str]] = {
    "en": re.compile(
        r"\b(?:how\s+(?:can|may)\s+(?:i|we)\s+help|what['\u2019]?s\s+(?:going\s+on|happening|wrong)|"
        r"what\s+(?:is|seems\s+to\s+be)\s+(?:going\s+on|happening|the\s+(?:problem|issue))|"
        r"anything\s+(?:i|we)\s+can\s+help)\b[^.!]*\?",
        re.IGNORECASE,
    ),
    "it": re.compile(
        r"\b(?:come\s+possiamo\s+aiutar\w*|cosa\s+(?:succede|è\s+successo))\b[^.!]*\?",
        re.IGNORECASE,
    ),
}

#: Asking again for what the customer already gave ("Which platform?" after "I restarted my
#: PS4"): the reply did not read the message. (Links were tried and dropped: a customer's link is
#: often not the one the brand needs.)
#: (what the reply asks for, what the customer's message must contain, how to name it)
ASKED_AGAIN: dict[str, tuple[tuple[re.Pattern[str], re.Pattern[str], str], ...]] = {
    "en": (
        (
            re.compile(r"\b(?:which|what|the)\s+platform\b", re.IGNORECASE),
            re.compile(
                r"\b(?:ps[345]|playstation(?:\s*[345])?|xbox(?:\s+(?:one|series\s+[xs]))?|"
                r"pc|steam|switch|stadia|epic\s+games)\b",
                re.IGNORECASE,
            ),
            "the platform",
        ),
    ),
}

#: Stop words of spaCy's lists that carry what a reply says here ("we'd like to keep you").
NOT_STOP = frozenset({"keep"})

#: A how-to question ("How do I change ...?"): a link is its answer.
HOW_TO: dict[str, re.Pattern[str]] = {
    "en": re.compile(
        r"\b(?:how\s+(?:do|can|should)\s+(?:i|we|you)|where\s+(?:do|can)\s+(?:i|we)|"
        r"is\s+there\s+a\s+way)\b",
        re.IGNORECASE,
    ),
    "it": re.compile(r"\b(?:come\s+(?:posso|faccio|si)|dove\s+(?:posso|trovo))\b", re.IGNORECASE),
}

#: A yes/no question answered ("We sure do!", "Unfortunately not"): an answer, however short.
ANSWER: dict[str, re.Pattern[str]] = {
    "en": re.compile(
        r"^\W*(?:(?:hi|hello|hey)\b[^.!?,]{0,20}[.!?,]?\s*)?"
        r"(?:yes|yep|yeah|yup|sure|absolutely|of\s+course|certainly|we\s+(?:sure\s+)?(?:do|can)\b"
        r"|unfortunately|not\s+yet|no\b|you\s+got\s+it|correct|that'?s\s+(?:right|correct))"
        r"|\bgood\s+to\s+go\b",
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
    (
        *("hi", "hello", "hey", "dear", "thanks", "thank", "morning", "afternoon", "evening"),
        *("ciao", "salve", "buongiorno", "buonasera"),
        *(",", "-", "^", "*", "~", "/", "\u2013", "\u2014"),
    )
)

#: A stock deflection: feedback thanked for, noted or passed on, or help offered "if you need
#: it". To a customer's question these answer nothing (benchmarks/relevance: "any way to block
#: this ad?" -> "we'll pass your feedback on to our Ads team").
DEFLECTION: dict[str, re.Pattern[str]] = {
    "en": re.compile(
        r"\b(?:feedback|advisement)\b"
        r"|\bif\s+you\s+(?:need|want)\s+(?:any\s+)?(?:help|assistance|support)\b"
        r"|\blet\s+us\s+know\s+if\s+you\s+need\s+(?:any\s+)?(?:help|assistance)\b",
        re.IGNORECASE,
    ),
}
#: A question that asks for a change ("Can you make it a feature?", "Please add ..."):
#: feedback noted and passed on is its answer.
CHANGE_REQUEST: dict[str, re.Pattern[str]] = {
    "en": re.compile(
        r"\b(?:can|could|would|will)\s+you\s+(?:guys\s+)?(?:please\s+)?(?:make|add|bring|put|"
        r"consider|change|fix|allow|let)\b|\bplease\s+(?:add|make|bring|fix)\b|\bfeature\b"
        r"|\bwhy\s+not\b|\bshould\s+(?:be|have|add)\b",
        re.IGNORECASE,
    ),
}
#: The words of those deflections themselves ("we'll pass your feedback on to the proper team").
DEFLECTION_WORDS: dict[str, frozenset[str]] = {
    "en": _words(
        """
        feedback advisement constructive serious seriously pass passed passing along onto proper
        right team teams folks official support tweet appreciate appreciated taking time
        """
    ),
}
#: Contact words that request nothing: thanks for having reached out, an offer to be tweeted
#: (the customer is tweeting already), help offered "if you need" it.
SAID_CONTACT: dict[str, re.Pattern[str]] = {
    "en": re.compile(
        r"\b(?:for|to)\s+(?:taking\s+the\s+time\s+to\s+)?reach(?:ing)?\s+out\b"
        r"|\btweet\s+us\b|\blet\s+us\s+know\s+if\s+you\s+need\b",
        re.IGNORECASE,
    ),
}
