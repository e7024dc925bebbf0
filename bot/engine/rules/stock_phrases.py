"""Corporate stock phrases, per language, for the `boilerplate` rule type.

Phrases customer-care teams paste into every reply; each one alone is polite, together they make
a brand sound like a call centre. Written in their base form: the rule matches them lemma-aware
(apologize/apologized, ringraziamo/ringraziamo), in any case, through the evasion-resistant
normalisation, and with straight or curly apostrophes.
"""

from __future__ import annotations

STOCK_PHRASES: dict[str, tuple[str, ...]] = {
    "en": (
        # apologies
        "we apologize for any inconvenience",
        "we apologise for any inconvenience",
        "we apologize for the inconvenience",
        "we apologise for the inconvenience",
        "sorry for any inconvenience",
        "sorry for the inconvenience",
        "we regret any inconvenience",
        "apologies for any inconvenience",
        "apologies for the inconvenience",
        "we apologize for any confusion",
        "sorry for any confusion",
        "we apologize for the delay",
        "sorry to hear that",
        "we're sorry to hear",
        "we are sorry to hear",
        # thanks
        "thank you for reaching out",
        "thanks for reaching out",
        "thank you for contacting us",
        "thanks for contacting us",
        "thank you for your patience",
        "thanks for your patience",
        "thank you for your understanding",
        "thanks for your understanding",
        "we appreciate your patience",
        "we appreciate your understanding",
        "we appreciate your feedback",
        "thank you for your feedback",
        "thank you for bringing this to our attention",
        "thanks for bringing this to our attention",
        "thank you for letting us know",
        "thanks for letting us know",
        # corporate assurances
        "your call is important to us",
        "your feedback is important to us",
        "your satisfaction is our top priority",
        "customer satisfaction is our top priority",
        "we value your business",
        "we value your feedback",
        "we take this very seriously",
        "we understand your frustration",
        "we understand how frustrating this must be",
        "valued customer",
        "rest assured",
        "please be advised",
        # deflection to another channel or team
        "please dm us",
        "please send us a dm",
        "please send us a direct message",
        "please send us a private message",
        "feel free to reach out",
        "don't hesitate to reach out",
        "do not hesitate to contact us",
        "don't hesitate to contact us",
        "we're looking into this",
        "we are looking into this",
        "we'll look into it",
        "we will look into it",
        "we'll pass your feedback along",
        "we'll pass this along to the team",
        "i've passed this on to the relevant team",
        "for further assistance",
        # closings
        "is there anything else we can help you with",
        "is there anything else i can help you with",
        "we're here to help",
        "we are here to help",
        "we'd be happy to help",
        "we would be happy to help",
        "we hope this helps",
        "have a great day",
        "have a nice day",
    ),
    "it": (
        # scuse
        "ci scusiamo per il disagio",
        "ci scusiamo per i disagi",
        "ci scusiamo per l'inconveniente",
        "ci scusiamo per il disguido",
        "ci scusiamo per l'attesa",
        "ci scusiamo per il ritardo",
        "scusate per il disagio",
        "ci dispiace per il disagio",
        "ci dispiace per l'inconveniente",
        "ci dispiace per il disguido",
        "ci dispiace leggere",
        "ci dispiace sentire",
        # ringraziamenti
        "la ringraziamo per averci contattato",
        "ti ringraziamo per averci contattato",
        "grazie per averci contattato",
        "grazie per averci scritto",
        "la ringraziamo per la segnalazione",
        "grazie per la segnalazione",
        "la ringraziamo per la pazienza",
        "grazie per la pazienza",
        "la ringraziamo per la comprensione",
        "grazie per la comprensione",
        "grazie per il feedback",
        "grazie per la fiducia accordata",
        # rassicurazioni aziendali
        "la sua richiesta è stata presa in carico",
        "la tua richiesta è stata presa in carico",
        "abbiamo preso in carico la sua richiesta",
        "abbiamo preso in carico la tua richiesta",
        "la sua opinione è importante per noi",
        "la tua opinione è importante per noi",
        "il tuo parere è importante per noi",
        "la soddisfazione del cliente è la nostra priorità",
        "comprendiamo il suo disappunto",
        "comprendiamo il tuo disappunto",
        "capiamo la tua frustrazione",
        "gentile cliente",
        "caro cliente",
        "le comunichiamo che",
        "come da nostra policy",
        "come da prassi",
        "ci teniamo a precisare",
        # rinvii ad altri canali o uffici
        "ci scriva in privato",
        "scrivici in privato",
        "scrivici in direct",
        "ci invii un messaggio privato",
        "inviaci un messaggio privato",
        "non esiti a contattarci",
        "non esitare a contattarci",
        "non esitate a contattarci",
        "stiamo verificando",
        "verificheremo quanto prima",
        "le risponderemo al più presto",
        "ti risponderemo al più presto",
        "resti in attesa",
        # chiusure
        "restiamo a disposizione",
        "rimaniamo a disposizione",
        "restiamo a disposizione per qualsiasi chiarimento",
        "siamo a sua disposizione",
        "siamo qui per aiutarti",
        "siamo qui per aiutarla",
        "per qualsiasi informazione",
        "per ulteriori informazioni",
        "speriamo di esserti stati utili",
        "speriamo di esserle stati utili",
        "cordiali saluti",
        "distinti saluti",
        "buona giornata",
    ),
}


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Words every customer-care exchange uses, whatever it is about (lemmas, accent-free): the
#: `relevance` rule does not count them as shared with the customer's message.
GENERIC_WORDS: dict[str, frozenset[str]] = {
    "en": _words(
        """
        help helpful thank thanks please sorry apologize apologise apology hello hey dm message
        direct private team support contact reach detail details info information assist
        assistance happy glad look know let inconvenience experience hear issue problem concern
        question feedback understand appreciate patience day great today soon hope welcome care
        customer follow link check sure like want need get make thing good nice right time way
        best kind regard regards love awesome okay tell share update moment
        """
    ),
    "it": _words(
        """
        aiuto aiutare grazie ringraziare prego scusa scusare scuse ciao salve buongiorno
        buonasera messaggio privato direct dm team assistenza contattare contatto dettaglio
        informazione info disagio inconveniente problema segnalazione segnalare domanda
        richiesta dispiacere felice lieto sapere verificare giornata cliente servizio gentile
        caro disposizione comprensione pazienza attesa presto possibile momento scrivere
        chiedere rispondere risposta cosa fare volere potere dovere bene buono ottimo saluto
        aggiornamento sentire leggere capire
        """
    ),
}


def stock_phrases(lang: str) -> tuple[str, ...]:
    """The built-in phrases of a language (none for a language without a list)."""
    return STOCK_PHRASES.get(lang, ())
