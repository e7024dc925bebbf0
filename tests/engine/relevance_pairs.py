"""Invented (customer message, brand reply, label) pairs in the style of the real ones labelled
in benchmarks/relevance/ (which cannot be copied here: see its README). Written for the test of
the `relevance` rule's precision: `True` when the reply ignores what the customer said.

Each kind of real case appears: thanks answered, greetings, requests for exactly what the case
needs (order number, DM), answers in other words, venting, and the replies that say nothing.
"""

from __future__ import annotations

PAIRS: tuple[tuple[str, str, bool], ...] = (
    # --- replies that ignore the customer
    (
        "My bill went up by twenty pounds and nobody explained why",
        "We appreciate your feedback and thank you for sharing your concerns. ^AB",
        True,
    ),
    (
        "I meant the rider app, not the driver one!!",
        "We're here to help! For more info, visit us at https://example.com/help",
        True,
    ),
    (
        "Still no shipping update on the preorder from August, the launch is next week",
        "Thanks for your patience. *KM",
        True,
    ),
    (
        "Had the best evening at your riverside cinema, the audio described show made me cry",
        "Please let us know if you need any help or have any questions. -GR",
        True,
    ),
    (
        "Why was I charged more than the fare estimate for a five minute trip?",
        "Here to help. For more info regarding your concern, please visit https://example.com/f",
        True,
    ),
    (
        "The new dashboard is so confusing, nothing is where it used to be",
        "Hi Amanda, thank you for this feedback. ^RG",
        True,
    ),
    (
        "I can't activate my student subscription, the button does nothing",
        "Sorry to hear you're having an issue. Could you provide us with more information and we "
        "will look into it.",
        True,
    ),
    (
        "Any news on why the evening train to Leeds was cancelled? Thanks",
        "Oh ok. Thanks for checking with us and we are here for you. *HR",
        True,
    ),
    (
        "Online matches keep disconnecting me, I reinstalled on my Xbox One twice",
        "Please let us know what platform you are playing on so we may assist further. *MS",
        True,
    ),
    (
        "The update fails at 80% every time, so I guess I wait until morning",
        "Hi there, we're here to help. Could you provide more detail on what's going on?",
        True,
    ),
    (
        "I'd still prefer a seat-back screen to holding a tablet for six hours",
        "We appreciate your feedback!",
        True,
    ),
    (
        "Turning eighteen next month and I already have delivery experience, can I sign up?",
        "Hi! Please visit https://example.com/drive for more information.",
        True,
    ),
    # --- replies that engage
    ("Got it working after a restart. Thank you!", "You're welcome! Have a good one. ^JP", False),
    (
        "Your staff at the airport were fantastic today",
        "That's lovely to hear, we'll pass it on to the team!",
        False,
    ),
    ("Hello!", "Hi there! How can we help?", False),
    (
        "My parcel hasn't arrived and the tracking page is blank",
        "So sorry! Please DM us your order number so we can check on it.",
        False,
    ),
    (
        "My parcel hasn't arrived and the tracking page is blank",
        "Sorry the package is late! Couriers deliver until 8 PM tonight.",
        False,
    ),
    (
        "The app logs me out every time I open it",
        "That's not right. Which device and app version are you using?",
        False,
    ),
    (
        "Someone keeps trying to order gift cards on my account",
        "Send us a DM with the email on your account and we'll secure it right away.",
        False,
    ),
    ("Is the Leeds store open on Sunday?", "Yes, we are! See you then.", False),
    (
        "Do you do group bookings for school trips?",
        "We sure do! Have a look here: https://example.com/groups",
        False,
    ),
    (
        "How do I change the lock screen picture now?",
        "We'd be happy to help. This link has the steps: https://example.com/lock",
        False,
    ),
    ("Worst service ever, totally unacceptable", "We're sorry. How can we help?", False),
    (
        "My earbuds stopped working and I'm about to lose it",
        "We're sorry to hear that. What's going on with them?",
        False,
    ),
    (
        "Why did flight 221 divert to Denver? Thanks",
        "Oh no! One moment while I take a look.",
        False,
    ),
    (
        "The cheese sauce was cold and half the order was missing",
        "I'm so sorry! Please tell us more here so we can make it right: https://example.com/c",
        False,
    ),
    (
        "Found the voucher but it doesn't work at checkout",
        "Sorry about that! Can you send us a screenshot of the error?",
        False,
    ),
    ("Alfreton", "Thanks very much. We'll get that sent over. -BH", False),
    (
        "I've been on hold for an hour trying to pay for my booking",
        "We're sorry for the long wait. The next available agent will be with you shortly.",
        False,
    ),
    (
        "Your app seems to be down tonight",
        "We turned off online ordering for the promotion tonight, sorry for the trouble.",
        False,
    ),
    (
        "Dressed up as a pirate for the discount and it was worth it",
        "That sounds so epic. Arr! -Becky",
        False,
    ),
    (
        "The suggestion box on the forum is closed, how do I send ideas now?",
        "Great question! Post it in our community here: https://example.com/ideas",
        False,
    ),
    # --- stock deflections to a question (feedback noted, help "if you need it")
    (
        "Is there a way to skip this one advert? It plays every other song and I can't stand it",
        "Thanks for taking the time to reach out, we'll pass your feedback on to our Ads team /NQ",
        True,
    ),
    (
        "If I reinstall the game on my console, will my saved progress still be there?",
        "If you need help with this game, we'd be happy to help! Tweet us for official support ^EZ",
        True,
    ),
    (
        "Why did the pilot land an hour early with no gate free? We're stuck in our seats",
        "We appreciate your constructive feedback and are taking it under serious advisement. *AF",
        True,
    ),
    (
        "Could you add a setting to keep captions on? Off by default is fine",
        "We hear you. No promises, but we'll pass your feedback on to the right folks /RH",
        False,
    ),
    (
        "Can I set up a hidden drive on the console that I reach from my laptop?",
        "Hi there. That option is not available. Please send your ideas here: https://example.com/i",
        False,
    ),
    (
        "You don't deliver to my street after six?! I'll order from the other place then",
        "We're sorry about this! What is the store's address and we'll forward your feedback.",
        False,
    ),
)
