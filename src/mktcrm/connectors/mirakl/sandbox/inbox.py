"""Message threads (M10/M11/M12/OR43), returns (RT11) and reasons (RE01) behind the Mirakl sandbox.

Seeded from its own ``random.Random(f"{seed}:{name}:inbox")`` so the order data (shared by every
marketplace's sandbox through ``data.generate``) stays byte-for-byte what it was. Threads sit on the
orders flagged ``has_customer_message``; returns on a few shipped orders, one per state. Texts are French.
"""

from __future__ import annotations

import gc
import random
from dataclasses import dataclass, field

from mktcrm.sandbox.records import DAY, Dataset

CUSTOMER, SHOP, OPERATOR = "CUSTOMER_USER", "SHOP_USER", "OPERATOR_USER"
RETURN_STATES = ("WAITING_ACCEPTANCE", "IN_PROGRESS", "REFUSED", "RECEIVED", "NO_RECEPTION", "CLOSED", "CANCELED")
RETURN_METHODS = ("RETURN_METHOD_BY_MAIL", "RETURN_METHOD_DROP_OFF_POINT", "RETURN_METHOD_HOME_PICKUP")
MAX_MESSAGES = 1000

# RE01: (code, type, label, is_shop_right). Codes follow the spec's examples; labels are the operator's, in French.
REASONS: tuple[tuple[str, str, str, bool], ...] = (
    ("1", "INCIDENT_OPEN", "Article non reçu", False),
    ("2", "INCIDENT_OPEN", "Article endommagé", False),
    ("3", "INCIDENT_OPEN", "Article non conforme à la description", False),
    ("10", "INCIDENT_CLOSE", "Article de remplacement reçu", True),
    ("11", "INCIDENT_CLOSE", "Remboursement effectué", True),
    ("12", "INCIDENT_CLOSE", "Problème résolu avec le client", True),
    ("13", "INCIDENT_CLOSE", "Clôturé par l'opérateur", False),
    ("15", "REFUND", "Rupture de stock", True),
    ("20", "ORDER_MESSAGING", "Où en est ma commande ?", True),
    ("21", "ORDER_MESSAGING", "Question sur un produit", True),
    ("22", "ORDER_MESSAGING", "Retour ou échange", True),
    ("26", "ORDER_MESSAGING", "Autre question", True),
    ("27", "ORDER_MESSAGING", "Réservé à l'opérateur", False),
    ("34", "CANCELATION", "Annulé par le client avant expédition", True),
    ("RETURN_BROKEN_ITEM", "RETURN", "Article cassé", False),
    ("RETURN_CHANGED_MIND", "RETURN", "Changement d'avis", False),
    ("RETURN_DEFECTIVE_ITEM", "RETURN", "Article défectueux", False),
    ("RETURN_PDNT_TOO_SMALL", "RETURN", "Produit trop petit", False),
    ("RETURN_DELIVERED_PRODUCT_DIFFERENT", "RETURN", "Produit livré différent", False),
)
INCIDENT_OPEN_REASONS = tuple(r for r in REASONS if r[1] == "INCIDENT_OPEN")
RETURN_REASONS = tuple(r[0] for r in REASONS if r[1] == "RETURN")

QUESTIONS = (
    "Bonjour, ma commande n'est toujours pas arrivée. Pouvez-vous me donner le numéro de suivi ?",
    "Bonjour, le colis est arrivé abîmé et l'article est rayé. Que dois-je faire ?",
    "Bonjour, est-il possible d'échanger l'article contre une autre taille ?",
    "Bonjour, je n'ai reçu qu'un seul article sur les deux commandés.",
    "Bonjour, la facture n'était pas dans le colis, pouvez-vous me l'envoyer ?",
    "Bonjour, l'article ne correspond pas à la photo de l'annonce. Je souhaite être remboursée.",
)
FOLLOW_UPS = (
    "Merci pour votre réponse, mais je n'ai toujours rien reçu.",
    "D'accord, j'attends votre retour. Cordialement.",
    "Le numéro de suivi ne fonctionne pas sur le site du transporteur.",
)
ANSWERS = (
    "Bonjour, merci pour votre message. Votre colis a été remis au transporteur, le suivi est en ligne.",
    "Bonjour, nous sommes désolés pour ce désagrément. Nous vous envoyons un article de remplacement.",
    "Bonjour, l'échange est possible : nous vous envoyons l'étiquette de retour par message.",
)
OPERATOR_NOTES = (
    "Bonjour, le client nous a contactés au sujet de cette commande. Merci de lui répondre sous 48 h.",
    "Bonjour, merci de transmettre un justificatif d'expédition pour cette commande.",
)


@dataclass(slots=True)
class Message:
    id: str
    at: float
    sender: str  # CUSTOMER_USER | SHOP_USER | OPERATOR_USER (or anything a test injects)
    body: str
    to: tuple[str, ...]  # participant types: CUSTOMER, SHOP, OPERATOR


@dataclass(slots=True)
class Thread:
    id: str
    order_id: str
    topic_type: str  # FREE_TEXT | REASON_CODE
    topic_value: str
    created: float
    updated: float
    messages: list[Message] = field(default_factory=list)
    no_reply_needed: float | None = None  # when the operator marked it "no store reply needed"


@dataclass(slots=True)
class Return:
    id: str
    order_id: str
    line_id: str
    quantity: int
    reason_code: str
    state: str
    created: float
    updated: float
    method: str
    rma: str


class Inbox:
    """Threads and returns of one shop, plus the mutations the API and tests perform."""

    def __init__(self, ds: Dataset, seed: int, shop_id: int = 2071) -> None:
        self.ds = ds
        self.shop_id = shop_id
        self.rng = random.Random(f"{seed}:{ds.name}:inbox")
        self.threads: dict[str, Thread] = {}
        self.returns: dict[str, Return] = {}
        # Tens of thousands of small acyclic objects next to 100k orders: a GC pass here would walk them
        # all several times (3x the seeding time), for nothing to collect.
        paused = gc.isenabled()
        gc.disable()
        try:
            self._seed_threads()
            self._seed_returns()
        finally:
            if paused:
                gc.enable()

    def new_id(self) -> str:
        """A UUID-4-shaped id like Mirakl's, formatted by hand (``uuid.UUID`` is slow at 100k orders)."""
        h = f"{self.rng.getrandbits(128):032x}"
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"

    # -- seeding ------------------------------------------------------------------------------------------------
    def _seed_threads(self) -> None:
        rng, ds = self.rng, self.ds
        flagged = [o for o in ds.orders if o.has_message]
        others = [o for o in ds.orders if not o.has_message]
        extra = max(0, min(len(ds.orders), 8) - len(flagged))
        for order in rng.sample(others, min(extra, len(others))):  # enough threads to page through
            order.has_message = True
            flagged.append(order)
        flagged.sort(key=lambda o: (o.created, o.order_id))
        for i, order in enumerate(flagged):
            room = max(60.0, ds.now - order.created)
            t = float(int(order.created + min(room * rng.random(), 10 * DAY)))
            kind = i if i < 4 else int(rng.random() * 4)
            code = ("20", "21", "22", "26")[int(rng.random() * 4)]
            thread = Thread(self.new_id(), order.order_id, "REASON_CODE", code, t, t)
            if kind == 3:  # the operator asks the shop about the order
                thread.topic_type, thread.topic_value = "FREE_TEXT", "Demande de l'opérateur"
                self._say(thread, OPERATOR, OPERATOR_NOTES[int(rng.random() * len(OPERATOR_NOTES))], t, ("SHOP",))
            else:
                self._say(thread, CUSTOMER, QUESTIONS[int(rng.random() * len(QUESTIONS))], t, ("SHOP",))
            if kind in (1, 2):
                t = min(ds.now, float(int(t + rng.uniform(0.1, 1.5) * DAY)))
                self._say(thread, SHOP, ANSWERS[int(rng.random() * len(ANSWERS))], t, ("CUSTOMER",))
            if kind == 2:
                t = min(ds.now, float(int(t + rng.uniform(0.1, 2.0) * DAY)))
                self._say(thread, CUSTOMER, FOLLOW_UPS[int(rng.random() * len(FOLLOW_UPS))], t, ("SHOP",))
            self.threads[thread.id] = thread

    def _seed_returns(self) -> None:
        rng, ds = self.rng, self.ds
        eligible = [o for o in ds.orders if o.shipped is not None and o.state in ("SHIPPED", "RECEIVED", "CLOSED")]
        count = min(len(eligible), max(len(RETURN_STATES), round(0.01 * len(ds.orders))))
        for i, order in enumerate(sorted(rng.sample(eligible, count), key=lambda o: (o.created, o.order_id))):
            assert order.shipped is not None
            start = order.received or order.shipped
            created = min(ds.now, float(int(start + rng.uniform(0.5, 8.0) * DAY)))
            state = RETURN_STATES[i] if i < len(RETURN_STATES) else RETURN_STATES[int(rng.random() * 7)]
            later = float(int(created + rng.uniform(0.2, 6) * DAY))
            updated = created if state == "WAITING_ACCEPTANCE" else min(ds.now, later)
            line = order.lines[0]
            rid = self.new_id()
            self.returns[rid] = Return(
                rid,
                order.order_id,
                f"{order.order_id}-1",
                line.quantity,
                RETURN_REASONS[int(rng.random() * len(RETURN_REASONS))],
                state,
                created,
                updated,
                RETURN_METHODS[int(rng.random() * len(RETURN_METHODS))],
                f"RMA-{order.order_id[:-2]}",
            )

    # -- mutations ----------------------------------------------------------------------------------------------
    def _say(self, thread: Thread, sender: str, body: str, at: float, to: tuple[str, ...]) -> Message:
        message = Message(self.new_id(), at, sender, body, to)
        thread.messages.append(message)
        thread.updated = max(thread.updated, at)
        return message

    def post(self, thread: Thread, sender: str, body: str, at: float, to: tuple[str, ...]) -> Message:
        """A new message on a thread (M12, or a test's customer/operator message)."""
        return self._say(thread, sender, body, max(at, thread.updated), to)

    def open_thread(
        self, order_id: str, topic: tuple[str, str], sender: str, body: str, at: float, to: tuple[str, ...]
    ) -> tuple[Thread, Message]:
        """A new thread on an order (OR43 from the shop, or a customer's first question in tests)."""
        thread = Thread(self.new_id(), order_id, topic[0], topic[1], at, at)
        message = self._say(thread, sender, body, at, to)
        self.threads[thread.id] = thread
        self.ds.get(order_id).has_message = True
        return thread, message

    def threads_of(self, order_id: str) -> list[Thread]:
        return [t for t in self.threads.values() if t.order_id == order_id]

    def set_return_state(self, return_id: str, state: str, at: float, known_only: bool = True) -> None:
        """Move a return; ``known_only=False`` lets a test play a state newer than the spec's enum."""
        if known_only and state not in RETURN_STATES:
            raise ValueError(f"unknown return state {state!r}; valid: {', '.join(RETURN_STATES)}")
        ret = self.returns[return_id]
        ret.state, ret.updated = state, max(at, ret.updated)


def incident_reason(order_id: str) -> tuple[str, str]:
    """A stable INCIDENT_OPEN reason (code, label) per order, without storing one per line."""
    code, _type, label, _right = INCIDENT_OPEN_REASONS[sum(map(ord, order_id)) % len(INCIDENT_OPEN_REASONS)]
    return code, label


def reasons_of(kind: str, shop_only: bool = True) -> set[str]:
    """Codes of one RE01 type the shop may use."""
    return {code for code, typ, _label, right in REASONS if typ == kind and (right or not shop_only)}
