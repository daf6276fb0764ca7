"""French-market text pools for the sandbox data generator.

Kept apart from the generator so the logic in ``data.py`` stays readable; every string here is invented.
Accents, apostrophes and a few hostile strings are deliberate: they exercise escaping in the CLI output.
"""

from __future__ import annotations

from typing import NamedTuple


class Category(NamedTuple):
    """One catalogue category: product bases x variants give the offer titles."""

    code: str
    label: str
    bases: tuple[str, ...]
    variants: tuple[str, ...]
    brands: tuple[str, ...]
    price_range: tuple[float, float]


EPICERIE = Category(
    "EPICERIE-FINE",
    "Épicerie fine",
    (
        "Huile d'olive vierge extra",
        "Confiture de figues",
        "Miel de lavande",
        "Tapenade noire de Provence",
        "Terrine de campagne",
        "Caramel au beurre salé",
        "Moutarde à l'ancienne",
        "Fleur de sel de Guérande",
        "Foie gras de canard entier",
        "Thé vert Sencha",
        "Café en grains Éthiopie Moka",
        "Chocolat noir 70 %",
        "Sablés bretons pur beurre",
        "Calissons d'Aix",
        "Nougat de Montélimar",
        "Piment d'Espelette AOP",
    ),
    ("bio 250 g", "artisanal 500 g", "75 cl", "coffret cadeau", "lot de 3", "1 kg", "édition Noël", "180 g"),
    ("Maison Brémond", "Les Ruchers du Périgord", "Comptoir d'Épices", "La Fée Gourmande", "Côté Terroir"),
    (3.5, 45.0),
)
MAISON = Category(
    "MAISON-DECO",
    "Maison & décoration",
    (
        "Plaid en laine mérinos",
        "Bougie parfumée figuier",
        "Nappe en lin lavé",
        "Coussin velours côtelé",
        "Vase en céramique émaillée",
        "Set de 6 verres à pied",
        "Cocotte en fonte",
        "Tablier en coton bio",
        "Panier en osier tressé",
        "Lampe à poser en rotin",
        "Torchons brodés",
        "Miroir rond doré",
    ),
    (
        "écru",
        "terracotta",
        "vert sauge",
        "bleu pétrole",
        "gris anthracite",
        "moutarde",
        "130 × 170 cm",
        "Ø 24 cm",
        "40 × 40 cm",
    ),
    ("Atelier Léonie", "Maison Sauvage", "Les Tisserands d'Alsace", "Grès & Cie"),
    (9.0, 120.0),
)
JARDIN = Category(
    "JARDIN",
    "Jardin & extérieur",
    (
        "Sécateur de précision",
        "Arrosoir galvanisé 10 L",
        "Graines de tomates anciennes",
        "Jardinière en terre cuite",
        "Hôtel à insectes",
        "Gants de jardinage en cuir",
        "Tuyau d'arrosage extensible",
        "Râteau à feuilles",
        "Terreau universel",
        "Mangeoire à oiseaux en bois",
    ),
    ("taille S", "taille M", "taille L", "lot de 2", "40 L", "vert forêt", "édition printemps"),
    ("Jardins de Sèvres", "Le Potager Français", "Outils Vaubernier"),
    (4.0, 90.0),
)
HIGH_TECH = Category(
    "HIGH-TECH",
    "High-tech",
    (
        "Casque Bluetooth à réduction de bruit",
        "Écouteurs sans fil",
        "Chargeur USB-C 65 W",
        "Clé USB 3.2",
        "Disque SSD externe",
        "Enceinte portable étanche",
        "Montre connectée",
        "Souris ergonomique sans fil",
        "Clavier mécanique AZERTY",
        "Câble HDMI 2.1",
        "Webcam Full HD",
        "Batterie externe",
    ),
    ("noir", "blanc", "bleu nuit", "128 Go", "256 Go", "1 To", "2 m", "20 000 mAh", "reconditionné"),
    ("Hexa", "Voltéo", "Soniq", "Pixélis"),
    (9.0, 399.0),
)
ELECTROMENAGER = Category(
    "ELECTROMENAGER",
    "Électroménager",
    (
        "Aspirateur balai sans fil",
        "Machine à café à grain",
        "Bouilloire électrique 1,7 L",
        "Grille-pain 2 fentes",
        "Robot pâtissier",
        "Friteuse sans huile",
        "Fer à repasser vapeur",
        "Mixeur plongeant",
        "Sèche-cheveux ionique",
        "Purificateur d'air",
        "Yaourtière",
        "Plancha électrique",
    ),
    ("inox", "noir mat", "blanc", "rouge cerise", "1 500 W", "2 200 W", "garantie 5 ans"),
    ("Ménagéo", "Cuisinor", "Brise & Flamme", "Électra"),
    (19.0, 599.0),
)
CULTURE = Category(
    "CULTURE",
    "Culture & loisirs",
    (
        "Roman « L'Été des lucioles »",
        "BD « Les Aventures de Léonie »",
        "Vinyle « Chansons d'après »",
        "Coffret DVD « Rue des Mésanges »",
        "Jeu de société « Châteaux de la Loire »",
        "Puzzle 1000 pièces « Étretat »",
        "Livre de cuisine « Recettes de grand-mère »",
        "Guide de voyage « Bretagne secrète »",
    ),
    ("tome 1", "tome 2", "tome 3", "édition collector", "format poche", "intégrale", "saison 1"),
    ("Éditions du Phare", "Gallimède", "Ludiflore", "Disques Méridien"),
    (5.0, 60.0),
)

CATALOGUES: dict[str, tuple[Category, ...]] = {
    "intermarche": (EPICERIE, MAISON, JARDIN),
    "leclerc": (HIGH_TECH, ELECTROMENAGER, CULTURE),
}
MIXED_CATALOGUE: tuple[Category, ...] = (EPICERIE, MAISON, JARDIN, HIGH_TECH, ELECTROMENAGER, CULTURE)

SHOP_NAMES: dict[str, str] = {"intermarche": "Les Délices d'Hélène", "leclerc": "Hexa Électro Outlet"}

FEMALE_FIRSTNAMES = (
    "Amélie",
    "Cécile",
    "Hélène",
    "Léa",
    "Maëlle",
    "Noémie",
    "Zoé",
    "Anaïs",
    "Chloé",
    "Françoise",
    "Agnès",
    "Séverine",
    "Inès",
    "Océane",
    "Élodie",
    "Héloïse",
    "Manon",
    "Pénélope",
    "Thaïs",
    "Valérie",
    "Camille",
    "Josiane",
    "Nadège",
    "Ségolène",
    "Bérénice",
)
MALE_FIRSTNAMES = (
    "Benoît",
    "Clément",
    "Jérôme",
    "Loïc",
    "Raphaël",
    "Gaël",
    "Théo",
    "Joël",
    "Aurélien",
    "Mathéo",
    "Étienne",
    "Frédéric",
    "Gérald",
    "Grégoire",
    "Jérémie",
    "Léon",
    "Lucas",
    "Nathan",
    "Rémi",
    "Sébastien",
    "Yannick",
    "Hervé",
    "Noël",
    "Anthony",
    "Karim",
)
LASTNAMES = (
    "Lefèvre",
    "Bérard",
    "Dubois",
    "Côté",
    "Gaillard",
    "Hébert",
    "Lemaître",
    "Mercier",
    "Moreau",
    "Pâris",
    "Rousseau",
    "Sénéchal",
    "Thébault",
    "Vallée",
    "Desjardins",
    "Fournier",
    "Garnier",
    "Lacroix",
    "Leclercq",
    "Martin",
    "Bernard",
    "Petit",
    "Durand",
    "Girard",
    "Bonnet",
    "Faure",
    "André",
    "Chevalier",
    "Guérin",
    "Boyer",
    "Perrin",
    "Marchand",
    "Dupré",
    "Nguyen",
    "Da Silva",
    "N'Diaye",
    "Le Goff",
    "Kerbrat",
    "Benaïssa",
    "Éluard",
)
CITIES: tuple[tuple[str, str], ...] = (
    ("Paris", "75011"),
    ("Lyon", "69003"),
    ("Marseille", "13006"),
    ("Saint-Étienne", "42000"),
    ("Besançon", "25000"),
    ("Orléans", "45000"),
    ("Nîmes", "30000"),
    ("Créteil", "94000"),
    ("Angoulême", "16000"),
    ("Sète", "34200"),
    ("Évry-Courcouronnes", "91000"),
    ("Aix-en-Provence", "13100"),
    ("Clermont-Ferrand", "63000"),
    ("Châlons-en-Champagne", "51000"),
    ("Béziers", "34500"),
    ("Rennes", "35000"),
    ("Brest", "29200"),
    ("Lille", "59000"),
    ("Strasbourg", "67000"),
    ("Toulouse", "31000"),
    ("Nantes", "44000"),
    ("Bordeaux", "33000"),
    ("Pointe-à-Pitre", "97110"),
    ("Annecy", "74000"),
    ("Périgueux", "24000"),
)
STREETS = (
    "rue de la Paix",
    "avenue Jean-Jaurès",
    "place de l'Église",
    "boulevard Gambetta",
    "chemin des Prés",
    "allée des Châtaigniers",
    "impasse du Moulin",
    "rue Émile-Zola",
    "quai de la Fosse",
    "rue du Général-Leclerc",
    "route de Fontainebleau",
    "rue des Écoles",
)

POSITIVE = (
    "Parfait, rien à redire.",
    "Très bien, merci !",
    "Livraison rapide, produit conforme.",
    "Je recommande ce vendeur.",
    "Super qualité, emballage soigné.",
    "Conforme à la description, très satisfaite.",
    "Colis reçu en 48 h, impeccable.",
    "Vendeur sérieux et réactif, je commanderai à nouveau.",
    "Le produit est encore mieux qu'en photo.",
    "Excellent rapport qualité-prix.",
    "Petit mot manuscrit dans le colis, c'est très appréciable.",
    "Tout était parfait, de la commande à la réception.",
)
NEUTRAL = (
    "Produit correct mais livraison un peu longue.",
    "Bien dans l'ensemble, l'emballage pourrait être amélioré.",
    "Conforme, sans plus.",
    "Le suivi du colis n'a pas été mis à jour pendant trois jours.",
    "La couleur est légèrement différente de la photo, mais ça reste joli.",
    "Délai annoncé respecté de justesse.",
)
NEGATIVE = (
    "Colis arrivé abîmé, très déçu.",
    "Produit non conforme à la photo.",
    "Toujours pas reçu le remboursement promis.",
    "Aucune réponse du vendeur à mes messages.",
    "Livraison avec dix jours de retard et sans aucune explication.",
    "Article manquant dans le colis.",
    "Le produit a cessé de fonctionner au bout d'une semaine.",
    "Emballage déchiré, le contenu était renversé.",
)
STORY = (
    "J'ai commandé ce produit pour l'anniversaire de ma mère, qui habite à l'autre bout de la France.",
    "Le site indiquait une livraison sous trois jours ouvrés, ce qui collait à mon planning.",
    "J'avais hésité entre plusieurs vendeurs sur la plateforme avant de choisir celui-ci pour ses avis.",
    "Le transporteur a laissé le colis chez une voisine, heureusement très arrangeante.",
    "Après avoir utilisé l'article pendant une quinzaine de jours, je peux donner un avis plus complet.",
    "Mon conjoint, plutôt difficile d'habitude, a lui aussi trouvé l'ensemble de très bonne facture.",
    "J'ai contacté le service client par la messagerie de la plateforme au sujet de la garantie.",
    "Le suivi de commande était clair, avec des notifications à chaque étape de l'acheminement.",
    "C'est la deuxième fois que je passe commande ici et l'expérience reste cohérente.",
    "Je mets à jour mon avis après quelques semaines d'utilisation quotidienne à la maison.",
)
EMOJI = ("👍", "🎉", "😡", "📦", "💔", "🙂", "⭐⭐⭐⭐⭐")

HOSTILE_COMMENTS = (
    "[red]ALERTE[/red] produit dangereux, ne commandez pas !",
    "Voir les détails du remboursement ici : [link=http://x]clic[/link]",
    "\x1b[31mTEXTE EN ROUGE\x1b[0m livré en retard",
    "Titre piégé \x1b]0;title\x07 dans mon avis",
    "Nom du produit : '); DROP TABLE reviews;-- (sans rire)",
    "Colis perdu 😡📦💔 trois semaines d'attente 🙄",
)
HOSTILE_NAMES: tuple[tuple[str, str], ...] = (
    ("[red]Jean[/red]", "Dupont"),
    ("Élise", "O'Hara'); DROP TABLE reviews;--"),
    ("\x1b[31mMarc\x1b[0m", "Lenoir\x1b]0;title\x07"),
    ("Zoé 🌸", "[link=http://x]clic[/link]"),
)

ASSESSMENTS = (
    ("1", "Délai de livraison respecté"),
    ("2", "Produit conforme à la description"),
    ("3", "Qualité de l'emballage (1 à 5)"),
)

REPLY_POSITIVE = (
    "Bonjour {firstname}, merci pour votre avis ! Toute l'équipe est ravie que la commande vous plaise.",
    "Merci {firstname} pour ce retour chaleureux, au plaisir de vous revoir bientôt sur notre boutique.",
)
REPLY_NEGATIVE = (
    "Bonjour {firstname}, nous sommes désolés de ce désagrément. Notre service client vous a contacté "
    "pour trouver une solution rapidement.",
    "Bonjour {firstname}, merci pour votre retour. Nous avons ouvert une enquête auprès du transporteur "
    "et revenons vers vous sous 48 h.",
)
